import CBaseline
import NetKit

// The workloads written with NetKit, shaped exactly like the C baseline in
// CBaseline/baseline.c: same threads, same sockets, same system calls.

enum Mode: String, CaseIterable, Sendable {
    case sendTo = "sendto/recvfrom"
    case connected = "send/recv (connected)"
    case mmsg = "sendmmsg/recvmmsg"
    case gso = "GSO/GRO"
    case gsoBatch = "GSO/GRO + sendmmsg"

    var cValue: Int32 {
        switch self {
        case .sendTo: Int32(CB_MODE_SENDTO)
        case .connected: Int32(CB_MODE_CONNECTED)
        case .mmsg: Int32(CB_MODE_MMSG)
        case .gso: Int32(CB_MODE_GSO)
        case .gsoBatch: Int32(CB_MODE_GSO_MMSG)
        }
    }
}

/// Warm-up before the allocation window opens: thread start-up and first-use costs are not steady state.
let warmUpDatagrams: UInt64 = 256

enum NetKitWorkloads {
    // MARK: W1 ping-pong

    static func pingPong(mode: Mode, size: Int, seconds: Double, maxRoundTrips: UInt64, pinCPU: Int32?) throws -> Sample
    {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let serverAddress = try server.localAddress
        let clientAddress = try client.localAddress
        try server.setOption(.receiveTimeout, .milliseconds(Int((seconds + 2) * 1000)))
        try client.setOption(.receiveTimeout, .seconds(2))
        let serverFD = server.release()
        let clientFD = client.release()

        let serverThread = startThread {
            let socket = DatagramSocket(unsafeAdopting: serverFD)
            if let pinCPU { _ = cb_pin_current_thread(pinCPU) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            defer { buffer.deallocate() }
            do {
                if mode == .connected {
                    try socket.connect(to: clientAddress)
                    while true {
                        let datagram = try socket.receiveFromPeer(into: buffer)
                        if datagram.count <= 1 { break }
                        try socket.send(UnsafeRawBufferPointer(rebasing: buffer[..<datagram.count]))
                    }
                } else {
                    while true {
                        let datagram = try socket.receive(into: buffer)
                        guard datagram.count > 1, let sender = datagram.sender else { break }
                        try socket.send(UnsafeRawBufferPointer(rebasing: buffer[..<datagram.count]), to: sender)
                    }
                }
            } catch {
                // A timeout or error ends the server; the client sees it as a short run.
            }
        }

        let result = Slot(Sample(seconds: -1, datagrams: 0, bytes: 0, sent: 0))
        let clientThread = startThread {
            let socket = DatagramSocket(unsafeAdopting: clientFD)
            if let pinCPU { _ = cb_pin_current_thread(pinCPU) }
            let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
            defer { out.deallocate(); incoming.deallocate() }
            out.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "p"))
            let payload = UnsafeRawBufferPointer(rebasing: out[..<size])
            var trips: UInt64 = 0
            var window = AllocationWindow()
            let start = now()
            let deadline = start + seconds
            do {
                if mode == .connected { try socket.connect(to: serverAddress) }
                while trips < maxRoundTrips {
                    let received: Int
                    if mode == .connected {
                        try socket.send(payload)
                        received = try socket.receiveFromPeer(into: incoming).count
                    } else {
                        try socket.send(payload, to: serverAddress)
                        received = try socket.receive(into: incoming).count
                    }
                    if received != size { break }
                    trips += 1
                    if trips == warmUpDatagrams { window.start(datagrams: trips) }
                    if trips & 63 == 0, now() >= deadline { break }
                }
            } catch {
                // Reported as the trips done so far.
            }
            let elapsed = now() - start
            let allocations = window.perDatagram(datagrams: trips)
            _ = try? socket.send(UnsafeRawBufferPointer(rebasing: out[..<1]), to: serverAddress)
            result.value = Sample(
                seconds: elapsed, datagrams: trips, bytes: trips * UInt64(size), sent: trips,
                allocationsPerDatagram: allocations)
        }
        joinThread(clientThread)
        joinThread(serverThread)
        return result.value
    }

    // MARK: W2 blast

    static func blast(mode: Mode, size: Int, batch: Int, seconds: Double, maxDatagrams: UInt64) throws -> Sample {
        let receiver = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let sender = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let receiverAddress = try receiver.localAddress
        let senderAddress = try sender.localAddress
        receiver.withUnsafeDescriptor { cb_big_receive_buffer($0, 4 << 20) }
        try receiver.setOption(.receiveTimeout, .milliseconds(50))
        if mode == .gso || mode == .gsoBatch {
            try Offload.enableReceiveOffload(on: receiver)
        }
        if mode == .connected {
            try receiver.connect(to: senderAddress)
            try sender.connect(to: receiverAddress)
        }
        let done = Flag()
        let ready = Flag()
        let counts = Slot((received: UInt64(0), bytes: UInt64(0)))
        let receiverFD = receiver.release()
        let deadline = now() + seconds + 5
        let receiverThread = startThread {
            let socket = DatagramSocket(unsafeAdopting: receiverFD)
            var received: UInt64 = 0
            var bytes: UInt64 = 0
            func finished() -> Bool { done.isSet || now() > deadline }
            switch mode {
            case .mmsg:
                var slots: DatagramBatch
                do { slots = try DatagramBatch(capacity: batch, bufferSize: 2048) } catch {
                    fatalError("DatagramBatch: \(error)")
                }
                ready.set()
                while true {
                    do {
                        let n = try socket.receive(into: &slots)
                        for index in 0..<n { bytes += UInt64(slots.length(at: index)) }
                        received += UInt64(n)
                    } catch {
                        if finished() { break }
                    }
                }
            case .gso, .gsoBatch:
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
                defer { buffer.deallocate() }
                ready.set()
                while true {
                    do {
                        let (count, segment) = try Offload.receiveCoalesced(on: socket, into: buffer)
                        received += UInt64((count + segment - 1) / Swift.max(segment, 1))
                        bytes += UInt64(count)
                    } catch {
                        if finished() { break }
                    }
                }
            case .sendTo, .connected:
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
                defer { buffer.deallocate() }
                ready.set()
                while true {
                    do {
                        let count =
                            mode == .connected
                            ? try socket.receiveFromPeer(into: buffer).count
                            : try socket.receive(into: buffer).count
                        received += 1
                        bytes += UInt64(count)
                    } catch {
                        if finished() { break }
                    }
                }
            }
            counts.value = (received, bytes)
        }

        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { payload.deallocate() }
        payload.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "b"))
        let datagram = UnsafeRawBufferPointer(rebasing: payload[..<size])
        let superDatagram = UnsafeRawBufferPointer(rebasing: payload[..<(size * batch)])
        var outgoing = try DatagramBatch(
            capacity: mode == .mmsg ? batch : Int(CB_GSO_PER_CALL),
            bufferSize: mode == .gsoBatch ? size * batch : size)
        if mode == .mmsg {
            for _ in 0..<batch { outgoing.append(datagram, to: receiverAddress) }
        }
        if mode == .gsoBatch {
            for _ in 0..<Int(CB_GSO_PER_CALL) {
                Offload.append(superDatagram, to: &outgoing, address: receiverAddress, segmentSize: size)
            }
        }
        // The receiver's set-up allocations are not steady state: wait (bounded) until it is receiving.
        let readyBy = now() + 5
        while !ready.isSet, now() < readyBy { cb_yield() }
        var sent: UInt64 = 0
        var calls: UInt64 = 0
        var window = AllocationWindow()
        var windowOpen = false
        let start = now()
        let end = start + seconds
        while sent < maxDatagrams {
            switch mode {
            case .sendTo:
                if (try? sender.send(datagram, to: receiverAddress)) != nil { sent += 1 }
            case .connected:
                if (try? sender.send(datagram)) != nil { sent += 1 }
            case .mmsg:
                if let n = try? sender.send(outgoing) { sent += UInt64(n) }
            case .gso:
                if (try? Offload.send(superDatagram, on: sender, to: receiverAddress, segmentSize: size)) != nil {
                    sent += UInt64(batch)
                }
            case .gsoBatch:
                if let n = try? sender.send(outgoing) { sent += UInt64(n * batch) }
            }
            calls += 1
            if !windowOpen, sent >= warmUpDatagrams { window.start(datagrams: sent); windowOpen = true }
            if calls & 15 == 0, now() >= end { break }
        }
        let elapsed = now() - start
        let allocations = window.perDatagram(datagrams: sent)
        done.set()
        joinThread(receiverThread)
        return Sample(
            seconds: elapsed, datagrams: counts.value.received, bytes: counts.value.bytes, sent: sent,
            allocationsPerDatagram: allocations)
    }
}
