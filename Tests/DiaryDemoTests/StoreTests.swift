import Foundation
import Testing
import NetKitTestSupport
@testable import DiaryDemo

@Suite("Store")
struct StoreTests {
    @Test func appendCommitReload() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        do {
            let store = try DiaryStore(path: path)
            #expect(store.entries.isEmpty && store.warnings.isEmpty)
            let first = store.stage(address: "127.0.0.1:1", name: "amy", text: "one", time: 1000)
            let second = store.stage(address: "127.0.0.1:2", name: "", text: "two\nlines", time: 2000)
            #expect(first.sequence == 1 && second.sequence == 2)
            #expect(store.entries.isEmpty, "staged entries are not visible before commit")
            #expect(try readFile(path).isEmpty, "nothing written before commit")
            #expect(try store.commit().count == 2)
            #expect(store.entries == [first, second])
            #expect(try readFile(path) == first.line + "\n" + second.line + "\n")
            _ = store.stage(address: "127.0.0.1:3", name: "", text: "three")
            try store.commit()
            #expect(try store.commit().isEmpty)
        }
        let reopened = try DiaryStore(path: path)
        #expect(reopened.entries.map(\.text) == ["one", "two\nlines", "three"])
        #expect(reopened.stage(address: "a", name: "", text: "four").sequence == 4)
        #expect(reopened.warnings.isEmpty)
    }

    @Test func manyStagedEntriesShareOneCommit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try DiaryStore(path: directory.file())
        for number in 1...100 { _ = store.stage(address: "a", name: "", text: "entry \(number)") }
        #expect(try store.commit().count == 100)
        #expect(store.commitCount == 1)
        #expect(try store.commit().isEmpty)
        #expect(store.commitCount == 1, "nothing staged, no fsync")
    }

    @Test func tornLastLineIsDroppedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        let good = DiaryEntry(sequence: 1, time: 5, address: "127.0.0.1:9", name: "", text: "kept")
        let torn = DiaryEntry(sequence: 2, time: 6, address: "127.0.0.1:9", name: "", text: "torn entry")
        try Data((good.line + "\n" + torn.line.prefix(20)).utf8).write(to: URL(fileURLWithPath: path))
        do {
            let store = try DiaryStore(path: path)
            #expect(store.entries == [good])
            #expect(store.warnings.count == 1)
            #expect(store.warnings.first?.contains("torn") == true)
            #expect(try readFile(path) == good.line + "\n", "cut back to the last full line")
            _ = store.stage(address: "x", name: "", text: "after repair")
            try store.commit()
        }
        let again = try DiaryStore(path: path)
        #expect(again.entries.map(\.text) == ["kept", "after repair"])
        #expect(again.warnings.isEmpty)
    }

    @Test func unreadableLinesAreSkippedNotFatal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        let one = DiaryEntry(sequence: 1, time: 5, address: "a", name: "", text: "one")
        let three = DiaryEntry(sequence: 3, time: 5, address: "a", name: "", text: "three")
        var bytes = Array((one.line + "\n").utf8) + [0xFF, 0xFE, 0x0A] + Array("garbage line\n".utf8)
        bytes += Array((three.line + "\n" + one.line + "\n").utf8)  // a repeated sequence number is skipped too
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let store = try DiaryStore(path: path)
        #expect(store.entries == [one, three])
        #expect(store.warnings.count == 3)
        #expect(store.stage(address: "a", name: "", text: "next").sequence == 4)
    }

    @Test func secondStoreOnTheSameFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file()
        let first = try DiaryStore(path: path)
        #expect(throws: DiaryError.self) { _ = try DiaryStore(path: path) }
        // Through a symbolic link it is the same file, and still refused.
        let link = directory.file("link.log")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        do {
            _ = try DiaryStore(path: link)
            Issue.record("a second store opened the file through a link")
        } catch {
            guard case .fileLocked = error else { Issue.record("unexpected \(error)"); return }
        }
        _ = first
    }

    @Test func lockIsReleasedWhenTheStoreCloses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do { _ = try DiaryStore(path: directory.file()) }
        _ = try DiaryStore(path: directory.file())
    }

    @Test func unusablePathIsAClearError() {
        #expect(throws: DiaryError.self) { _ = try DiaryStore(path: "/nonexistent-dir/diary.log") }
    }

    @Test func indexLookup() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try DiaryStore(path: directory.file())
        for number in 1...10 { _ = store.stage(address: "a", name: "", text: "\(number)") }
        try store.commit()
        #expect(store.index(ofFirstFrom: 0) == 0)
        #expect(store.index(ofFirstFrom: 1) == 0)
        #expect(store.index(ofFirstFrom: 5) == 4)
        #expect(store.index(ofFirstFrom: 11) == 10)
        #expect(store.index(ofFirstFrom: .max) == 10)
    }
}
