import CNetKitShims
import Synchronization

// The resolver's C calls: getaddrinfo/freeaddrinfo, getnameinfo, the services
// and protocols databases, and interface names. The only code that calls them or
// builds their C structs; Resolution/ holds the typed API over these.

enum ResolverCalls {
    /// `getaddrinfo(3)` and `freeaddrinfo(3)`: the decoded results, or the resolver failure.
    static func addressInfo(
        host: UnsafePointer<CChar>?, service: UnsafePointer<CChar>?, hints: AddressInfoHints
    ) -> Result<[AddressInfo], ResolverError> {
        var cHints = hints.cValue
        var list: UnsafeMutablePointer<addrinfo>? = nil
        if let failure = retryingResolverCall({ system_getaddrinfo(host, service, &cHints, &list) }) {
            return .failure(failure)
        }
        guard let list else { return .success([]) }
        defer { system_freeaddrinfo(list) }
        return .success(addressInfos(from: list))
    }

    /// Decodes a `getaddrinfo` list, skipping entries of families NetKit does not model.
    static func addressInfos(from list: UnsafeMutablePointer<addrinfo>) -> [AddressInfo] {
        var results: [AddressInfo] = []
        var node: UnsafeMutablePointer<addrinfo>? = list
        while let entry = node?.pointee {
            node = entry.ai_next
            guard let cAddress = entry.ai_addr,
                let address = SocketAddress(unsafeSockaddr: cAddress, length: entry.ai_addrlen)
            else { continue }
            results.append(
                AddressInfo(
                    address: address,
                    socketType: SocketType(rawValue: entry.ai_socktype),
                    protocol: IPProtocol(rawValue: entry.ai_protocol),
                    canonicalName: entry.ai_canonname.map { String(cString: $0) }))
        }
        return results
    }

    /// Room for a host name from `getnameinfo`: the C constant `NI_MAXHOST`.
    static let maximumHostLength = 1025
    /// Room for a service name from `getnameinfo`: the C constant `NI_MAXSERV`.
    static let maximumServiceLength = 32

    /// `getnameinfo(3)`: the failure, or the host and service.
    static func nameInfo(of address: SocketAddress, flags: CInt) -> (ResolverError?, String, String) {
        var host = [CChar](repeating: 0, count: maximumHostLength)
        var service = [CChar](repeating: 0, count: maximumServiceLength)
        let failure = address.withUnsafeSockaddr { (cAddress, length) in
            host.withUnsafeMutableBufferPointer { hostBuffer in
                service.withUnsafeMutableBufferPointer { serviceBuffer in
                    retryingResolverCall {
                        system_getnameinfo(
                            cAddress, length,
                            hostBuffer.baseAddress, socklen_t(hostBuffer.count),
                            serviceBuffer.baseAddress, socklen_t(serviceBuffer.count),
                            flags)
                    }
                }
            }
        }
        return (failure, string(fromNulTerminated: host), string(fromNulTerminated: service))
    }

