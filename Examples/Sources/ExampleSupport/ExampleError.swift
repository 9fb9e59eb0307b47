/// An example program's own error: a sentence to print.
public struct ExampleError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// An error that prints as `description`.
    public init(_ description: String) { self.description = description }
}
