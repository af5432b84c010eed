import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// A cloned repository's `[tool.alterks]` cannot switch the gate off: the two repro cases of issue #14 through the
/// real gate, real pip and the real engine. The loopback sources live in the user's own configuration
/// (`$XDG_CONFIG_HOME/alterks/config.toml`); the project file only tries to loosen.
@Suite struct UntrustedProjectGateTests {
    struct World {
        let testbed: GateTestbed
        let osv: OSVDouble
        let pypi: PyPIDouble

        func stop() {
            osv.server.stop()
            pypi.server.stop()
            testbed.remove()
        }

        /// The user's configuration: the doubles, no release age, a high risk threshold.
        func writeUserConfig(extra: [String] = ["source = \"osv\""]) throws {
            let folder = testbed.root.appendingPathComponent("config/alterks")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let lines =
                [
                    "osv_url = \"\(osv.baseURL)\"", "pypi_url = \"\(pypi.baseURL)\"", "min_release_age = 0",
                    "risk_threshold = 95",
                ] + extra
            try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("config.toml"))
        }

        func writeProject(_ lines: [String]) throws {
            try Data((["[tool.alterks]"] + lines).joined(separator: "\n").utf8).write(
                to: testbed.root.appendingPathComponent("pyproject.toml"))
        }

        func context(err: BufferStream, out: BufferStream = BufferStream()) -> CLIContext {
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

        func alterks(_ arguments: [String], err: BufferStream, out: BufferStream = BufferStream()) async -> Int32 {
            await CLIContext.$current.withValue(context(err: err, out: out)) { await AlterKSMain.run(arguments) }
        }

        func gate(_ packages: [String], err: BufferStream) async -> Int32 {
            await alterks(["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + packages, err: err)
        }
    }

    func world(_ label: String, pip: TestPip) async throws -> World {
        let testbed = try await GateTestbed.make(label, pip: pip)
        let old = Date().addingTimeInterval(-400 * 86400)
        // PyPI lists the very wheel the index serves (its sha256), so every signal is known and the verdict cached.
        let wheel = try testbed.wheels.wheel(name: "django", version: "2.2.0")
        let digest = try WheelBuilder.sha256(of: wheel)
        let pypi = try PyPIDouble()
        pypi.setProject(
            "django",
            .json(
                GateEngineEndToEndTests.projectJSON("django", uploads: [("2.2.0", old)]).replacingOccurrences(
                    of: "\"digests\": {}", with: "\"digests\": {\"sha256\": \"\(digest)\"}")))
        let advisory = OSVRecords.record(
            "PYSEC-2099-22", package: "django", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "3.0")])],
            label: "CRITICAL", summary: "SQL injection in django")
        let world = World(testbed: testbed, osv: try OSVDouble(records: [advisory]), pypi: pypi)
        try world.writeUserConfig()
        return world
    }

    @Test(arguments: TestPip.all) func anUntrustedAllowlistDoesNotLetAVulnerablePackageIn(_ pip: TestPip) async throws {
        let world = try await world("untrusted-allowlist", pip: pip)
        defer { world.stop() }
        try world.writeProject(["allowlist = [\"django\"]"])
        try Data("django==2.2.0\n".utf8).write(to: world.testbed.root.appendingPathComponent("requirements.txt"))

        let err = BufferStream()
        let code = await world.gate(
            ["-r", world.testbed.root.appendingPathComponent("requirements.txt").path], err: err)
        #expect(code == 1, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == [:])
        let pyproject = world.testbed.root.appendingPathComponent("pyproject.toml").path
        let warning = err.text.split(separator: "\n").filter { $0.contains("ignored allowlist") }
        #expect(warning.count == 1, "\(err.text)")
        #expect(warning.first?.contains("alterks trust \(pyproject)") == true, "\(err.text)")
        #expect(err.text.contains("PYSEC-2099-22"), "\(err.text)")

        // Once the user trusts the file, its allowlist applies (and an edit would need trusting again).
        let trustErr = BufferStream()
        #expect(await world.alterks(["trust"], err: trustErr) == 0, "\(trustErr.text)")
        let again = BufferStream()
        let allowed = await world.gate(["django==2.2.0"], err: again)
        #expect(allowed == 0, "\(again.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == ["django": "2.2.0"])
    }

    @Test(arguments: TestPip.all) func aCacheFolderShippedInTheRepositoryIsNotReadUntilTrusted(_ pip: TestPip)
        async throws
    {
        let world = try await world("untrusted-cache", pip: pip)
        defer { world.stop() }
        try world.writeProject(["cache_dir = \".alterks-cache\""])
        let shipped = world.testbed.root.appendingPathComponent(".alterks-cache/verdicts.sqlite").path

        // Build the attacker's cache: the real key of django 2.2.0's verdict (made while trusted), its row edited.
        #expect(await world.alterks(["trust"], err: BufferStream()) == 0)
        let first = BufferStream()
        #expect(await world.gate(["django==2.2.0"], err: first) == 1, "\(first.text)")
        let cache = try VerdictCache(path: shipped, diagnostics: NullDiagnostics(), clock: SystemClock())
        let clean = try JSONEncoder().encode(
            CachedVerdict(verdict: Verdict(reasons: []), vulnerabilities: [], risk: nil))
        try cache.database.execute("UPDATE verdicts SET payload = ?", [clean])
        #expect(try cache.database.query("SELECT count(*) FROM verdicts").first?.int(0) ?? 0 > 0)
        #expect(await world.alterks(["trust", "--revoke"], err: BufferStream()) == 0)

        let err = BufferStream()
        let code = await world.gate(["django==2.2.0"], err: err)
        #expect(code == 1, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == [:])
        #expect(err.text.contains("ignored cache_dir"), "\(err.text)")

        // The edited row is what a trusted cache_dir would have served: the test can tell the two apart.
        #expect(await world.alterks(["trust"], err: BufferStream()) == 0)
        let poisoned = BufferStream()
        #expect(await world.gate(["django==2.2.0"], err: poisoned) == 0, "\(poisoned.text)")
    }

    @Test(arguments: TestPip.all) func aProjectMayAlwaysTighten(_ pip: TestPip) async throws {
        let world = try await world("untrusted-tighten", pip: pip)
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        world.pypi.setProject(
            "tinyclean",
            .json(
                GateEngineEndToEndTests.projectJSON(
                    "tinyclean", uploads: [("1.0", Date().addingTimeInterval(-400 * 86400))])))
        try world.writeProject(["blocklist = [\"tinyclean\"]"])
        let err = BufferStream()
        #expect(await world.gate(["tinyclean==1.0"], err: err) == 1, "\(err.text)")
        #expect(try world.testbed.installed() == [:])
        #expect(!err.text.contains("alterks trust"), "\(err.text)")
    }
}

