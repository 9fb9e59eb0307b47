/// Hands the server to its thread (the thread is its only user until it is joined).
final class ServerBox: @unchecked Sendable {
    let server: DiaryServer
    init(_ server: DiaryServer) { self.server = server }
}
