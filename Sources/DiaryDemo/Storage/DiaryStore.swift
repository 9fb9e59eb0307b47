import Foundation

/// The diary file: append-only text, one ``DiaryEntry/fileLine`` per entry, and the entries in memory.
///
/// Appends are staged with ``stage(address:name:text:time:)`` and made durable
/// together by ``commit()``: one `write` and one `fsync` for every entry staged
/// since the last commit (group commit). Only committed entries are in
/// ``entries``, so nothing is acknowledged or synced before it is on disk.
final class DiaryStore {
    /// The committed entries, in sequence order.
    private(set) var entries: [DiaryEntry] = []
    /// Staged entries not yet written and synced.
    private(set) var staged: [DiaryEntry] = []
    /// Problems found when loading (a dropped torn line, skipped lines), one line each.
    private(set) var warnings: [String] = []
    /// How many commits (each one `write` and one `fsync`) have been made.
    private(set) var commitCount = 0
    /// The file's real path (symbolic links resolved).
    let path: String

    private let handle: FileHandle
    private let lock: DiaryFileLock

    /// The last sequence number handed out, staged or committed.
    var lastSequence: UInt64 { staged.last?.sequence ?? entries.last?.sequence ?? 0 }

    /// Opens (or creates) the diary at `path`, takes the lock, loads the entries
    /// and cuts off a torn last line left by a crash.
    ///
    /// - Throws: ``DiaryError/fileLocked(path:)`` when another server uses the file,
    ///   ``DiaryError/storage(_:)`` when it cannot be created, read or repaired.
    init(path: String) throws(DiaryError) {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw .storage("cannot create the diary file \(path)")
            }
            // Make the new directory entry durable too (best effort: fsync on the directory).
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if let handle = FileHandle(forReadingAtPath: directory) {
                try? handle.synchronize()
                try? handle.close()
            }
        }
        let realPath = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        self.path = realPath
        lock = try DiaryFileLock(realPath: realPath)
        do {
            handle = try FileHandle(forUpdating: URL(fileURLWithPath: realPath))
            let contents = try handle.readToEnd() ?? Data()
            let kept = load(contents)
            if kept < contents.count {
                try handle.truncate(atOffset: UInt64(kept))
                try handle.synchronize()
            }
            try handle.seekToEnd()
        } catch {
            throw .storage("cannot use the diary file \(realPath): \(error.localizedDescription)")
        }
    }

    deinit {
        try? handle.close()
    }

    /// Parses the file's bytes into ``entries``; returns how many bytes to keep.
    private func load(_ contents: Data) -> Int {
        let bytes = [UInt8](contents)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                warnings.append("dropped a torn last line (\(bytes.count - start) bytes, no newline) from \(path)")
                return start
            }
            lineNumber += 1
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            if let entry = DiaryEntry(line: Substring(text)), entry.sequence > (entries.last?.sequence ?? 0) {
                entries.append(entry)
            } else if !text.isEmpty {
                warnings.append("skipped unreadable line \(lineNumber) of \(path)")
            }
            start = end + 1
        }
        return bytes.count
    }

    /// Stages a new entry with the next sequence number; ``commit()`` makes it durable.
    func stage(address: String, name: String, text: String, requestID: UInt64? = nil,
               time: Int64 = Timestamp.now()) -> DiaryEntry {
        let entry = DiaryEntry(sequence: lastSequence + 1, time: time, address: address, name: name, text: text,
                               requestID: requestID)
        staged.append(entry)
        return entry
    }

    /// Writes all staged entries with one `write`, then `fsync`s, then publishes them.
    ///
    /// - Returns: the entries just committed.
    /// - Throws: ``DiaryError/storage(_:)``; the staged entries are then dropped and
    ///   must not be acknowledged.
    @discardableResult
    func commit() throws(DiaryError) -> [DiaryEntry] {
        guard !staged.isEmpty else { return [] }
        let batch = staged
        staged.removeAll(keepingCapacity: true)
        var bytes: [UInt8] = []
        for entry in batch { entry.appendLine(to: &bytes, withRequestID: true) }
        do {
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
        } catch {
            throw .storage("cannot write the diary file \(path): \(error.localizedDescription)")
        }
        commitCount += 1
        entries.append(contentsOf: batch)
        return batch
    }

    /// The index in ``entries`` of the first entry with a sequence number of at least `sequence`.
    func index(ofFirstFrom sequence: UInt64) -> Int {
        // Sequence numbers are increasing; usually dense from 1, so try the direct index first.
        if sequence <= 1 { return 0 }
        let guess = Int(clamping: sequence - 1)
        if guess < entries.count, entries[guess].sequence == sequence { return guess }
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