    /// The text before the first NUL.
    static func string(fromNulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Services and protocols

    static func service(named name: UnsafePointer<CChar>, protocol proto: UnsafePointer<CChar>?) throws(SocketError)
        -> ServiceEntry?
    {
        try growingLookup(.getServiceEntry, entry: servent()) { entry, buffer, length, result in
            system_getservbyname_r(name, proto, entry, buffer, length, result)
        } convert: {
            ServiceEntry($0)
        }
    }

    static func service(port networkPort: CInt, protocol proto: UnsafePointer<CChar>?) throws(SocketError)
        -> ServiceEntry?
    {
        try growingLookup(.getServiceEntry, entry: servent()) { entry, buffer, length, result in
            system_getservbyport_r(networkPort, proto, entry, buffer, length, result)
        } convert: {
            ServiceEntry($0)
        }
    }

    static func protocolEntry(named name: UnsafePointer<CChar>) throws(SocketError) -> ProtocolEntry? {
        try growingLookup(.getProtocolEntry, entry: protoent()) { entry, buffer, length, result in
            system_getprotobyname_r(name, entry, buffer, length, result)
        } convert: {
            ProtocolEntry($0)
        }
    }

    static func protocolEntry(number: CInt) throws(SocketError) -> ProtocolEntry? {
        try growingLookup(.getProtocolEntry, entry: protoent()) { entry, buffer, length, result in
            system_getprotobynumber_r(number, entry, buffer, length, result)
        } convert: {
            ProtocolEntry($0)
        }
    }
    /// The first buffer size tried for the strings of an entry.
    static let initialLookupBufferSize = 1024
    /// The largest buffer tried before giving up with `ERANGE`.
    static let maximumLookupBufferSize = 1 << 20

    /// Runs a glibc `get*_r` lookup, doubling the string buffer on `ERANGE` and
    /// retrying `EINTR`. Returns the entry converted by `convert`, or `nil` when there is none.
    ///
    /// The C entry's strings point into a temporary buffer, so `convert` runs while
    /// the buffer lives and must copy everything it keeps. `ENOENT` means "no entry"
    /// too: glibc returns it when the database file is missing.
    static func growingLookup<Entry, Value>(
        _ operation: SocketError.Operation, entry: Entry, initialSize: Int = initialLookupBufferSize,
        _ call: (
            UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int,
            UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
        ) -> CInt,
        convert: (Entry) -> Value
    ) throws(SocketError) -> Value? {
        var size = max(initialSize, 1)
        var entry = entry
        while true {
            let outcome: LookupOutcome<Value> = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) {
                buffer in
                // Never nil: the capacity is at least 1.
                guard let base = buffer.baseAddress else { return .failed(.noMemory) }
                var result: UnsafeMutablePointer<Entry>? = nil
                let code = call(&entry, base, buffer.count, &result)
                switch code {
                case 0: return result.map { .found(convert($0.pointee)) } ?? .notFound
                case ENOENT: return .notFound
                case ERANGE: return .tooSmall
                case EINTR: return .interrupted
                default: return .failed(Errno(rawValue: code))
                }
            }
            switch outcome {
            case .found(let value): return value
            case .notFound: return nil
            case .interrupted: continue
            case .tooSmall:
                guard size < maximumLookupBufferSize else {
                    throw SocketError(operation, errno: Errno(rawValue: ERANGE))
                }
                size *= 2
            case .failed(let error): throw SocketError(operation, errno: error)
            }
        }
    }
}

/// What one call of a `get*_r` lookup gave.
private enum LookupOutcome<Value> {
    case found(Value), notFound, tooSmall, interrupted, failed(Errno)
}

// MARK: - Interface names

extension ResolverCalls {
    /// Room for an interface name and its NUL: the C constant `IF_NAMESIZE`.
    static let interfaceNameSize = 16

    /// Names already looked up, so a zone name still resolves when glibc's
    /// `if_nametoindex` cannot open its helper socket (no descriptor free).
    private static let knownInterfaces = Mutex<[String: UInt32]>([:])
    /// The most names kept; an interface set larger than this just looks up again.
    private static let knownInterfaceLimit = 64

    /// `if_nametoindex(3)`. glibc opens a socket for the `SIOCGIFINDEX` ioctl, so
    /// with no descriptor free (`EMFILE`, `ENFILE`) the call fails even for a real
    /// interface: then a name seen before is answered from memory, and anything
    /// else is that typed error.
    static func interfaceIndex(named cName: UnsafePointer<CChar>) throws(SocketError) -> UInt32 {
        let name = String(cString: cName)
        do throws(Errno) {
            let index = UInt32(try nonZeroOrErrno { system_if_nametoindex(cName) })
            knownInterfaces.withLock { known in
                if known.count < knownInterfaceLimit || known[name] != nil { known[name] = index }
            }
            return index
        } catch {
            if error == .tooManyOpenFiles || error == Errno(rawValue: ENFILE),
                let index = knownInterfaces.withLock({ $0[name] })
            {
                return index
            }
            throw SocketError(.interfaceIndex, errno: error)
        }
    }

    /// `if_indextoname(3)`: the name, or the error.
    static func interfaceName(index: UInt32) -> Result<String, Errno> {
        var buffer = [CChar](repeating: 0, count: interfaceNameSize)
        let failure = buffer.withUnsafeMutableBufferPointer { name -> Errno? in
            guard let base = name.baseAddress else { return .noMemory }  // never: 16 elements
            do throws(Errno) {
                _ = try nonNilOrErrno { system_if_indextoname(CUnsignedInt(index), base) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { return .failure(failure) }
        return .success(string(fromNulTerminated: buffer))
    }

    /// `if_indextoname(3)` into `name` (room for ``interfaceNameSize`` bytes): the
    /// length written, 0 when there is no such interface.
    static func interfaceName(index: UInt32, into name: UnsafeMutablePointer<CChar>) -> Int {
        do throws(Errno) {
            _ = try nonNilOrErrno { system_if_indextoname(CUnsignedInt(index), name) }
        } catch {
            return 0
        }
        var length = 0
        while length < interfaceNameSize && name[length] != 0 { length &+= 1 }
        return length
    }
}
