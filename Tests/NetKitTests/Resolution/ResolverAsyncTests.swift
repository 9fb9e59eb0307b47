import CNetKitShims
import Testing
@testable import NetKit

@Suite("Resolver: async getaddrinfo")
struct ResolverAsyncTests {
    @Test(arguments: [
        ("localhost", AddressInfoHints(socketType: .datagram)),
        ("::1", AddressInfoHints(flags: .numericHost)),
        ("127.0.0.1", AddressInfoHints(family: .ipv4, socketType: .stream)),
    ])
    func asyncGivesTheSameResultsAsBlocking(host: String, hints: AddressInfoHints) async throws {
        // In an async context the async overload wins; reach the blocking one through a sync function.
        let blocking = try resolveBlocking(host: host, service: "9999", hints: hints)
        let concurrent: [AddressInfo] = try await Resolver.resolve(host: host, service: "9999", hints: hints)
        #expect(concurrent == blocking)
        #expect(!concurrent.isEmpty)
    }

    @Test func asyncFailuresAreTyped() async {
        do {
            _ = try await Resolver.resolve(
                host: "not-an-address", service: "80", hints: AddressInfoHints(flags: .numericHost))
            Issue.record("resolved a bad literal")
        } catch {
            // `error` is a SocketError: the async variant throws typed errors too.
            #expect(error.resolverError == .noName)
            #expect(error.resolverError?.query == "not-an-address:80")
        }
    }

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func theCallRunsOnItsOwnThreadAndFreesItsList() async throws {
        let driver = MockingDriver()
        driver.failNext("getaddrinfo", with: [.interrupted])
        let results = try await MockingDriver.$current.withValue(driver) {
            try await Resolver.resolve(host: "127.0.0.1", service: "80", hints: AddressInfoHints(socketType: .stream))
        }
        #expect(results.map(\.address) == [.ipv4(.loopback, port: 80)])
        #expect(driver.calls == ["pthread_create", "getaddrinfo", "getaddrinfo", "freeaddrinfo"])
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func noThreadIsAnEAISystemError() async {
        let driver = MockingDriver()
        driver.failNext("pthread_create", with: [.wouldBlock])
        let error = await MockingDriver.$current.withValue(driver) { () async -> SocketError? in
            do throws(SocketError) {
                _ = try await Resolver.resolve(host: "127.0.0.1", service: "80")
                return nil
            } catch {
                return error  // typed: SocketError
            }
        }
        #expect(error?.resolverError == .system)
        #expect(error?.resolverError?.systemError == .wouldBlock)
        #expect(error?.resolverError?.query == "127.0.0.1:80")
        #expect(driver.calls == ["pthread_create"])
    }
    #endif

    #if DEBUG  // MockingDriver (the syscall mocking seam) exists in debug builds only
    @Test func cancelledBeforeStartingStartsNoThread() async {
        let driver = MockingDriver()
        let task = Task { () async -> Result<[AddressInfo], SocketError> in
            withUnsafeCurrentTask { $0?.cancel() }
            return await MockingDriver.$current.withValue(driver) { () async -> Result<[AddressInfo], SocketError> in
                do throws(SocketError) {
                    return .success(try await Resolver.resolve(host: "localhost", service: "80"))
                } catch {
                    return .failure(error)
                }
            }
        }
        let result = await task.value
        guard case .failure(let error) = result else {
            Issue.record("a cancelled resolution returned \(result)")
            return
        }
        #expect(error.resolverError?.isCancellation == true)
        #expect(error.description.contains("for localhost:80"))
        #expect(driver.calls.isEmpty)
    }
    #endif

    @Test func cancellationWinsOverALateResultAndResumesOnce() async {
        // A CheckedContinuation traps if resumed twice, so this also proves "once".
        let pending = PendingResolution(host: "example.invalid", service: nil)
        let result = await withCheckedContinuation { (continuation: PendingResolution.Continuation) in
            #expect(pending.install(continuation))
            pending.cancel()
            pending.finish(.success([]))
            pending.cancel()
        }
        guard case .failure(let error) = result else {
            Issue.record("expected cancellation, got \(result)")
            return
        }
        #expect(error.resolverError?.isCancellation == true)
    }

    @Test func aResultWinsOverALateCancellation() async throws {
        let pending = PendingResolution(host: nil, service: "80")
        let info = AddressInfo(address: .ipv4(.loopback, port: 80), socketType: .stream, protocol: .tcp)
        let result = await withCheckedContinuation { (continuation: PendingResolution.Continuation) in
            #expect(pending.install(continuation))
            pending.finish(.success([info]))
            pending.cancel()
            pending.finish(.success([]))
        }
        #expect(try result.get() == [info])
    }

    @Test func manyConcurrentResolutionsAllComplete() async throws {
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await Resolver.resolve(
                        host: index.isMultiple(of: 2) ? "127.0.0.1" : "::1",
                        service: "\(1_000 + index)",
                        hints: AddressInfoHints(socketType: .stream, flags: .numericHost)
                    ).count
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 1, count: 64))
    }
}

/// The blocking resolver, called from a synchronous context so overload resolution picks it.
func resolveBlocking(host: String?, service: String?, hints: AddressInfoHints) throws(SocketError) -> [AddressInfo] {
    try Resolver.resolve(host: host, service: service, hints: hints)
}
