/// Two connected sockets, as `socketpair(2)` makes them.
///
/// Take the sockets out with `let a = pair.first` and `let b = pair.second`.
@frozen
public struct SocketPair<Element: Socket & ~Copyable>: ~Copyable {
    /// One end.
    public var first: Element
    /// The other end.
    public var second: Element

    /// Creates a pair from its two ends.
    public init(first: consuming Element, second: consuming Element) {
        self.first = first
        self.second = second
    }
}
