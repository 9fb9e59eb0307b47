import CNetKitShims

/// Every way a connect by name (``StreamConnection/init(connectingToHost:port:timeout:loop:)``)
/// or to a list of addresses failed: each resolution error and each connection attempt.
public struct ConnectAttemptsError: Error, Sendable, CustomStringConvertible {
    /// One connection attempt and how it failed.
    public struct Attempt: Sendable, Hashable {
        /// The address tried.
        public var address: SocketAddress
        /// What `connect` reported.
        public var error: SocketError
    }

    /// The host asked for, or `nil` for a list of addresses.
    public var host: String?
    /// The port asked for.
    public var port: UInt16?
    /// The `getaddrinfo` failures, one per address family that failed.
    public var resolutionErrors: [SocketError]
    /// Every attempt made, in the order each was started.
    public var attempts: [Attempt]
    /// Whether the overall timeout passed before any attempt connected.
    public var timedOut: Bool

    /// One line naming the target, then each failure.
    public var description: String {
        var parts: [String] = []
        if timedOut { parts.append("timed out") }
        if attempts.isEmpty && resolutionErrors.isEmpty && !timedOut { parts.append("no addresses to try") }
        parts += resolutionErrors.map { $0.description }
        parts += attempts.map { "\($0.address): \($0.error.reason)" }
        let target = host.map { "\($0):\(port.map(String.init) ?? "")" } ?? "any of the addresses"
        return "connect to \(target) failed: " + parts.joined(separator: "; ")
    }
}

// MARK: - Happy Eyeballs

extension StreamConnection {
    /// The wait for the AAAA answer once the A answer is in (RFC 8305 §3).
    static var resolutionDelay: Duration { .milliseconds(50) }
    /// The wait before the next attempt starts while earlier ones are still under way (RFC 8305 §5).
    static var connectionAttemptDelay: Duration { .milliseconds(250) }

    /// Connects to a host by name with Happy Eyeballs v2 (RFC 8305).
    ///
    /// Resolves IPv6 and IPv4 addresses at once (one `getaddrinfo` each). When the IPv4
    /// answer comes first, waits up to 50 ms for the IPv6 one. Then tries the addresses
    /// with the families interleaved, IPv6 first, starting the next attempt after
    /// 250 ms or as soon as the previous one fails, while the earlier attempts go on.
    /// The first connection wins; the others are cancelled and closed. Addresses
    /// that arrive after the attempts began join the queue.
    ///
    /// ```swift
    /// let connection = try await StreamConnection(connectingToHost: "localhost", port: 7)
    /// ```
    /// Not cancel safe in the sense of a single call: cancelling it closes every
    /// attempt and throws `CancellationError`, and nothing is left open.
    /// - Parameters:
    ///   - host: a host name or a numeric IPv4 or IPv6 address.
    ///   - port: the TCP port.
    ///   - timeout: the limit for resolution and every attempt together.
    ///   - loop: the loop to register the connection with; `nil` for ``IOLoop/default``.
    /// - Throws: ``ConnectAttemptsError`` listing every resolution failure and
    ///   attempt when none connects; `CancellationError`.
    public init(
        connectingToHost host: String, port: UInt16, timeout: Duration = .seconds(30), loop: IOLoop? = nil
    ) async throws {
        let loop = try loop ?? IOLoop.default
        var race = ConnectionRace(host: host, port: port)
        if let literal = IPAddress(host) {
            race.add([SocketAddress(literal, port: port)], family: literal.family)
            race.finishResolution(of: literal.family == .ipv6 ? .ipv4 : .ipv6)
        }
        self = try await Self.run(race, deadline: .now + timeout, attemptDelay: Self.connectionAttemptDelay, loop: loop)
    }

    /// Connects to the first of `addresses` that answers, racing them as Happy Eyeballs
    /// v2 (RFC 8305) does: families interleaved, IPv6 first, a new attempt every
    /// 250 ms or as soon as one fails, the first connection wins and the others are
    /// cancelled and closed.
    ///
    /// - Parameters:
    ///   - addresses: IPv4 and IPv6 addresses, in order of preference within each family.
    ///   - timeout: the limit for every attempt together.
    ///   - loop: the loop to register the connection with; `nil` for ``IOLoop/default``.
    /// - Throws: ``ConnectAttemptsError`` listing every attempt when none connects; `CancellationError`.
    public init(connectingToAnyOf addresses: [SocketAddress], timeout: Duration = .seconds(30), loop: IOLoop? = nil)
        async throws
    {
        try await self.init(
            connectingToAnyOf: addresses, timeout: timeout, attemptDelay: Self.connectionAttemptDelay, loop: loop)
    }

