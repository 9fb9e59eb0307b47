import CNetKitShims

// The CMSG arithmetic, in one place: every length, alignment and offset below
// comes from the C macros (CMSG_SPACE, CMSG_LEN) through the shim, and the
// reader and writer use nothing else.

enum ControlMessageLayout {
    /// `CMSG_SPACE(length)`: the room a message with `length` data bytes takes, padding included.
    @inline(__always)
    static func space(_ length: Int) -> Int { Int(cnk_cmsg_space(length)) }
    /// `CMSG_LEN(length)`: the value of `cmsg_len` for `length` data bytes.
    @inline(__always)
    static func length(_ length: Int) -> Int { Int(cnk_cmsg_len(length)) }
    /// The offset of the data from the header: `CMSG_LEN(0)`.
    @inline(__always)
    static var dataOffset: Int { length(0) }
    /// `CMSG_ALIGN(length)`, derived: `CMSG_SPACE(length) - CMSG_SPACE(0)`.
    @inline(__always)
    static func align(_ length: Int) -> Int { space(length) - space(0) }
}

/// Appends control messages to a caller-provided, suitably aligned buffer.
struct ControlMessageWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var used = 0

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    /// Appends one message; `false` when it doesn't fit.
    @discardableResult
    mutating func append<T>(level: CInt, type: CInt, value: T) -> Bool {
        let size = MemoryLayout<T>.size
        let space = ControlMessageLayout.space(size)
        guard used + space <= capacity else { return false }
        let header = base + used
        header.initializeMemory(as: UInt8.self, repeating: 0, count: space)
        var cmsg = cmsghdr()
        cmsg.cmsg_len = .init(ControlMessageLayout.length(size))
        cmsg.cmsg_level = level
        cmsg.cmsg_type = type
        header.storeBytes(of: cmsg, as: cmsghdr.self)
        withUnsafeBytes(of: value) { bytes in
            (header + ControlMessageLayout.dataOffset).copyMemory(from: bytes.baseAddress!, byteCount: size)
        }
        used += space
        return true
    }
}

/// Walks the control messages in a received buffer of `length` bytes.
struct ControlMessageReader: Sequence, IteratorProtocol {
    /// One message: its level, type and data bytes.
    struct Message {
        var level: CInt
        var type: CInt
        var data: UnsafeRawBufferPointer

        /// Reads a value from the start of the data, or `nil` when the data is shorter.
        func load<T>(_: T.Type) -> T? {
            guard data.count >= MemoryLayout<T>.size else { return nil }
            return data.loadUnaligned(as: T.self)
        }
    }

    let base: UnsafeRawPointer?
    let length: Int
    var offset = 0

    init(_ base: UnsafeRawPointer?, length: Int) {
        self.base = base
        self.length = base == nil ? 0 : length
    }

    mutating func next() -> Message? {
        let headerSize = MemoryLayout<cmsghdr>.size
        guard let base, offset + headerSize <= length else { return nil }
        let header = (base + offset).loadUnaligned(as: cmsghdr.self)
        let messageLength = Int(header.cmsg_len)
        let dataOffset = ControlMessageLayout.dataOffset
        // A malformed length ends the walk rather than reading past the buffer.
        guard messageLength >= dataOffset, offset + messageLength <= length else { return nil }
        let data = UnsafeRawBufferPointer(start: base + offset + dataOffset, count: messageLength - dataOffset)
        offset += ControlMessageLayout.align(messageLength)
        return Message(level: header.cmsg_level, type: header.cmsg_type, data: data)
    }
}

// MARK: - Decoding into Swift types

