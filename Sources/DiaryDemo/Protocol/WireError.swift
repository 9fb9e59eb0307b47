/// Why a datagram is not a valid frame.
enum WireError: Error, Equatable, CustomStringConvertible {
    case notFramed
    case truncated(needed: Int, available: Int)
    case unsupportedVersion(UInt8)
    case unknownType(UInt8)
    case invalidUTF8(field: String)
    case trailingBytes(Int)
    case invalid(String)

    var description: String {
        switch self {
        case .notFramed: "not a diary frame (no FF 44 magic)"
        case .truncated(let needed, let available): "truncated frame (needed \(needed) more bytes, \(available) left)"
        case .unsupportedVersion(let version):
            "unsupported protocol version \(version) (this server speaks \(WireFormat.version))"
        case .unknownType(let type): "unknown frame type 0x\(String(type, radix: 16))"
        case .invalidUTF8(let field): "the \(field) is not valid UTF-8"
        case .trailingBytes(let count): "\(count) unexpected bytes after the frame"
        case .invalid(let reason): reason
        }
    }
}
