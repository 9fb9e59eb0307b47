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
    /// thread starts. It needs no descriptor of its own. Dispatch signal sources did
    /// need one: they create a `signalfd` lazily, on Dispatch's own thread, and a
    /// server that ran out of descriptors early (under a connection flood) often
    /// never heard SIGTERM. A second signal while the server stops ends it at once. The mask is
    /// inherited by child processes; the server starts none.
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
            guard sigwait(&set, &number) == 0 else { return }
            waker.wake()
            // A second signal while stopping (a stuck disk, say) ends the process at once, as the
            // default action would; nothing unsynced was ever acknowledged, so nothing is lost.
            guard sigwait(&set, &number) == 0 else { return }
            Console.error("diary server: second signal \(number); exiting without finishing")
            _exit(128 + number)
        }
        watcher.start()
    }
}
