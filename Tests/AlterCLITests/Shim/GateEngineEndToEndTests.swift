import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The whole gate on the real engine: real pip resolving from a local folder of wheels, advisories from the OSV
/// API double, metadata from the PyPI double, the policy from a pyproject.toml — and assertions on what pip
/// actually installed.
@Suite struct GateEngineEndToEndTests {
    /// A PyPI JSON answer for a mature, well-kept project whose `versions` were uploaded at the given times.
    static func projectJSON(_ name: String, uploads: [(String, Date)]) -> String {
        let iso = ISO8601DateFormatter()
        let releases = uploads.map { version, date in
            """
            "\(version)": [{"filename": "\(name)-\(version)-py3-none-any.whl", "packagetype": "bdist_wheel",
              "upload_time_iso_8601": "\(iso.string(from: date))", "yanked": false,
              "digests": {}, "size": 1000, "url": "https://files.example/\(name)-\(version).whl"}]
            """
        }.joined(separator: ",")
        return """
            {"info": {"name": "\(name)", "version": "\(uploads.last!.0)", "summary": "A well-kept test project",
              "description": "Long description of the project, with usage and examples.",
              "home_page": "https://example.org/\(name)",
              "project_urls": {"Source": "https://example.org/\(name)/src"},
              "classifiers": ["License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"],
              "license": "MIT", "author": "A. Maintainer", "author_email": "a@example.org"},
             "last_serial": 1, "releases": {\(releases)}, "urls": [], "vulnerabilities": [],
             "ownership": {"organization": "example-org",
               "roles": [{"role": "Owner", "user": "alice"}, {"role": "Maintainer", "user": "bob"}]}}
            """
    }

    struct World {
        let testbed: GateTestbed
        let osv: OSVDouble
        let pypi: PyPIDouble

        func stop() {
            osv.server.stop()
            pypi.server.stop()
            testbed.remove()
        }

        func context(
            err: BufferStream, out: BufferStream = BufferStream(), minReleaseAge: String = "0", riskThreshold: Int = 95
        ) throws -> CLIContext {
            try GateTestbed.writeConfig(
                in: testbed.root, osvURL: osv.baseURL, pypiURL: pypi.baseURL,
                extra: ["min_release_age = \(minReleaseAge)", "risk_threshold = \(riskThreshold)"])
            let environment = testbed.environment
            return CLIContext(
                stdout: out, stderr: err, environment: environment, currentDirectory: testbed.root.path,
                makeServices: { diagnostics in
                    Services(
                        http: CurlHTTPClient(environment: [:]), clock: SystemClock(),
                        processes: PosixProcessRunner(), environment: environment, diagnostics: diagnostics)
                },
                makeGateDecider: { services, options in
                    try CLIContext.engineGateDecider(services: services, options: options)
                },
                attachedLauncher: testbed.launcher())
        }

        func gate(_ packages: [String], err: BufferStream, minReleaseAge: String = "0", riskThreshold: Int = 95)
            async throws -> Int32
        {
            let context = try context(err: err, minReleaseAge: minReleaseAge, riskThreshold: riskThreshold)
            return await CLIContext.$current.withValue(context) {
                await AlterKSMain.run(
                    ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + packages)
            }
        }
    }

    func world(_ label: String, pip: TestPip, records: [OSVRecord]) async throws -> World {
        let testbed = try await GateTestbed.make(label, pip: pip)
        let old = Date().addingTimeInterval(-400 * 86400)
        let pypi = try PyPIDouble()
        for name in ["tinyapp", "tinydep", "tinyclean"] {
            pypi.setProject(
                name, .json(Self.projectJSON(name, uploads: [("0.9", old), ("1.0", old.addingTimeInterval(86400))])))
        }
        return World(testbed: testbed, osv: try OSVDouble(records: records), pypi: pypi)
    }

    @Test(arguments: TestPip.all) func cleanInstallGoesThroughWithExactlyTheScannedVersions(_ pip: TestPip) async throws
    {
        let world = try await world("e2e-clean", pip: pip, records: [])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let err = BufferStream()
        let code = try await world.gate(["tinyclean"], err: err)
        #expect(code == 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        #expect(world.osv.batchRequests == 1)
    }

