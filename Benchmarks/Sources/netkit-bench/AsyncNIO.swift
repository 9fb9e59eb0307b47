import CBaseline
import NIOCore
import NIOPosix

// The async section on SwiftNIO: ChannelHandlers on one event loop (both ends of a
// ping-pong on the same loop, as the C epoll floor holds both ends in one epoll set),
// and NIOAsyncChannel (one event loop; the reading and writing tasks on Swift's
// global pool, which is where NIO delivers them).

enum AsyncNIO {
    // MARK: handlers

    /// Echoes stream bytes back (A2 server, A3).
    final class EchoBytes: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            cb_echo_count(1)
            context.write(data, promise: nil)
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    /// Echoes datagrams back to their sender (A1 server, A4).
    final class EchoDatagrams: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            cb_echo_count(1)
            context.write(data, promise: nil)
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    /// The A2 client: one 64-byte message in flight on a TCP connection.
    final class StreamPinger: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let size: Int
        let seconds: Double
        let maxTrips: UInt64
        let done: EventLoopPromise<AsyncSample>
        var counter: TripCounter?
        var payload: ByteBuffer?
        var got = 0

        init(size: Int, seconds: Double, maxTrips: UInt64, done: EventLoopPromise<AsyncSample>) {
            self.size = size
            self.seconds = seconds
            self.maxTrips = maxTrips
            self.done = done
        }

