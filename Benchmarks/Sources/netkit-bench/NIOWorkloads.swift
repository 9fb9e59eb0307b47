import CBaseline
import NIOCore
import NIOPosix

// The same workloads on SwiftNIO's DatagramBootstrap with its fastest options:
// vector reads (recvmmsg), sendmmsg on flush, GSO/GRO.

enum NIOWorkloads {
    // MARK: W1 ping-pong

    final class Echo: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.write(data, promise: nil)
        }
        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }
    }

    final class Pinger: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let server: SocketAddress
        let size: Int
        let deadline: Double
        let maxTrips: UInt64
        let done: EventLoopPromise<(UInt64, Double)>
        var trips: UInt64 = 0
        var start = 0.0
        var payload: ByteBuffer?

        init(
            server: SocketAddress, size: Int, seconds: Double, maxTrips: UInt64,
            done: EventLoopPromise<(UInt64, Double)>
        ) {
            self.server = server
            self.size = size
            self.deadline = seconds
            self.maxTrips = maxTrips
            self.done = done
        }

        func begin(context: ChannelHandlerContext) {
            payload = context.channel.allocator.buffer(repeating: UInt8(ascii: "p"), count: size)
            start = cb_now()
            send(context: context)
        }

        func send(context: ChannelHandlerContext) {
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: payload!)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard envelope.data.readableBytes == size else { return }
            trips += 1
            if trips >= maxTrips || (trips & 63 == 0 && cb_now() - start >= deadline) {
                done.succeed((trips, cb_now() - start))
                return
            }
            send(context: context)
        }
    }

    static func pingPong(size: Int, seconds: Double, maxRoundTrips: UInt64, pinCPU: Int32?) throws -> Sample {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let serverLoop = group.next()
        let clientLoop = group.next()
        if let pinCPU {
            for loop in [serverLoop, clientLoop] { _ = try loop.submit { cb_pin_current_thread(pinCPU) }.wait() }
        }
        let server = try DatagramBootstrap(group: serverLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? server.close().wait() }
        let done = clientLoop.makePromise(of: (UInt64, Double).self)
        let pinger = Pinger(
            server: server.localAddress!, size: size, seconds: seconds, maxTrips: maxRoundTrips, done: done)
        let client = try DatagramBootstrap(group: clientLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(pinger) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? client.close().wait() }
        try client.eventLoop.submit {
            let context = try client.pipeline.syncOperations.context(handler: pinger)
            pinger.begin(context: context)
        }.wait()
        let (trips, elapsed) = try done.futureResult.wait()
        return Sample(seconds: elapsed, datagrams: trips, bytes: trips * UInt64(size), sent: trips)
    }

    // MARK: W2 blast

    final class Counter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let size: Int
        var received: UInt64 = 0
        var bytes: UInt64 = 0
        init(size: Int) { self.size = size }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let count = envelope.data.readableBytes
            let segment = envelope.metadata?.segmentSize ?? count
            received += UInt64((count + segment - 1) / max(segment, 1))
            bytes += UInt64(count)
        }
    }

    final class Blaster: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let target: SocketAddress
        let size: Int
        let perFlush: Int
        let segments: Int  // > 1: GSO super-datagrams of `segments` datagrams
        let seconds: Double
        let maxDatagrams: UInt64
        let done: EventLoopPromise<(UInt64, Double)>
        var sent: UInt64 = 0
        var start = 0.0
        var finished = false
        var envelope: AddressedEnvelope<ByteBuffer>?

        init(
            target: SocketAddress, size: Int, perFlush: Int, segments: Int, seconds: Double, maxDatagrams: UInt64,
            done: EventLoopPromise<(UInt64, Double)>
        ) {
            self.target = target
            self.size = size
            self.perFlush = perFlush
            self.segments = segments
            self.seconds = seconds
            self.maxDatagrams = maxDatagrams
            self.done = done
        }

        func begin(context: ChannelHandlerContext) {
            let bytes = context.channel.allocator.buffer(repeating: UInt8(ascii: "b"), count: size * segments)
            var metadata: AddressedEnvelope<ByteBuffer>.Metadata?
            if segments > 1 {
                metadata = .init(ecnState: .transportNotCapable)
                metadata?.segmentSize = size
            }
            envelope = AddressedEnvelope(remoteAddress: target, data: bytes, metadata: metadata)
            start = cb_now()
            pump(context: context)
        }

        func pump(context: ChannelHandlerContext) {
            guard !finished else { return }
            // Write until the channel pushes back or a slice of time passes, then yield to the loop.
            var rounds = 0
            while context.channel.isWritable, rounds < 16 {
                for _ in 0..<perFlush { context.write(wrapOutboundOut(envelope!), promise: nil) }
                context.flush()
                sent += UInt64(perFlush * segments)
                rounds += 1
            }
            let elapsed = cb_now() - start
            if elapsed >= seconds || sent >= maxDatagrams {
                finished = true
                done.succeed((sent, elapsed))
                return
            }
            if context.channel.isWritable {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.execute { self.pump(context: bound.value) }
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable { pump(context: context) }
        }
    }

    /// `gsoPerFlush`: GSO super-datagrams written per flush (one `sendmsg`, or a `sendmmsg` when more than one).
    static func blast(size: Int, batch: Int, gso: Bool, gsoPerFlush: Int = 1, seconds: Double, maxDatagrams: UInt64)
        throws -> Sample
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let receiverLoop = group.next()
        let senderLoop = group.next()
        let counter = Counter(size: size)
        var receiving = DatagramBootstrap(group: receiverLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: gso ? 65536 : 2048))
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelOption(
                ChannelOptions.Types.SocketOption(
                    level: .init(rawValue: SOL_SOCKET), name: .init(rawValue: SO_RCVBUFFORCE)),
                value: 4 << 20)
        if gso {
            receiving =
                receiving
                .channelOption(.datagramReceiveOffload, value: true)
                .channelOption(.datagramReceiveSegmentSize, value: true)
        } else {
            receiving = receiving.channelOption(.datagramVectorReadMessageCount, value: batch)
        }
        let receiver =
            try receiving
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(counter) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        let done = senderLoop.makePromise(of: (UInt64, Double).self)
        let blaster = Blaster(
            target: receiver.localAddress!, size: size, perFlush: gso ? gsoPerFlush : batch, segments: gso ? batch : 1,
            seconds: seconds, maxDatagrams: maxDatagrams, done: done)
        let sender = try DatagramBootstrap(group: senderLoop)
            .channelOption(.writeBufferWaterMark, value: .init(low: 8 << 20, high: 16 << 20))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(blaster) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        try sender.eventLoop.submit {
            let context = try sender.pipeline.syncOperations.context(handler: blaster)
            blaster.begin(context: context)
        }.wait()
        let (sent, elapsed) = try done.futureResult.wait()
        try sender.close().wait()
        // Let the receiver drain what is queued (bounded), then read its counts on its loop.
        var last: UInt64 = .max
        for _ in 0..<50 {
            let current = try receiverLoop.submit { counter.received }.wait()
            if current == last { break }
            last = current
            cb_sleep_ms(20)
        }
        let (received, bytes) = try receiverLoop.submit { (counter.received, counter.bytes) }.wait()
        try receiver.close().wait()
        return Sample(seconds: elapsed, datagrams: received, bytes: bytes, sent: sent)
    }
}
