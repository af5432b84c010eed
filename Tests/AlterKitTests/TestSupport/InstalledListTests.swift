import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// `PythonEnvironments.installed(in:)` reads the venv's metadata files instead of starting `pip list`; here it is
/// held to what `pip list --format json` says about the same venv (a wheel with a non-normalised name, one with an
/// `.egg-info`-free dependency, and one uninstalled again).
@Suite struct InstalledListTests {
    @Test func theFilesOnDiskSayWhatPipListSays() async throws {
        let testbed = try await GateTestbed.make("installed-list")
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "Tiny_Clean", version: "1.0")
        try testbed.wheels.wheel(name: "tiny-app", version: "2.0.post1", requires: ["tiny.dep>=1"])
        try testbed.wheels.wheel(name: "tiny.dep", version: "1.5")
        try testbed.wheels.wheel(name: "gone", version: "3.0")
        let pip = testbed.venv.appendingPathComponent("bin/python").path
        let install = try runProcess(
            pip, ["-m", "pip", "install", "--quiet"] + testbed.indexOptions + ["Tiny_Clean", "tiny-app", "gone"],
            environment: testbed.environment)
        #expect(install.status == 0, "\(install.stderr)")
        let uninstall = try runProcess(
            pip, ["-m", "pip", "uninstall", "--yes", "--quiet", "gone"], environment: testbed.environment)
        #expect(uninstall.status == 0, "\(uninstall.stderr)")

        let listed = try runProcess(pip, ["-m", "pip", "list", "--format", "json"], environment: testbed.environment)
        let entries = try #require(JSONSerialization.jsonObject(with: listed.stdoutData) as? [[String: String]])
        var fromPip: [String: String] = [:]
        for entry in entries where !["pip", "setuptools"].contains(PackageName.normalize(entry["name"] ?? "")) {
            fromPip[PackageName.normalize(entry["name"] ?? "")] = entry["version"]
        }

        #expect(fromPip == ["tiny-clean": "1.0", "tiny-app": "2.0.post1", "tiny-dep": "1.5"])
        #expect(try testbed.installed() == fromPip)
    }
}
