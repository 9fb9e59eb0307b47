#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// SIGINT and SIGTERM end every example cleanly: the handler only writes the signal
// number into a pipe (the one async-signal-safe thing it needs), and a thread of
// our own reads it, runs the program's clean-up, says so and exits 0. This is the
// "self-pipe" pattern; unlike `sigwait`, it works whatever threads already exist.

nonisolated(unsafe) private var signalPipeWriteEnd: CInt = -1

/// Ends the program cleanly on SIGINT or SIGTERM.
public enum Termination {
    /// Installs the handlers. On a signal, runs `cleanUp` (close files, remove a
    /// socket file), prints `program: stopping (SIGTERM)` and exits with status 0.
    /// Call it once, first thing in `main`.
    public static func exitOnSignal(_ program: String, cleanUp: @escaping @Sendable () -> Void = {}) {
        var ends: [CInt] = [-1, -1]
        guard pipe(&ends) == 0 else {
            printError("\(program): pipe failed; SIGINT and SIGTERM will not be handled cleanly")
            return
        }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        signalPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        startThread {
            var number: CInt = 0
            while read(readEnd, &number, MemoryLayout<CInt>.size) < 0 && errno == EINTR {}
            cleanUp()
            print("\(program): stopping (\(number == SIGINT ? "SIGINT" : "SIGTERM"))")
            fflush(stdout)
            exit(0)
        }
        for signalNumber in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { number in
                var value = number
                _ = write(signalPipeWriteEnd, &value, MemoryLayout<CInt>.size)
            }
            #else
            action.__sigaction_u.__sa_handler = { number in
                var value = number
                _ = write(signalPipeWriteEnd, &value, MemoryLayout<CInt>.size)
            }
            #endif
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signalNumber, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
    }
}