    @Test(arguments: TestPip.all) func vulnerableTransitiveDependencyBlocksEverything(_ pip: TestPip) async throws {
        let advisory = OSVRecords.record(
            "PYSEC-2099-1", package: "tinydep", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
            label: "CRITICAL", summary: "remote code execution in tinydep")
        let world = try await world("e2e-transitive", pip: pip, records: [advisory])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let err = BufferStream()
        let code = try await world.gate(["tinyapp"], err: err)
        #expect(code == 1, "\(err.text)")
        #expect(err.text.contains("tinydep"), "\(err.text)")
        #expect(err.text.contains("PYSEC-2099-1"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func unreachableAdvisorySourceRefusesTheInstall(_ pip: TestPip) async throws {
        let world = try await world("e2e-down", pip: pip, records: [])
        defer { world.stop() }
        world.osv.inject { _ in .serverError(503) }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let err = BufferStream()
        let code = try await world.gate(["tinyclean"], err: err)
        #expect(code != 0, "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    /// A cache folder the gate cannot write (a read-only mount; a file where its artifact folder goes) is one
    /// error about that folder — before any package is looked at — never a BLOCKED verdict on a package.
    @Test(arguments: TestPip.all, ["file in the way", "read-only mount"])
    func anUnwritableCacheIsAnErrorAboutTheFolder(_ pip: TestPip, _ fault: String) async throws {
        if fault == "read-only mount" && !FileSystemFaults.canMount { return }
        let world = try await world("e2e-rocache", pip: pip, records: [])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let cache = world.testbed.root.appendingPathComponent("cache").path
        switch fault {
        case "file in the way":
            try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: cache + "/artifacts"))
        default:
            try FileSystemFaults.mountTmpfs(at: cache, bytes: 4 << 20)
            try FileSystemFaults.remountReadOnly(cache)
        }
        defer { if fault == "read-only mount" { FileSystemFaults.unmount(cache) } }
        let err = BufferStream()
        let code = try await world.gate(["tinyclean"], err: err)
        #expect(code == ExitStatus.sourceFailure.rawValue, "\(err.text)")
        #expect(err.text.contains(cache + "/artifacts"), "\(err.text)")
        #expect(!err.text.contains("BLOCKED") && !err.text.contains("tinyclean"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func aSquatIsQuarantinedAndNotInstalledInTheTarget(_ pip: TestPip) async throws {
        let world = try await world("e2e-squat", pip: pip, records: [])
        defer { world.stop() }
        // A days-old look-alike of "requests" by one maintainer with no description: the engine's own heuristics.
        let fresh = Date().addingTimeInterval(-3 * 86400)
        world.pypi.setProject(
            "reqeusts",
            .json(
                """
                {"info": {"name": "reqeusts", "version": "1.0", "summary": "", "description": "",
                  "author": "", "author_email": "", "license": "", "classifiers": [], "project_urls": {}},
                 "last_serial": 1, "urls": [], "vulnerabilities": [],
                 "releases": {"1.0": [{"filename": "reqeusts-1.0-py3-none-any.whl", "packagetype": "bdist_wheel",
                   "upload_time_iso_8601": "\(ISO8601DateFormatter().string(from: fresh))", "yanked": false,
                   "digests": {}, "size": 1000, "url": "https://files.example/reqeusts-1.0.whl"}]},
                 "ownership": {"roles": [{"role": "Owner", "user": "mallory"}]}}
                """))
        try world.testbed.wheels.wheel(name: "reqeusts", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let err = BufferStream()
        let code = try await world.gate(["reqeusts", "tinyclean"], err: err, riskThreshold: 40)
        #expect(code == 1, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("QUARANTINED reqeusts 1.0"), "\(err.text)")
        #expect(err.text.contains("requests"), "\(err.text)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        let quarantined = world.testbed.root.appendingPathComponent("data/quarantine/reqeusts-1.0")
        #expect(FileManager.default.fileExists(atPath: quarantined.path))
    }

