#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NetKit

/// The diary file: append-only text, one ``DiaryEntry/fileLine`` per entry.
///
/// Only a small index lives in memory (each entry's sequence number, offset and
/// length, and the request ids of framed appends); entries are read back from
/// the file with `pread` when a sync needs them, so memory does not grow with
/// the diary. Loading streams the file in 1 MiB pieces.
///
/// Appends are staged with ``stage(address:name:text:requestID:time:)`` and made
/// durable together by ``commit()``: one `write` (the file is opened `O_APPEND`)
/// and one `fsync` for every entry staged since the last commit (group commit).
/// Before and after writing, the store checks that the file at its path is still
/// the file it writes, with the size it expects, and reads its own bytes back;
/// otherwise it stops accepting appends and says why. Only committed entries are
/// indexed, so nothing is acknowledged or synced before it is on disk.
///
/// One store per file: an open-file-description write lock (`fcntl(F_OFD_SETLK)`)
/// on the file itself, released by the kernel when the process ends in any way.
final class DiaryStore {
    /// The file's real path (symbolic links resolved).
    let path: String
    /// The largest the file may grow, in bytes; appends beyond it are refused.
    var maximumBytes: UInt64
    /// Problems found when loading (a dropped torn line, skipped lines), one line each.
    private(set) var warnings: [String] = []
    /// How many commits (each one `write` and one `fsync`) have been made.
    private(set) var commitCount = 0
    /// Staged entries not yet written and synced.
    private(set) var staged: [DiaryEntry] = []
    /// The file's size as this store wrote it.
    private(set) var size: UInt64 = 0
    /// Set, for good, when the file at ``path`` is no longer the file this store
    /// wrote (deleted, replaced, truncated or appended to by another program).
    private(set) var fileChanged: String?
    /// The last failed write or `fsync` (`ENOSPC`, `EIO`, ...): appends are
    /// refused until `retryAt`, then tried again.
    private(set) var writeFailure: (error: DiaryError, retryAt: ContinuousClock.Instant)?

    private let descriptor: CInt
    private var sequences: [UInt64] = []
    private var offsets: [UInt64] = []
    private var lengths: [UInt32] = []
    private var requestIndex: [UInt64: Int] = [:]
    private var stagedLines: [UInt8] = []
    private var stagedIDs: [UInt64: Int] = [:]
    /// The highest sequence number seen in the file, readable or not: never handed out again.
    private var sequenceFloor: UInt64 = 0
    private var scratch: [UInt8] = []
    private let clock = ContinuousClock()

    /// The default ``maximumBytes``: 1 GiB.
    static let defaultMaximumBytes: UInt64 = 1 << 30
    /// How long appends are refused after a failed write before the next try.
    static let writeRetryDelay: Duration = .milliseconds(500)

    /// How many entries are committed.
    var count: Int { sequences.count }
    /// The last sequence number handed out, staged or committed.
    var lastSequence: UInt64 { max(staged.last?.sequence ?? 0, sequences.last ?? 0, sequenceFloor) }
    /// The newest committed entry's sequence number, 0 when there is none.
    var lastCommittedSequence: UInt64 { sequences.last ?? 0 }

    /// Opens (or creates) the diary at `path`, takes the lock, indexes the entries
    /// and cuts off a torn last line left by a crash.
    ///
    /// - Throws: ``DiaryError/fileLocked(path:)`` when another server uses the file,
    ///   ``DiaryError/file(_:path:errno:)`` when it cannot be created, read or repaired.
    init(path: String, maximumBytes: UInt64 = DiaryStore.defaultMaximumBytes) throws(DiaryError) {
        self.maximumBytes = maximumBytes
        let existed = try FileCalls.system_stat(path) != nil
        let opened = try FileCalls.system_open(path, flags: O_RDWR | O_APPEND | O_CREAT)
        descriptor = opened
        let realPath = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        self.path = realPath
        // From here on, deinit closes the descriptor (and with it the lock).
        guard try FileCalls.system_lockForWriting(opened, path: realPath) else { throw .fileLocked(path: realPath) }
        if !existed {
            // Make the new directory entry durable too (best effort: fsync on the directory).
            let directory = URL(fileURLWithPath: realPath).deletingLastPathComponent().path
            if let handle = try? FileCalls.system_open(directory, flags: O_RDONLY) {
                try? FileCalls.system_fsync(handle, path: directory)
                FileCalls.system_close(handle)
            }
        }
        let kept = try load()
        let actual = UInt64(try FileCalls.system_fstat(opened, path: realPath).st_size)
        if kept < actual {
            try FileCalls.system_ftruncate(opened, to: kept, path: realPath)
            try FileCalls.system_fsync(opened, path: realPath)
        }
        size = kept
    }

