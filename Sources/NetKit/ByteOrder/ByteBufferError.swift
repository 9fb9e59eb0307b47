/// The error a ``NetworkByteReader`` throws when the bytes run out.
public enum ByteBufferError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A read needed `needed` bytes but only `available` were left.
    case endOfBuffer(needed: Int, available: Int)
    /// A read asked for a negative number of bytes.
    case negativeCount(Int)

    /// A one-line explanation, e.g. `needed 4 bytes, only 2 left`.
    public var description: String {
        switch self {
        case .endOfBuffer(let needed, let available):
            "needed \(needed) bytes, only \(available) left"
        case .negativeCount(let count):
            "cannot read \(count) bytes"
        }
    }
}