    @Test(arguments: TestPip.all) func tooYoungReleaseFallsBackToTheOlderOne(_ pip: TestPip) async throws {
        let world = try await world("e2e-young", pip: pip, records: [])
        defer { world.stop() }
        let old = Date().addingTimeInterval(-400 * 86400)
        let young = Date().addingTimeInterval(-3600)
        world.pypi.setProject(
            "tinyclean", .json(Self.projectJSON("tinyclean", uploads: [("1.0", old), ("2.0", young)])))
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyclean", version: "2.0")
        let err = BufferStream()
        let code = try await world.gate(["tinyclean"], err: err, minReleaseAge: "48")
        #expect(code == 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        #expect(err.text.contains("2.0"), "\(err.text)")
    }

    /// An index release whose upload time PyPI does not give cannot be held to `min_release_age`: the gate treats
    /// that as a source failure (`on_source_error`, block by default), never as old enough (issue #14, item 4).
    @Test(arguments: TestPip.all) func aReleaseWithoutAnUploadTimeIsNotOldEnough(_ pip: TestPip) async throws {
        let world = try await world("e2e-no-upload-time", pip: pip, records: [])
        defer { world.stop() }
        let old = Date().addingTimeInterval(-400 * 86400)
        // PyPI knows the project, but not when 1.1 was uploaded.
        var document = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Self.projectJSON("tinyclean", uploads: [("1.0", old), ("1.1", old)]).utf8))
                as? [String: Any])
        var releases = try #require(document["releases"] as? [String: [[String: Any]]])
        releases["1.1"] = releases["1.1"]?.map { $0.filter { $0.key != "upload_time_iso_8601" } }
        document["releases"] = releases
        world.pypi.setProject("tinyclean", .json(data: try JSONSerialization.data(withJSONObject: document)))
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.1")
        let err = BufferStream()
        let code = try await world.gate(["tinyclean"], err: err, minReleaseAge: "48")
        #expect(code == 1, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("upload time unknown (PyPI gives no upload time for 1.1)"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
        // With the check off, the same release installs.
        let allowed = BufferStream()
        #expect(try await world.gate(["tinyclean"], err: allowed, minReleaseAge: "0") == 0, "\(allowed.text)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.1"])
    }
}

/// Issue #13 item 3: a warm gate asks the network for nothing that cannot have changed. With every cache warm the
/// only request is OSV's querybatch; with the verdicts recomputed (another policy) the metadata, the provenance
/// answers (kept by file) and the artifacts still come from the caches.
@Suite struct WarmGateRequestTests {
    @Test func aWarmGateMakesOnlyTheQuerybatch() async throws {
        let world = try await GateEngineEndToEndTests().world("e2e-warm-requests", pip: .machine, records: [])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let first = BufferStream()
        #expect(try await world.gate(["tinyapp"], err: first) == 0, "\(first.text)\n\(world.testbed.logText)")
        #expect(world.pypi.requestCount > 0)

        for (round, threshold) in [(1, 95), (2, 90)] {
            _ = try runProcess(
                world.testbed.pip, ["uninstall", "-y", "-q", "tinyapp", "tinydep"],
                environment: world.testbed.environment)
            let osvBefore = world.osv.totalRequests
            let batchesBefore = world.osv.batchRequests
            let pypiBefore = world.pypi.requestCount
            let err = BufferStream()
            #expect(
                try await world.gate(["tinyapp"], err: err, riskThreshold: threshold) == 0,
                "\(err.text)\n\(world.testbed.logText)")
            #expect(try world.testbed.installed() == ["tinyapp": "1.0", "tinydep": "1.0"])
            #expect(world.osv.totalRequests - osvBefore == 1, "round \(round)")
            #expect(world.osv.batchRequests - batchesBefore == 1, "round \(round)")
            #expect(world.pypi.requestCount - pypiBefore == 0, "round \(round): \(world.pypi.requestedPaths)")
        }
    }
}
