#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension DiaryServer {
    /// Makes SIGINT and SIGTERM stop ``run()``, and keeps SIGPIPE and SIGXFSZ from
    /// killing the server: a closed standard output (`diary server | head -1`) is
    /// a failed write, and a file size limit (`ulimit -f`) makes a write fail with
    /// `EFBIG`.
    ///
    /// SIGINT and SIGTERM are blocked in the calling thread (and so in every thread
    /// started after it), and a watcher thread takes them with `sigwait` and wakes
    /// the poll loop through the server's socket pair. Call it before any other
    /// thread starts. It needs no descriptor of its own: Dispatch signal sources
    /// register lazily on Dispatch's own thread and need one, so a server that ran
    /// out of descriptors early (under a connection flood) sometimes never heard
    /// SIGTERM.
    func stopOnSignals() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        var stopping = sigset_t()
        sigemptyset(&stopping)
        sigaddset(&stopping, SIGINT)
        sigaddset(&stopping, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopping, nil)
        let waker = waker
        let watched = stopping
        let watcher = Thread {
            var set = watched
            var number: CInt = 0
            // The thread lives as long as the process; `sigwait` fails only for an invalid set.
            while sigwait(&set, &number) == 0 { waker.wake() }
        }
        watcher.name = "diary-signals"
        watcher.start()
    }
}
