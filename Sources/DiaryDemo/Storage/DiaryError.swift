import NetKit

/// Everything that stops the diary client or server, as one clear line.
enum DiaryError: Error, CustomStringConvertible {
    /// Bad command-line use; the text says what and how to get help.
    case usage(String)
    /// The diary file could not be used, for a reason that is not one system call's errno.
    case storage(String)
    /// A system call on the diary file failed: which call, which file, which errno.
    case file(String, path: String, errno: Errno)
    /// Another server already serves this diary file.
    case fileLocked(path: String)
    /// The server did not answer after all the retries.
    case noAnswer(server: String, attempts: Int)
    /// Nothing listens at the server's address (every attempt was refused).
    case notListening(server: String)
    /// The server refused a request, with its reason.
    case refused(String)
    /// The server answered something this client cannot read.
    case badReply(String)
    /// A socket call failed.
    case socket(SocketError)

    var description: String {
        switch self {
        case .usage(let text): text
        case .storage(let text): text
        case .file(let operation, let path, let errno): "cannot \(operation) \(path): \(FileCalls.describe(errno))"
        case .fileLocked(let path): "another diary server already uses \(path)"
        case .noAnswer(let server, let attempts): "no answer from \(server) after \(attempts) attempts"
        case .notListening(let server): "no diary server at \(server) (connection refused)"
        case .refused(let reason): "the server refused: \(reason)"
        case .badReply(let text): "unreadable reply from the server: \(text)"
        case .socket(let error): "\(error)"
        }
    }
}