    /// Races `addresses` with a chosen connection-attempt delay (tests use a long one).
    init(
        connectingToAnyOf addresses: [SocketAddress], timeout: Duration, attemptDelay: Duration, loop: IOLoop?
    ) async throws {
        let loop = try loop ?? IOLoop.default
        var race = ConnectionRace(host: nil, port: nil)
        race.add(addresses.filter { $0.family == .ipv6 }, family: .ipv6)
        race.add(addresses.filter { $0.family != .ipv6 }, family: .ipv4)
        self = try await Self.run(race, deadline: .now + timeout, attemptDelay: attemptDelay, loop: loop)
    }

    /// What a child task of the race reports.
    private enum RaceEvent: Sendable {
        case resolved(AddressFamily, Result<[SocketAddress], SocketError>)
        case resolutionDelayOver
        case attemptDelayOver(generation: Int)
        case connected(SocketAddress, CInt)
        case failed(SocketAddress, SocketError)
        case deadline
        case stopped
    }

    /// Runs the race in a task group: resolutions, attempts and the loop timers that
    /// pace them are its children, and the group ends with all of them.
    private static func run(
        _ initial: ConnectionRace, deadline: ContinuousClock.Instant, attemptDelay: Duration, loop: IOLoop
    ) async throws -> StreamConnection {
        var race = initial
        let outcome: Result<CInt, ConnectAttemptsError> = await withTaskGroup(of: RaceEvent.self) { group in
            var attemptGeneration = 0
            var resolutionDelayStarted = false

            func startAttempt(_ address: SocketAddress) {
                attemptGeneration += 1
                let generation = attemptGeneration
                group.addTask {
                    do {
                        let connection = try await StreamConnection(
                            connectingTo: address, deadline: .at(deadline), loop: loop)
                        return .connected(address, connection.release())
                    } catch let error as SocketError {
                        return .failed(address, error)
                    } catch {
                        return .stopped
                    }
                }
                group.addTask {
                    do {
                        try await Registration(eventOnlyOn: loop).sleep(until: .now + attemptDelay)
                        return .attemptDelayOver(generation: generation)
                    } catch {
                        return .stopped
                    }
                }
            }

            group.addTask {
                do {
                    try await Registration(eventOnlyOn: loop).sleep(until: deadline)
                    return .deadline
                } catch {
                    return .stopped
                }
            }
            if let host = race.host, let port = race.port {
                for family in [AddressFamily.ipv6, .ipv4] where !race.isResolved(family) {
                    group.addTask {
                        do throws(SocketError) {
                            let hints = AddressInfoHints(family: family, socketType: .stream)
                            let infos = try await Resolver.resolve(host: host, service: String(port), hints: hints)
                            return .resolved(family, .success(infos.map(\.address)))
                        } catch {
                            return .resolved(family, .failure(error))
                        }
                    }
                }
            }

            var winner: CInt? = nil
            var timedOut = false
            while winner == nil, !timedOut {
                // Start what the state allows: the first attempt once IPv6 is in or
                // the resolution delay is over, the next one when nothing is under way.
                if race.mayStart, race.inFlight == 0, let next = race.next() {
                    startAttempt(next)
                } else if !race.mayStart, race.needsResolutionDelay, !resolutionDelayStarted {
                    resolutionDelayStarted = true
                    group.addTask {
                        do {
                            try await Registration(eventOnlyOn: loop).sleep(until: .now + resolutionDelay)
                            return .resolutionDelayOver
                        } catch {
                            return .stopped
                        }
                    }
                }
                if race.isExhausted { break }
                guard let event = await group.next() else { break }
                switch event {
                case .resolved(let family, .success(let addresses)):
                    race.add(addresses, family: family)
                    race.finishResolution(of: family)
                case .resolved(let family, .failure(let error)):
                    race.resolutionErrors.append(error)
                    race.finishResolution(of: family)
                case .resolutionDelayOver:
                    race.resolutionDelayPassed = true
                case .attemptDelayOver(let generation):
                    if generation == attemptGeneration, let next = race.next() { startAttempt(next) }
                case .connected(_, let fd):
                    race.inFlight -= 1
                    winner = fd
                case .failed(let address, let error):
                    race.inFlight -= 1
                    race.attempts.append(.init(address: address, error: error))
                    // A failure starts the next attempt at once (RFC 8305 §5).
                    if race.mayStart, let next = race.next() { startAttempt(next) }
                case .deadline:
                    timedOut = true
                case .stopped:
                    break
                }
            }
            group.cancelAll()
            // Attempts that connected while the race was ending are closed here.
            while let event = await group.next() {
                if case .connected(_, let fd) = event {
                    if winner == nil { winner = fd } else { StreamConnection(unsafeAdopting: fd).closeQuietly() }
                }
            }
            if let winner { return .success(winner) }
            // An attempt whose own deadline (the race's) passed may report before the race's timer.
            return .failure(race.failure(timedOut: timedOut || ContinuousClock.now >= deadline))
        }
        try Task.checkCancellation()
        switch outcome {
        case .success(let fd):
            let connection = StreamConnection(unsafeAdopting: fd)
            try connection.register(on: loop)
            return connection
        case .failure(let error):
            throw error
        }
    }