    deinit {
        FileCalls.system_close(descriptor)
    }

    // MARK: - Loading

    /// The longest line the loader looks at; a longer one is skipped, never held in memory.
    static let maximumLineBytes = 1 << 20

    /// Streams the file into the index; returns how many bytes to keep.
    private func load() throws(DiaryError) -> UInt64 {
        let pieceSize = 1 << 20
        var piece = [UInt8](repeating: 0, count: pieceSize)
        var carry: [UInt8] = []
        var carryOffset: UInt64 = 0
        var readOffset: UInt64 = 0
        var lineNumber = 0
        var skippingFrom: UInt64?
        while true {
            let count = try FileCalls.system_pread(
                descriptor, into: &piece, count: pieceSize, at: readOffset, path: path)
            if count == 0 { break }
            readOffset += UInt64(count)
            var start = 0
            let fresh = piece[0..<count]
            var scan = fresh.startIndex
            while let newline = fresh[scan...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                if let from = skippingFrom {
                    warnings.append(
                        "skipped line \(lineNumber) of \(path) (\(readOffset - UInt64(count) + UInt64(newline) - from) bytes, longer than any entry)"
                    )
                    skippingFrom = nil
                } else if carry.isEmpty {
                    index(line: fresh[start..<newline], at: carryOffset, number: lineNumber)
                } else {
                    carry += fresh[start..<newline]
                    index(line: carry[...], at: carryOffset, number: lineNumber)
                    carry.removeAll(keepingCapacity: true)
                }
                start = newline + 1
                scan = start
                carryOffset = readOffset - UInt64(count) + UInt64(start)
            }
            if skippingFrom == nil {
                carry += fresh[start...]
                if carry.count > Self.maximumLineBytes {
                    skippingFrom = carryOffset
                    carry.removeAll()
                }
            }
        }
        if let from = skippingFrom {
            warnings.append("dropped a torn last line (\(readOffset - from) bytes, no newline) from \(path)")
            return from
        }
        if !carry.isEmpty {
            warnings.append("dropped a torn last line (\(carry.count) bytes, no newline) from \(path)")
            return carryOffset
        }
        return readOffset
    }

    private func index(line bytes: ArraySlice<UInt8>, at offset: UInt64, number: Int) {
        // The sequence number in front, even of a line that does not parse: it is never handed out again.
        var leading: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"),
                leading < DiaryLimits.maximumSequence / 10
            else { break }
            leading = leading * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        sequenceFloor = max(sequenceFloor, leading)
        guard !bytes.isEmpty else { return }
        guard let text = String(validating: bytes, as: UTF8.self),
            let entry = DiaryEntry(line: Substring(text)), entry.sequence > (sequences.last ?? 0)
        else {
            warnings.append("skipped unreadable line \(number) of \(path) (kept in the file)")
            return
        }
        sequences.append(entry.sequence)
        offsets.append(offset)
        lengths.append(UInt32(bytes.count))
        if let id = entry.requestID { requestIndex[id] = sequences.count - 1 }
    }

    // MARK: - Reading

    /// The committed entry at `index` (0-based), read from the file.
    ///
    /// - Throws: ``DiaryError`` when the file no longer holds it.
    func entry(at index: Int) throws(DiaryError) -> DiaryEntry {
        let length = Int(lengths[index])
        if scratch.count < length { scratch = [UInt8](repeating: 0, count: max(length, 65536)) }
        let offset = offsets[index]
        let count = try FileCalls.system_pread(descriptor, into: &scratch, count: length, at: offset, path: path)
        guard count == length, let text = String(validating: scratch[0..<length], as: UTF8.self),
            let entry = DiaryEntry(line: Substring(text)), entry.sequence == sequences[index]
        else {
            throw .storage(
                "entry \(sequences[index]) is no longer readable in \(path) (the file changed under the server)")
        }
        return entry
    }