        func begin(context: ChannelHandlerContext) {
            payload = context.channel.allocator.buffer(repeating: UInt8(ascii: "p"), count: size)
            counter = TripCounter(seconds: seconds, maxTrips: maxTrips)
            context.writeAndFlush(wrapOutboundOut(payload!), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let counter else { return }
            got += unwrapInboundIn(data).readableBytes
            while got >= size {
                got -= size
                if !counter.trip() {
                    self.counter = nil
                    done.succeed(counter.sample())
                    return
                }
                context.writeAndFlush(wrapOutboundOut(payload!), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if counter != nil { counter = nil; done.fail(error) }
        }
    }

    /// The A1 client: one datagram in flight.
    final class DatagramPinger: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let server: SocketAddress
        let size: Int
        let seconds: Double
        let maxTrips: UInt64
        let done: EventLoopPromise<AsyncSample>
        var counter: TripCounter?
        var envelope: AddressedEnvelope<ByteBuffer>?

        init(server: SocketAddress, size: Int, seconds: Double, maxTrips: UInt64, done: EventLoopPromise<AsyncSample>) {
            self.server = server
            self.size = size
            self.seconds = seconds
            self.maxTrips = maxTrips
            self.done = done
        }

        func begin(context: ChannelHandlerContext) {
            envelope = AddressedEnvelope(
                remoteAddress: server,
                data: context.channel.allocator.buffer(repeating: UInt8(ascii: "p"), count: size))
            counter = TripCounter(seconds: seconds, maxTrips: maxTrips)
            context.writeAndFlush(wrapOutboundOut(envelope!), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let counter, unwrapInboundIn(data).data.readableBytes == size else { return }
            if !counter.trip() {
                self.counter = nil
                done.succeed(counter.sample())
                return
            }
            context.writeAndFlush(wrapOutboundOut(envelope!), promise: nil)
        }
    }

    // MARK: A1/A2 ping-pong

    /// Both ends on one event loop, ChannelHandlers.
    static func pingPongHandlers(tcp: Bool, size: Int, seconds: Double, maxRoundTrips: UInt64) throws -> AsyncSample {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let done = loop.makePromise(of: AsyncSample.self)
        if tcp {
            let server = try ServerBootstrap(group: loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoBytes())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
            defer { try? server.close().wait() }
            let pinger = StreamPinger(size: size, seconds: seconds, maxTrips: maxRoundTrips, done: done)
            let client = try ClientBootstrap(group: loop)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(pinger) }
                }
                .connect(to: server.localAddress!).wait()
            defer { try? client.close().wait() }
            try loop.submit { pinger.begin(context: try client.pipeline.syncOperations.context(handler: pinger)) }
                .wait()
            return try done.futureResult.wait()
        } else {
            let server = try DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoDatagrams())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
            defer { try? server.close().wait() }
            let pinger = DatagramPinger(
                server: server.localAddress!, size: size, seconds: seconds, maxTrips: maxRoundTrips, done: done)
            let client = try DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(pinger) }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
            defer { try? client.close().wait() }
            try loop.submit { pinger.begin(context: try client.pipeline.syncOperations.context(handler: pinger)) }
                .wait()
            return try done.futureResult.wait()
        }
    }

    typealias Datagrams = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    typealias Bytes = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// NIOAsyncChannel: one event loop; client and server tasks on the global pool.
    static func pingPongAsync(tcp: Bool, size: Int, seconds: Double, maxRoundTrips: UInt64) throws -> AsyncSample {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        return try blockOn {
            tcp
                ? try await streamPingPongAsync(
                    group: group, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
                : try await datagramPingPongAsync(
                    group: group, size: size, seconds: seconds, maxRoundTrips: maxRoundTrips)
        }
    }

    static func datagramPingPongAsync(
        group: MultiThreadedEventLoopGroup, size: Int, seconds: Double,
        maxRoundTrips: UInt64
    ) async throws -> AsyncSample {
        func bind() async throws -> Datagrams {
            try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try Datagrams(wrappingChannelSynchronously: channel) }
            }
        }
        let server = try await bind()
        let client = try await bind()
        let serverAddress = server.channel.localAddress!
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                try await server.executeThenClose { inbound, outbound in
                    for try await envelope in inbound {
                        if envelope.data.readableBytes <= 1 { break }
                        try await outbound.write(envelope)
                    }
                }
                return nil
            }
            tasks.addTask {
                try await client.executeThenClose { inbound, outbound in
                    let payload = AddressedEnvelope(
                        remoteAddress: serverAddress,
                        data: ByteBuffer(repeating: UInt8(ascii: "p"), count: size))
                    let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                    var replies = inbound.makeAsyncIterator()
                    repeat {
                        try await outbound.write(payload)
                        guard let reply = try await replies.next(), reply.data.readableBytes == size else { break }
                    } while counter.trip()
                    let sample = counter.sample()
                    try await outbound.write(
                        AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: [0])))
                    return sample
                }
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    static func streamPingPongAsync(
        group: MultiThreadedEventLoopGroup, size: Int, seconds: Double,
        maxRoundTrips: UInt64
    ) async throws -> AsyncSample {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try Bytes(wrappingChannelSynchronously: channel) }
            }
        let client = try await ClientBootstrap(group: group)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(to: server.channel.localAddress!) { channel in
                channel.eventLoop.makeCompletedFuture { try Bytes(wrappingChannelSynchronously: channel) }
            }
        return try await withThrowingTaskGroup(of: AsyncSample?.self) { tasks in
            tasks.addTask {
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        try await connection.executeThenClose { inbound, outbound in
                            for try await bytes in inbound { try await outbound.write(bytes) }
                        }
                        break
                    }
                }
                return nil
            }
            tasks.addTask {
                try await client.executeThenClose { inbound, outbound in
                    let payload = ByteBuffer(repeating: UInt8(ascii: "p"), count: size)
                    let counter = TripCounter(seconds: seconds, maxTrips: maxRoundTrips)
                    var replies = inbound.makeAsyncIterator()
                    var got = 0
                    outer: repeat {
                        try await outbound.write(payload)
                        while got < size {
                            guard let reply = try await replies.next() else { break outer }
                            got += reply.readableBytes
                        }
                        got -= size
                    } while counter.trip()
                    return counter.sample()
                }
            }
            var result: AsyncSample?
            for try await sample in tasks { if let sample { result = sample } }
            return result!
        }
    }

    // MARK: A3/A4 servers (in the server process; they never return)

    static func serveHandlers(tcp: Bool) throws -> Never {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: Channel
        if tcp {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 4096)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoBytes())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } else {
            channel = try DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoDatagrams())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        }
        cb_announce_port(Int32(channel.localAddress!.port!))
        try channel.closeFuture.wait()
        exit(0)
    }

    static func serveAsync(tcp: Bool) throws -> Never {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try blockOn {
            if tcp {
                let server = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelOption(.backlog, value: 4096)
                    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .bind(host: "127.0.0.1", port: 0) { channel in
                        channel.eventLoop.makeCompletedFuture { try Bytes(wrappingChannelSynchronously: channel) }
                    }
                cb_announce_port(Int32(server.channel.localAddress!.port!))
                try await withThrowingDiscardingTaskGroup { tasks in
                    try await server.executeThenClose { connections in
                        for try await connection in connections {
                            tasks.addTask {
                                try? await connection.executeThenClose { inbound, outbound in
                                    for try await bytes in inbound {
                                        cb_echo_count(1)
                                        try await outbound.write(bytes)
                                    }
                                }
                            }
                        }
                    }
                }
            } else {
                let server = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture { try Datagrams(wrappingChannelSynchronously: channel) }
                }
                cb_announce_port(Int32(server.channel.localAddress!.port!))
                try await server.executeThenClose { inbound, outbound in
                    for try await envelope in inbound {
                        cb_echo_count(1)
                        try await outbound.write(envelope)
                    }
                }
            }
        }
        exit(0)
    }
}