    /// Closes without reporting: for a losing attempt.
    private consuming func closeQuietly() {
        _ = try? close()
    }
}

/// The state of one Happy Eyeballs race: what is resolved, what is queued per
/// family, what is under way, what failed.
struct ConnectionRace {
    let host: String?
    let port: UInt16?
    private var queues: [AddressFamily: [SocketAddress]] = [.ipv6: [], .ipv4: []]
    private var resolved: Set<AddressFamily> = []
    private var lastFamily: AddressFamily? = nil
    var resolutionDelayPassed = false
    var inFlight = 0
    var attempts: [ConnectAttemptsError.Attempt] = []
    var resolutionErrors: [SocketError] = []

    init(host: String?, port: UInt16?) {
        self.host = host
        self.port = port
        if host == nil {
            resolved = [.ipv6, .ipv4]
        }
    }

    func isResolved(_ family: AddressFamily) -> Bool { resolved.contains(family) }

    mutating func add(_ addresses: [SocketAddress], family: AddressFamily) {
        queues[family, default: []].append(contentsOf: addresses)
    }

    mutating func finishResolution(of family: AddressFamily) {
        resolved.insert(family)
    }

    /// Attempts may start: IPv6 answered, or both did, or IPv4 did and the 50 ms passed.
    var mayStart: Bool {
        if resolved.contains(.ipv6) && !(queues[.ipv6]?.isEmpty ?? true) { return true }
        if resolved.contains(.ipv6) && resolved.contains(.ipv4) { return true }
        return resolved.contains(.ipv4) && resolutionDelayPassed
    }

    /// Only IPv4 answered so far: the resolution delay applies.
    var needsResolutionDelay: Bool { resolved.contains(.ipv4) && !resolved.contains(.ipv6) }

    /// Nothing more can happen: everything resolved, nothing queued, nothing under way.
    var isExhausted: Bool {
        resolved.contains(.ipv6) && resolved.contains(.ipv4) && inFlight == 0
            && queues.values.allSatisfy(\.isEmpty)
    }

    /// The next address to try, alternating families (IPv6 first), counting it as under way.
    mutating func next() -> SocketAddress? {
        let order: [AddressFamily] = lastFamily == .ipv6 ? [.ipv4, .ipv6] : [.ipv6, .ipv4]
        for family in order {
            if var queue = queues[family], !queue.isEmpty {
                let address = queue.removeFirst()
                queues[family] = queue
                lastFamily = family
                inFlight += 1
                return address
            }
        }
        return nil
    }

    func failure(timedOut: Bool) -> ConnectAttemptsError {
        ConnectAttemptsError(
            host: host, port: port, resolutionErrors: resolutionErrors, attempts: attempts, timedOut: timedOut)
    }
}
