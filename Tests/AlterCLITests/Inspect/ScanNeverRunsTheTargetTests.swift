import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks scan --python QUARANTINE/bin/python` lists what is installed without running any of it: a `.pth` the
/// environment holds never runs (issue #14, item 6).
@Suite struct ScanNeverRunsTheTargetTests {
    @Test func aPthFileInTheScannedEnvironmentDoesNotRun() async throws {
        let world = try await ScanInstalledCodeTests().world("scan-no-run")
        defer { world.stop() }
        let marker = world.testbed.root.appendingPathComponent("pth-ran")
        try world.testbed.wheels.wheel(
            name: "quietcharts", version: "2.0",
            extraFiles: ["quietcharts_hook.pth": "import os; open(\(marker.path.debugDescription), 'w').write('ran')\n"]
        )
        try ScanInstalledCodeTests().pipInstall(world, "quietcharts")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "pip itself started the environment")

        let (_, action, _) = try await ScanInstalledCodeTests().scan(world, "quietcharts")
        #expect(action != nil, "the scan did not list the installed package")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the scan started the scanned interpreter")
    }
}