    /// The committed entries from `index` on, read with one `pread` of about
    /// `limit` bytes of lines (at least one entry, at most `maximumCount`).
    func entries(from index: Int, limit: Int, maximumCount: Int = .max) throws(DiaryError) -> [DiaryEntry] {
        guard index < count else { return [] }
        let start = offsets[index]
        let budget = max(limit, Int(lengths[index]) + 1)
        var end = index
        while end < count, end - index < maximumCount, Int(offsets[end] - start) + Int(lengths[end]) + 1 <= budget {
            end += 1
        }
        end = max(end, index + 1)
        let span = Int(offsets[end - 1] - start) + Int(lengths[end - 1])
        if scratch.count < span { scratch = [UInt8](repeating: 0, count: max(span, 65536)) }
        let read = try FileCalls.system_pread(descriptor, into: &scratch, count: span, at: start, path: path)
        var result: [DiaryEntry] = []
        result.reserveCapacity(end - index)
        for position in index..<end {
            let lineStart = Int(offsets[position] - start)
            let lineEnd = lineStart + Int(lengths[position])
            guard lineEnd <= read, let text = String(validating: scratch[lineStart..<lineEnd], as: UTF8.self),
                let entry = DiaryEntry(line: Substring(text)), entry.sequence == sequences[position]
            else {
                throw .storage(
                    "entry \(sequences[position]) is no longer readable in \(path) (the file changed under the server)")
            }
            result.append(entry)
        }
        return result
    }

    /// Every committed entry, read from the file: for tests and small diaries.
    var entries: [DiaryEntry] {
        (0..<count).compactMap { try? entry(at: $0) }
    }

    /// Appends the sync lines (``DiaryEntry/line`` and a newline each) of the entries
    /// in `range`, reading the file in one `pread` of about `limit` bytes (at least one entry).
    ///
    /// - Returns: the index after the last entry appended.
    func appendLines(of range: Range<Int>, to output: inout [UInt8], limit: Int) throws(DiaryError) -> Int {
        guard let first = range.first else { return range.lowerBound }
        let start = offsets[first]
        let budget = max(limit, Int(lengths[first]) + 1)
        var end = first
        while end < range.upperBound, Int(offsets[end] - start) + Int(lengths[end]) + 1 <= budget { end += 1 }
        end = max(end, first + 1)
        let span = Int(offsets[end - 1] - start) + Int(lengths[end - 1])
        if scratch.count < span { scratch = [UInt8](repeating: 0, count: max(span, 65536)) }
        let count = try FileCalls.system_pread(descriptor, into: &scratch, count: span, at: start, path: path)
        guard count == span else {
            throw .storage(
                "entries \(sequences[first])...\(sequences[end - 1]) are no longer in \(path) (the file changed under the server)"
            )
        }
        for index in first..<end {
            let lineStart = Int(offsets[index] - start)
            var lineEnd = lineStart + Int(lengths[index])
            // A framed append's id suffix: a tab, '#' and 16 hex digits (escaped text has no raw tab).
            if lineEnd - lineStart > 18, scratch[lineEnd - 18] == UInt8(ascii: "\t") { lineEnd -= 18 }
            output.append(contentsOf: scratch[lineStart..<lineEnd])
            output.append(UInt8(ascii: "\n"))
        }
        return end
    }

