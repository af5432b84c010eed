import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct TarArchiveTests {
    func sdist() -> TarBuilder {
        var tar = TarBuilder()
        tar.addDirectory("demo-1.0")
        tar.addFile("demo-1.0/setup.py", text: "from setuptools import setup\nsetup(name='demo')\n")
        tar.addFile("demo-1.0/PKG-INFO", text: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        tar.addFile("demo-1.0/" + String(repeating: "deep/", count: 30) + "module.py", text: "x = 1\n")
        tar.addGNULongNameFile("demo-1.0/" + String(repeating: "gnu/", count: 40) + "long.py", Data("y = 2\n".utf8))
        tar.addFile("demo-1.0/big.bin", Data((0..<70_000).map { UInt8($0 % 253) }))
        return tar
    }

    @Test(arguments: [true, false])
    func readsAnSdist(gzip: Bool) throws {
        let reader = try TarReader(data: sdist().build(gzip: gzip), name: "demo-1.0.tar.gz")
        let entries = try reader.readAll()
        #expect(entries.count == 6)
        #expect(entries[0] == TarEntry(name: "demo-1.0/", kind: .directory, mode: 0o755, data: Data()))
        #expect(entries[1].name == "demo-1.0/setup.py")
        #expect(entries[1].kind == .file)
        #expect(String(decoding: entries[1].data, as: UTF8.self).contains("setup(name='demo')"))
        #expect(entries[3].name == "demo-1.0/" + String(repeating: "deep/", count: 30) + "module.py")
        #expect(entries[4].name == "demo-1.0/" + String(repeating: "gnu/", count: 40) + "long.py")
        #expect(entries[4].data == Data("y = 2\n".utf8))
        #expect(entries[5].data == Data((0..<70_000).map { UInt8($0 % 253) }))
        #expect(try reader.next() == nil)
    }

    @Test func readsFromAFileAndConcatenatedGzipMembers() throws {
        var first = TarBuilder()
        first.addFile("a.txt", text: "first")
        var firstBlocks = first.build(gzip: false)
        firstBlocks.removeLast(1024)  // no end marker: the second member continues the archive
        var second = TarBuilder()
        second.addFile("b.txt", text: "second")
        let data = Zlib.deflate(firstBlocks, format: .gzip) + second.build(gzip: true)
        let dir = try TestPaths.temporaryDirectory("tar")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/x.tar.gz"
        try data.write(to: URL(fileURLWithPath: path))
        let names = try TarReader(path: path).readAll().map(\.name)
        #expect(names == ["a.txt", "b.txt"])
        #expect(throws: ArchiveError.self) { try TarReader(path: dir.path + "/missing.tar.gz") }
    }

    @Test func linksAreRefusedUnlessAllowed() throws {
        var tar = TarBuilder()
        tar.addSymlink("pkg/link", target: "/etc/passwd")
        let data = tar.build()
        #expect(throws: ArchiveError.link(archive: "l.tgz", entry: "pkg/link")) {
            try TarReader(data: data, name: "l.tgz").readAll()
        }
        let allowed = try TarReader(data: data, name: "l.tgz", limits: ArchiveLimits(allowLinks: true)).readAll()
        #expect(allowed.first?.kind == .symlink(target: "/etc/passwd"))

        var hard = TarBuilder()
        hard.addHardlink("pkg/hard", target: "../../etc/shadow")
        #expect(throws: ArchiveError.link(archive: "h.tgz", entry: "pkg/hard")) {
            try TarReader(data: hard.build(), name: "h.tgz").readAll()
        }
    }

    @Test func traversalAndDevicesAreRefused() throws {
        var dotdot = TarBuilder()
        dotdot.addFile("../../.bashrc", text: "evil")
        #expect(throws: ArchiveError.unsafePath(archive: "t", entry: "../../.bashrc")) {
            try TarReader(data: dotdot.build(), name: "t").readAll()
        }
        var pax = TarBuilder()
        pax.addPax(["path": "/etc/cron.d/evil"])
        pax.addFile("innocent.txt", text: "evil")
        #expect(throws: ArchiveError.unsafePath(archive: "t", entry: "/etc/cron.d/evil")) {
            try TarReader(data: pax.build(), name: "t").readAll()
        }
        var device = TarBuilder()
        device.addEntry("dev/null", type: "3")
        #expect(throws: ArchiveError.unsupported(archive: "t", entry: "dev/null", reason: "character device refused")) {
            try TarReader(data: device.build(), name: "t").readAll()
        }
    }

    @Test func truncatedArchivesAreErrors() throws {
        let full = sdist().build(gzip: true)
        for cut in [5, full.count / 3, full.count - 12] {
            #expect(throws: ArchiveError.self) { try TarReader(data: full.prefix(cut), name: "cut.tgz").readAll() }
        }
        let plain = sdist().build(gzip: false)
        #expect(throws: ArchiveError.self) { try TarReader(data: plain.prefix(1500), name: "cut.tar").readAll() }
    }

    @Test func bombAndSizeLimits() throws {
        var tar = TarBuilder()
        tar.addFile("zeros.bin", Data(count: 30 << 20))
        let bomb = tar.build()
        #expect(bomb.count < 200_000)
        do {
            _ = try TarReader(data: bomb, name: "bomb.tgz").readAll()
            Issue.record("bomb accepted")
        } catch let error as ArchiveError {
            guard case .suspiciousRatio(_, let entry, _) = error else {
                Issue.record("expected suspiciousRatio, got \(error)")
                return
            }
            #expect(entry == "zeros.bin")
        }
        var big = TarBuilder()
        big.addFile("a.bin", Data(count: 5000))
        #expect(throws: ArchiveError.entryTooLarge(archive: "b", entry: "a.bin", limit: 4096)) {
            try TarReader(data: big.build(), name: "b", limits: ArchiveLimits(maxEntrySize: 4096)).readAll()
        }
        var many = TarBuilder()
        for i in 0..<4 { many.addFile("f\(i)", text: "x") }
        #expect(throws: ArchiveError.tooManyEntries(archive: "m", limit: 3)) {
            try TarReader(data: many.build(), name: "m", limits: ArchiveLimits(maxEntries: 3)).readAll()
        }
    }

    @Test func badHeaderChecksumIsCorrupt() throws {
        var tar = TarBuilder()
        tar.addFile("a.txt", text: "hello")
        var bytes = [UInt8](tar.build(gzip: false))
        bytes[0] = UInt8(ascii: "b")  // name changes, checksum does not
        #expect(throws: ArchiveError.corruptEntry(archive: "c", entry: "b.txt", reason: "header checksum mismatch")) {
            try TarReader(data: Data(bytes), name: "c").readAll()
        }
    }

    @Test(arguments: [true, false])
    func mutatedArchivesNeverCrash(gzip: Bool) throws {
        let original = [UInt8](sdist().build(gzip: gzip))
        var generator = SeededGenerator(seed: gzip ? 77 : 78)
        var rejected = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                _ = try TarReader(data: Data(bytes), name: "fuzz").readAll()
            } catch is ArchiveError {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }
}
