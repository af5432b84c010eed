import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct ZipArchiveTests {
    @Test func readsTheWholeOSVDatabase() throws {
        let path = TestPaths.osvZip.path
        let zip = try ZipArchive(path: path)
        #expect(zip.entries.count == 2661)
        var total = 0
        for entry in zip.entries {
            total += try zip.contents(of: entry).count
        }
        #expect(total == 7_425_075)
        let record = try zip.contents(named: "PYSEC-2005-1.json")
        let json = try #require(try JSONSerialization.jsonObject(with: record) as? [String: Any])
        #expect(json["id"] as? String == "PYSEC-2005-1")
        let affected = try #require(json["affected"] as? [[String: Any]])
        let package = try #require(affected.first?["package"] as? [String: Any])
        #expect(package["name"] as? String == "trac")
        #expect(package["ecosystem"] as? String == "PyPI")
        #expect(throws: ArchiveError.entryNotFound(archive: path, entry: "nope.json")) {
            try zip.contents(named: "nope.json")
        }
    }

    @Test func roundTripsStoredAndDeflatedEntries() throws {
        var builder = ZipBuilder()
        builder.add("demo/__init__.py", text: "print('hi')\n")
        builder.add("demo/data.bin", Data((0..<5000).map { UInt8($0 % 7) }), method: .stored)
        builder.add("demo/empty.txt", Data())
        builder.add("demo-1.0.dist-info/", Data(), method: .stored)
        let zip = try ZipArchive(data: builder.build(), name: "demo.whl")
        #expect(
            zip.entries.map(\.name) == ["demo/__init__.py", "demo/data.bin", "demo/empty.txt", "demo-1.0.dist-info/"])
        #expect(try zip.contents(named: "demo/__init__.py") == Data("print('hi')\n".utf8))
        #expect(try zip.contents(named: "demo/data.bin") == Data((0..<5000).map { UInt8($0 % 7) }))
        #expect(try zip.contents(named: "demo/empty.txt").isEmpty)
        #expect(zip.entry(named: "demo-1.0.dist-info/")?.isDirectory == true)
        #expect(zip.entry(named: "demo/data.bin")?.method == 0)
    }

    @Test func readsZIP64EndRecords() throws {
        var builder = ZipBuilder()
        builder.add("a.txt", text: "alpha")
        builder.add("b.txt", text: "beta")
        var data = builder.build()
        // Replace the classic end record by ZIP64 record + locator + an end record whose fields say "see ZIP64".
        let eocd = data.count - 22
        let reader = ByteReader(data: data, archive: "x")
        let centralSize = UInt64(try reader.u32(eocd + 12))
        let centralOffset = UInt64(try reader.u32(eocd + 16))
        data = data.prefix(eocd)
        let record = UInt64(data.count)
        func le<T: FixedWidthInteger>(_ value: T) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
        data +=
            le(UInt32(0x0606_4b50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0))
            + le(UInt32(0)) + le(UInt64(2)) + le(UInt64(2)) + le(centralSize) + le(centralOffset)
        data += le(UInt32(0x0706_4b50)) + le(UInt32(0)) + le(record) + le(UInt32(1))
        data +=
            le(UInt32(0x0605_4b50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0xffff)) + le(UInt16(0xffff))
            + le(UInt32(0xffff_ffff)) + le(UInt32(0xffff_ffff)) + le(UInt16(0))
        let zip = try ZipArchive(data: data, name: "z64.zip")
        #expect(zip.entries.map(\.name) == ["a.txt", "b.txt"])
        #expect(try zip.contents(named: "b.txt") == Data("beta".utf8))
    }

    @Test func truncatedZipIsMalformed() throws {
        var builder = ZipBuilder()
        builder.add("a.txt", text: String(repeating: "hello ", count: 100))
        let full = builder.build()
        for cut in [10, full.count / 2, full.count - 5] {
            #expect(throws: ArchiveError.self) { try ZipArchive(data: full.prefix(cut), name: "cut.zip") }
        }
        #expect(throws: ArchiveError.malformed(archive: "e.zip", reason: "too short for a zip")) {
            try ZipArchive(data: Data(), name: "e.zip")
        }
    }

    @Test func crcMismatchNamesTheEntry() throws {
        var builder = ZipBuilder()
        builder.add("pkg/evil.py", Data("x = 1\n".utf8), crcOverride: 0xdead_beef)
        let zip = try ZipArchive(data: builder.build(), name: "bad.whl")
        #expect(throws: ArchiveError.crcMismatch(archive: "bad.whl", entry: "pkg/evil.py")) {
            try zip.contents(named: "pkg/evil.py")
        }
    }

    @Test(arguments: ["../evil.py", "/etc/passwd", "pkg/../../x", "C:\\windows\\x.dll", "a\\..\\..\\b", ""])
    func unsafePathsAreRefused(name: String) throws {
        var builder = ZipBuilder()
        builder.add("ok.txt", text: "ok")
        builder.add(name, text: "payload")
        #expect(throws: ArchiveError.unsafePath(archive: "t.zip", entry: name)) {
            try ZipArchive(data: builder.build(), name: "t.zip")
        }
    }

    @Test func bombRatioIsRefusedAtOpen() throws {
        var builder = ZipBuilder()
        builder.add("zeros.bin", Data(count: 20 << 20))
        let data = builder.build()
        #expect(data.count < 100_000)
        do {
            _ = try ZipArchive(data: data, name: "bomb.zip")
            Issue.record("bomb accepted")
        } catch let error as ArchiveError {
            guard case .suspiciousRatio(_, let entry, let ratio) = error else {
                Issue.record("expected suspiciousRatio, got \(error)")
                return
            }
            #expect(entry == "zeros.bin")
            #expect(ratio > 200)
        }
    }

    @Test func lyingSizesAreCaughtWhileInflating() throws {
        var builder = ZipBuilder()
        builder.add("small-claim.txt", Data(repeating: 0x41, count: 10_000), declaredSizeOverride: 100)
        builder.add("big-claim.txt", Data(repeating: 0x42, count: 100), declaredSizeOverride: 10_000)
        let zip = try ZipArchive(data: builder.build(), name: "liar.zip")
        #expect(
            throws: ArchiveError.corruptEntry(
                archive: "liar.zip", entry: "small-claim.txt", reason: "inflates past its declared size")
        ) { try zip.contents(named: "small-claim.txt") }
        #expect(
            throws: ArchiveError.corruptEntry(
                archive: "liar.zip", entry: "big-claim.txt", reason: "shorter than its declared size")
        ) { try zip.contents(named: "big-claim.txt") }
    }

    @Test func symlinksAreRefusedUnlessAllowed() throws {
        var builder = ZipBuilder()
        builder.add("link", Data("/etc/passwd".utf8), method: .stored, unixMode: 0o120777)
        let data = builder.build()
        #expect(throws: ArchiveError.link(archive: "l.zip", entry: "link")) {
            try ZipArchive(data: data, name: "l.zip")
        }
        let allowed = try ZipArchive(data: data, name: "l.zip", limits: ArchiveLimits(allowLinks: true))
        #expect(allowed.entries.first?.isSymlink == true)
    }

    @Test func countAndSizeLimits() throws {
        var builder = ZipBuilder()
        for i in 0..<5 { builder.add("f\(i).txt", Data(repeating: 0x30, count: 1000), method: .stored) }
        let data = builder.build()
        #expect(throws: ArchiveError.tooManyEntries(archive: "z", limit: 3)) {
            try ZipArchive(data: data, name: "z", limits: ArchiveLimits(maxEntries: 3))
        }
        #expect(throws: ArchiveError.entryTooLarge(archive: "z", entry: "f0.txt", limit: 999)) {
            try ZipArchive(data: data, name: "z", limits: ArchiveLimits(maxEntrySize: 999))
        }
        #expect(throws: ArchiveError.totalTooLarge(archive: "z", limit: 4500)) {
            try ZipArchive(data: data, name: "z", limits: ArchiveLimits(maxTotalSize: 4500))
        }
    }

    @Test func mutatedZipsNeverCrash() throws {
        var builder = ZipBuilder()
        builder.add("pkg/__init__.py", text: String(repeating: "import os\n", count: 50))
        builder.add("pkg/data.bin", Data((0..<3000).map { UInt8($0 & 0xff) }), method: .stored)
        builder.add("pkg-1.0.dist-info/METADATA", text: "Name: pkg\nVersion: 1.0\n")
        let original = [UInt8](builder.build())
        var generator = SeededGenerator(seed: 0x5eed_21f)
        var rejected = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let zip = try ZipArchive(data: Data(bytes), name: "fuzz.zip")
                for entry in zip.entries { _ = try zip.contents(of: entry) }
            } catch is ArchiveError {
                rejected += 1
            }
        }
        // Most single-byte corruptions are caught (CRC, structure); the rest hit bytes nothing reads.
        #expect(rejected > 100)
    }
}
