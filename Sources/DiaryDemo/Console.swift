import Foundation

/// Unbuffered line output, so a test or a pipe sees each line as soon as it is printed.
enum Console {
    /// Writes `line` and a newline to standard output.
    static func print(_ line: String) {
        // The throwing write: a closed pipe is an error to ignore, not a crash.
        try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Writes `diary: <line>` to standard error.
    static func error(_ line: String) {
        try? FileHandle.standardError.write(contentsOf: Data(("diary: " + line + "\n").utf8))
    }
}