/// The gate says when its answers came from the offline database, and refuses data older than `max_offline_age`.
@Suite struct GateOfflineDataTests {
    @Test(arguments: TestPip.all) func theGateNamesTheOfflineDataAndRefusesItWhenStale(_ pip: TestPip) async throws {
        let world = try await UntrustedProjectGateTests().world("gate-offline", pip: pip)
        defer { world.stop() }
        world.osv.inject { _ in .serverError(503) }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        world.pypi.setProject(
            "tinyclean",
            .json(
                GateEngineEndToEndTests.projectJSON(
                    "tinyclean", uploads: [("1.0", Date().addingTimeInterval(-400 * 86400))])))
        // OSV unreachable, `auto` falls back to the bundled snapshot (2024-10-10), older than the default 7 days.
        try world.writeUserConfig(extra: ["source = \"auto\"", "http_total_timeout = 2", "http_timeout = 1"])
        let stale = BufferStream()
        #expect(await world.gate(["tinyclean==1.0"], err: stale) == 1, "\(stale.text)")
        #expect(try world.testbed.installed() == [:])
        #expect(stale.text.contains("offline database of 2024-10-10 is"), "\(stale.text)")
        #expect(stale.text.contains("alterks db update"), "\(stale.text)")

        // The user accepts old data: the install goes ahead, and the gate says where the answer came from.
        try world.writeUserConfig(
            extra: ["source = \"auto\"", "http_total_timeout = 2", "http_timeout = 1", "max_offline_age = \"3650d\""])
        let accepted = BufferStream()
        #expect(await world.gate(["tinyclean==1.0"], err: accepted) == 0, "\(accepted.text)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        #expect(accepted.text.contains("answered from the offline database of 2024-10-10"), "\(accepted.text)")
    }
}
