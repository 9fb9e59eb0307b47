import Dispatch
import Foundation

extension DiaryServer {
    /// Makes SIGINT and SIGTERM stop ``run()``: Dispatch signal sources wake the
    /// poll loop through the server's socket pair. A closed standard output
    /// (`diary server | head -1`) no longer raises SIGPIPE either, and a file
    /// size limit (`ulimit -f`) makes a write fail with `EFBIG` instead of
    /// killing the server with SIGXFSZ.
    ///
    /// - Returns: the sources; keep them while the server runs.
    func stopOnSignals() -> [any DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        let waker = waker
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)  // The source, not the default action, handles it.
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { waker.wake() }
            source.resume()
            return source
        }
    }
}
