import Foundation

/// Unbuffered line output, so a test or a pipe sees each line as soon as it is printed.
enum Console {
    /// Writes `line` and a newline to standard output.
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes `diary: <line>` to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("diary: " + line + "\n").utf8))
    }
}
