import Testing
@testable import NetKit
import CNetKitShims

/// `UnixSocketPath` keeps its bytes inline, so addresses are trivial values.
@Suite("UnixSocketPath inline storage: trivial SocketAddress, same semantics")
struct UnixSocketPathStorageTests {
    @Test("SocketAddress, UnixSocketPath and ReceivedDatagram are trivial (POD) and small")
    func trivialLayout() {
        #expect(_isPOD(UnixSocketPath.self))
        #expect(_isPOD(SocketAddress.self))
        #expect(_isPOD(ReceivedDatagram.self))
        #expect(MemoryLayout<SocketAddress>.size <= 128)
        #expect(UnixSocketPath.capacity >= MemoryLayout.size(ofValue: sockaddr_un().sun_path))
    }

    @Test("bytes, path, description and isAbstract read back what was given")
    func readBack() throws {
        let path = try UnixSocketPath("/tmp/some.sock")
        #expect(path.bytes == Array("/tmp/some.sock".utf8))
        #expect(path.path == "/tmp/some.sock")
        #expect(path.description == "/tmp/some.sock")
        #expect(!path.isAbstract)
        let name = try UnixSocketPath(abstractName: "diary")
        #expect(name.bytes == Array("diary".utf8))
        #expect(name.path == nil)
        #expect(name.description == "@diary")
        #expect(name.isAbstract)
        let empty = try UnixSocketPath(abstractName: "")
        #expect(empty.bytes.isEmpty)
        #expect(empty.description == "@")
    }

    @Test("The longest path and abstract name fit; one byte more is refused with the same error")
    func limits() throws {
        let maximum = UnixSocketPath.maximumPathLength
        let longest = "/" + String(repeating: "p", count: maximum - 1)
        let path = try UnixSocketPath(longest)
        #expect(path.path == longest)
        #expect(path.bytes.count == maximum)
        let longestName = String(repeating: "n", count: maximum)
        #expect(try UnixSocketPath(abstractName: longestName).bytes == Array(longestName.utf8))

        #expect {
            try UnixSocketPath(longest + "x")
        } throws: { error in
            "\(error)".contains("Unix socket path is \(maximum + 1) bytes; sun_path holds at most \(maximum)")
        }
        #expect {
            try UnixSocketPath(abstractName: longestName + "x")
        } throws: { error in
            "\(error)".contains("abstract name is \(maximum + 1) bytes; sun_path holds at most \(maximum)")
        }
        #expect(throws: SocketError.self) { try UnixSocketPath("") }
        #expect(throws: SocketError.self) { try UnixSocketPath("/a\u{0}b") }
    }

    @Test("Equality, hashing and order look only at the kind and the bytes in use")
    func semantics() throws {
        let a = try UnixSocketPath("/tmp/a")
        let ab = try UnixSocketPath("/tmp/ab")
        let b = try UnixSocketPath("/tmp/b")
        let abstractA = try UnixSocketPath(abstractName: "/tmp/a")
        #expect(a == (try UnixSocketPath("/tmp/a")))
        #expect(a.hashValue == (try UnixSocketPath("/tmp/a")).hashValue)
        #expect(a != ab)
        #expect(a != abstractA)
        #expect(a < ab && ab < b)  // a prefix sorts first, then by bytes
        #expect(b < abstractA)  // paths before abstract names
        #expect(!(a < a))
        #expect([b, abstractA, ab, a].sorted() == [a, ab, b, abstractA])
        #expect(Set([a, a, ab, abstractA]).count == 3)
        // A name cut from a longer one compares as its own bytes.
        let short = UnixSocketPath(rawBytes: Array("/tmp/a".utf8), isAbstract: false)
        #expect(short == a)
        #expect(SocketAddress.unix(a) == .unix(short))
        #expect(Set([SocketAddress.unix(a), .unix(short), .unix(b)]).count == 2)
    }

    @Test("sockaddr round trip: paths NUL-terminated, abstract names exact, unnamed empty")
    func sockaddrRoundTrip() throws {
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        for address in [
            SocketAddress.unix(try UnixSocketPath("/tmp/x.sock")),
            .unix(try UnixSocketPath(abstractName: "x")),
            .unix(try UnixSocketPath("/" + String(repeating: "q", count: UnixSocketPath.maximumPathLength - 1))),
            .unix(try UnixSocketPath(abstractName: String(repeating: "r", count: UnixSocketPath.maximumPathLength))),
        ] {
            let (storage, length) = address.storage
            guard case .unix(let path) = address else { Issue.record("not unix"); continue }
            #expect(Int(length) == pathOffset + path.bytes.count + 1)
            #expect(SocketAddress(storage: storage, length: length) == address)
        }
        // An unnamed socket: only the family.
        let (storage, _) = SocketAddress.unix(try UnixSocketPath("/x")).storage
        let unnamed = SocketAddress(storage: storage, length: socklen_t(pathOffset))
        #expect(unnamed == .unix(UnixSocketPath(rawBytes: [], isAbstract: false)))
        #expect(unnamed?.description == "")
        // A full sun_path with no NUL (the kernel may report that): all of it is kept.
        var full = sockaddr_storage()
        let sunPathSize = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        withUnsafeMutableBytes(of: &full) { raw in
            raw.storeBytes(
                of: sa_family_t(AF_UNIX), toByteOffset: MemoryLayout<sockaddr_un>.offset(of: \.sun_family)!,
                as: sa_family_t.self)
            for index in 0..<sunPathSize { raw[pathOffset + index] = UInt8(ascii: "f") }
        }
        let read = SocketAddress(storage: full, length: socklen_t(MemoryLayout<sockaddr_un>.size))
        guard case .unix(let fullPath) = read else { Issue.record("not unix"); return }
        #expect(fullPath.bytes == [UInt8](repeating: UInt8(ascii: "f"), count: sunPathSize))
    }

    @Test("Text parsing of paths and abstract names fills the inline bytes")
    func parsing() throws {
        #expect(SocketAddress("/run/x.sock") == .unix(try UnixSocketPath("/run/x.sock")))
        #expect(SocketAddress("@name") == .unix(try UnixSocketPath(abstractName: "name")))
        #expect(try SocketAddress(parsing: "./rel").description == "./rel")
        #expect(throws: AddressParseError.self) {
            try SocketAddress(parsing: "/" + String(repeating: "z", count: UnixSocketPath.maximumPathLength))
        }
    }
}