    /// The index of the first committed entry with a sequence number of at least `sequence`.
    func index(ofFirstFrom sequence: UInt64) -> Int {
        // Sequence numbers are increasing; usually dense from 1, so try the direct index first.
        if sequence <= 1 { return 0 }
        let guess = Int(clamping: sequence - 1)
        if guess < sequences.count, sequences[guess] == sequence { return guess }
        var low = 0, high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// What an earlier append with request id `id` from `address` was given (staged
    /// or committed), or `nil`: how a retried request is recognised, by the ids
    /// in the file, however many other clients wrote in between.
    func answer(forRequestID id: UInt64, from address: String) -> (sequence: UInt64, time: Int64)? {
        if let index = stagedIDs[id], staged[index].address == address {
            return (staged[index].sequence, staged[index].time)
        }
        guard let index = requestIndex[id], let entry = try? entry(at: index),
            entry.requestID == id, entry.address == address
        else { return nil }
        return (entry.sequence, entry.time)
    }

    // MARK: - Appending

    /// Why an append of a line of `lineBytes` bytes is refused now, or `nil` when it is not.
    func refusal(forLineOf lineBytes: Int) -> String? {
        if let fileChanged { return fileChanged }
        if let failure = writeFailure {
            if clock.now < failure.retryAt { return "\(failure.error); appends are refused for now, syncs still work" }
        }
        if size + UInt64(stagedLines.count) + UInt64(lineBytes) > maximumBytes {
            return "the diary is full (at most \(maximumBytes) bytes); appends are refused, syncs still work"
        }
        return nil
    }

    /// Stages a new entry with the next sequence number; ``commit()`` makes it durable.
    @discardableResult
    func stage(
        address: String, name: String, text: String, requestID: UInt64? = nil,
        time: Int64 = Timestamp.now()
    ) -> DiaryEntry {
        let entry = DiaryEntry(
            sequence: lastSequence + 1, time: time, address: address, name: name, text: text,
            requestID: requestID)
        staged.append(entry)
        entry.appendLine(to: &stagedLines, withRequestID: true)
        if let requestID { stagedIDs[requestID] = staged.count - 1 }
        return entry
    }

    /// Writes all staged entries with one `write`, `fsync`s, checks, then indexes them.
    ///
    /// - Returns: the entries just committed.
    /// - Throws: ``DiaryError``; the staged entries are then dropped and must not
    ///   be acknowledged. A failed write is cut back off the file; appends are
    ///   refused for ``writeRetryDelay`` (then tried again), or for good when the
    ///   file at the path is not this store's file any more.
    @discardableResult
    func commit() throws(DiaryError) -> [DiaryEntry] {
        guard !staged.isEmpty else { return [] }
        let batch = staged
        let bytes = stagedLines
        staged.removeAll(keepingCapacity: true)
        stagedLines.removeAll(keepingCapacity: true)
        stagedIDs.removeAll(keepingCapacity: true)
        if let fileChanged { throw .storage(fileChanged) }
        do {
            try checkFile(expectedSize: size)
        } catch {
            throw error
        }
        do {
            try FileCalls.system_writeAll(descriptor, bytes, path: path)
            try FileCalls.system_fsync(descriptor, path: path)
        } catch {
            // Cut off whatever part landed, so the file holds only acknowledged entries.
            try? FileCalls.system_ftruncate(descriptor, to: size, path: path)
            writeFailure = (error, clock.now + Self.writeRetryDelay)
            throw error
        }
        try checkFile(expectedSize: size + UInt64(bytes.count))
        try checkWritten(bytes, at: size)
        writeFailure = nil
        var offset = size
        var lineStart = 0
        for entry in batch {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n"))!
            sequences.append(entry.sequence)
            offsets.append(offset)
            lengths.append(UInt32(lineEnd - lineStart))
            if let id = entry.requestID { requestIndex[id] = sequences.count - 1 }
            offset += UInt64(lineEnd - lineStart + 1)
            lineStart = lineEnd + 1
        }
        size += UInt64(bytes.count)
        commitCount += 1
        return batch
    }

    /// Throws (and refuses appends for good) unless the file at ``path`` is this
    /// store's file (same device and inode) and has `expectedSize` bytes.
    private func checkFile(expectedSize: UInt64) throws(DiaryError) {
        let own = try FileCalls.system_fstat(descriptor, path: path)
        var problem: String?
        if let named = try FileCalls.system_stat(path) {
            if named.st_dev != own.st_dev || named.st_ino != own.st_ino {
                problem = "file replaced: \(path) is another file now"
            } else if UInt64(own.st_size) < expectedSize {
                problem = "file truncated by another program: \(path) (\(own.st_size) bytes, expected \(expectedSize))"
            } else if UInt64(own.st_size) > expectedSize {
                problem =
                    "file appended to by another program: \(path) (\(own.st_size) bytes, expected \(expectedSize))"
            }
        } else {
            problem = "file deleted: \(path)"
        }
        guard let problem else { return }
        let message = problem + "; this server no longer acknowledges appends (restart it)"
        fileChanged = message
        Console.error(message)
        throw .storage(message)
    }

    /// Reads the bytes just written back and compares them.
    private func checkWritten(_ bytes: [UInt8], at offset: UInt64) throws(DiaryError) {
        var back = [UInt8](repeating: 0, count: bytes.count)
        let count = try FileCalls.system_pread(descriptor, into: &back, count: back.count, at: offset, path: path)
        guard count == bytes.count, back == bytes else {
            let message =
                "file overwritten by another program: \(path); this server no longer acknowledges appends (restart it)"
            fileChanged = message
            Console.error(message)
            throw .storage(message)
        }
    }
}