extension ControlMessages {
    /// Decodes the messages NetKit models; others are skipped. An error-queue
    /// entry found among them is handed back through `error`.
    init(decoding reader: ControlMessageReader, error: inout ErrorQueueEntry?) {
        self.init()
        for message in reader {
            switch (message.level, message.type) {
            case (CNK_IPPROTO_IP, IP_PKTINFO):
                // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
                guard message.data.count >= 12 else { continue }
                let index = message.data.loadUnaligned(fromByteOffset: 0, as: Int32.self)
                let address = message.data.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
                packetInfo = PacketInfo(
                    interfaceIndex: UInt32(bitPattern: index), address: .v4(IPv4Address(UInt32(bigEndian: address))))
            case (CNK_IPPROTO_IPV6, IPV6_PKTINFO):
                // struct in6_pktinfo { in6_addr ipi6_addr; unsigned int ipi6_ifindex; }
                guard message.data.count >= 20 else { continue }
                let high = message.data.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
                let low = message.data.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let index = message.data.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
                packetInfo = PacketInfo(
                    interfaceIndex: index,
                    address: .v6(IPv6Address(high: UInt64(bigEndian: high), low: UInt64(bigEndian: low))))
            case (CNK_IPPROTO_IP, IP_TOS):
                // One byte on receive.
                if let value = message.load(UInt8.self) { trafficClass = value }
            case (CNK_IPPROTO_IPV6, IPV6_TCLASS):
                if let value = message.load(CInt.self) { trafficClass = UInt8(truncatingIfNeeded: value) }
            #if os(Linux)
            case (CNK_IPPROTO_UDP, CNK_UDP_GRO):
                if let value = message.load(CInt.self) { segmentSize = Int(value) }
            case (SOL_SOCKET, CNK_SCM_TIMESTAMPNS):
                if let value = message.load(timespec.self) {
                    timestamp = .seconds(Int64(value.tv_sec)) + .nanoseconds(Int64(value.tv_nsec))
                }
            case (SOL_SOCKET, CNK_SO_RXQ_OVFL):
                if let value = message.load(UInt32.self) { dropCount = value }
            case (CNK_IPPROTO_IP, IP_RECVERR), (CNK_IPPROTO_IPV6, IPV6_RECVERR):
                error = ErrorQueueEntry(decoding: message.data)
            #endif
            default:
                continue
            }
        }
    }

    /// Writes the messages a send uses into `writer`. `family` picks IPv4 or IPv6 forms.
    func encode(into writer: inout ControlMessageWriter, family: AddressFamily) -> Bool {
        var fits = true
        if let packetInfo {
            switch packetInfo.address {
            case .v4(let address):
                // in_pktinfo: ifindex, spec_dst (the source to use), addr (ignored on send); 12 bytes.
                let value: (Int32, UInt32, UInt32) = (
                    Int32(bitPattern: packetInfo.interfaceIndex), address.value.bigEndian, 0
                )
                fits = fits && writer.append(level: CNK_IPPROTO_IP, type: IP_PKTINFO, value: value)
            case .v6(let address):
                // in6_pktinfo: addr (the source to use), ifindex; 20 bytes, as the tuple's size.
                let value: (UInt64, UInt64, UInt32) = (
                    address.high.bigEndian, address.low.bigEndian, packetInfo.interfaceIndex
                )
                fits = fits && writer.append(level: CNK_IPPROTO_IPV6, type: IPV6_PKTINFO, value: value)
            }
        }
        if let trafficClass {
            if family == .ipv6 {
                fits = fits && writer.append(level: CNK_IPPROTO_IPV6, type: IPV6_TCLASS, value: CInt(trafficClass))
            } else {
                fits = fits && writer.append(level: CNK_IPPROTO_IP, type: IP_TOS, value: CInt(trafficClass))
            }
        }
        #if os(Linux)
        if let segmentSize {
            fits =
                fits
                && writer.append(level: CNK_IPPROTO_UDP, type: CNK_UDP_SEGMENT, value: UInt16(clamping: segmentSize))
        }
        #endif
        return fits
    }
}

#if os(Linux)
extension ErrorQueueEntry {
    /// Decodes `struct sock_extended_err` followed by the offender's `sockaddr`.
    init?(decoding data: UnsafeRawBufferPointer) {
        let size = MemoryLayout<sock_extended_err>.size
        guard data.count >= size else { return nil }
        let raw = data.loadUnaligned(as: sock_extended_err.self)
        var offender: SocketAddress?
        if data.count > size {
            // Copy into aligned storage before reading it as a sockaddr.
            var storage = sockaddr_storage()
            let count = Swift.min(data.count - size, MemoryLayout<sockaddr_storage>.size)
            withUnsafeMutableBytes(of: &storage) { out in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: data[size..<(size + count)]))
            }
            if storage.ss_family != sa_family_t(AF_UNSPEC) {
                offender = SocketAddress(storage: storage, length: socklen_t(count))
            }
        }
        self.init(
            errno: Errno(rawValue: CInt(bitPattern: raw.ee_errno)), origin: Origin(rawValue: raw.ee_origin),
            type: raw.ee_type, code: raw.ee_code, info: raw.ee_info, offender: offender)
    }
}
#endif
