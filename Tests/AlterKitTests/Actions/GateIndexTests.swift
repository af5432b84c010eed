import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The gate against a loopback PEP 691 index, under each pip (`TestPip`): the final install asks the index nothing
/// and leaves exactly what a plain `pip install` of the same files leaves; pip 26.0+ resolves the minimum release
/// age itself (`--uploaded-prior-to`), older pip through the gate's exclusions.
@Suite struct GateIndexTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let old = now.addingTimeInterval(-90 * 86400)

    /// alpha 1.0 (requires beta>=1), beta 1.0 (old) and, when `youngBeta`, beta 2.0 uploaded an hour ago.
    func index(_ testbed: GateTestbed, youngBeta: Bool = false, uploadTimes: Bool = true) throws
        -> SimpleIndexDouble
    {
        let index = try SimpleIndexDouble(uploadTimes: uploadTimes)
        try index.add(
            try testbed.wheels.wheel(name: "alpha", version: "1.0", requires: ["beta>=1"]), uploaded: Self.old)
        try index.add(try testbed.wheels.wheel(name: "beta", version: "1.0"), uploaded: Self.old)
        if youngBeta {
            try index.add(
                try testbed.wheels.wheel(name: "beta", version: "2.0"), uploaded: Self.now.addingTimeInterval(-3600))
        }
        return index
    }

    func gate(_ testbed: GateTestbed, launcher: any AttachedProcessLauncher, diagnostics: DiagnosticCollector)
        -> InstallGate
    {
        let services = Services(
            http: CurlHTTPClient(environment: [:]), clock: FixedClock(Self.now), processes: PosixProcessRunner(),
            environment: testbed.environment, diagnostics: diagnostics)
        return InstallGate(
            services: services, launcher: launcher, quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
    }

    @Test(arguments: TestPip.all)
    func theFinalInstallAsksTheIndexNothingAndLooksLikeAPlainInstall(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("index-plain", pip: pip)
        defer { testbed.remove() }
        let index = try index(testbed)
        defer { index.stop() }
        let launcher = CountingLauncher(inner: testbed.launcher()) { index.requestCount }
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, launcher: launcher, diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install", "--index-url", index.indexURL, "alpha"],
            decider: { FakeEngine().decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "1.0"])
        let launches = launcher.launches
        #expect(launches.count == 1)
        #expect(launches.allSatisfy { $0.before == $0.after }, "the final install asked the index: \(launches)")

        // A plain pip install of the same files from the same index, in a venv of the same pip.
        let plain = try await PythonEnvironments.shared.makeVenv(
            at: testbed.root.appendingPathComponent("plain"), pip: pip)
        let result = try runProcess(
            plain.appendingPathComponent("bin/python").path,
            ["-m", "pip", "install", "--quiet", "--index-url", index.indexURL, "alpha"],
            environment: testbed.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.freeze(testbed.venv) == (try Self.freeze(plain)))
        for distInfo in ["alpha-1.0.dist-info", "beta-1.0.dist-info"] {
            var gated = try Self.distInfo(testbed.venv, distInfo)
            var plainFiles = try Self.distInfo(plain, distInfo)
            if pip == .machine, distInfo.hasPrefix("beta") {
                // pip < 26 installs every verified file as a requirement (--no-deps), so the dependency is marked
                // REQUESTED too (docs/shim.md, known limits); everything else is what a plain install leaves.
                #expect(gated.removeValue(forKey: "REQUESTED") != nil)
            }
            // RECORD as a set of rows (the REQUESTED row of the case above left out).
            let rows = { (text: String?) in
                Set(
                    (text ?? "").split(whereSeparator: \.isNewline).filter {
                        !$0.hasPrefix("beta-1.0.dist-info/REQUESTED,")
                    })
            }
            #expect(rows(gated.removeValue(forKey: "RECORD")) == rows(plainFiles.removeValue(forKey: "RECORD")))
            #expect(gated == plainFiles, "\(distInfo) differs from a plain install")
            #expect(gated["INSTALLER"] == "pip\n")
            #expect(gated["direct_url.json"] == nil)
        }
    }

    @Test(arguments: TestPip.all)
    func aTooYoungReleaseIsLeftOutByPipItselfWhenItCan(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("index-age", pip: pip)
        defer { testbed.remove() }
        let index = try index(testbed, youngBeta: true)
        defer { index.stop() }
        let engine = FakeEngine(
            uploads: ["beta==2.0": Self.now.addingTimeInterval(-3600), "beta==1.0": Self.old, "alpha==1.0": Self.old],
            minReleaseAgeHours: 48)
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(testbed, launcher: testbed.launcher(), diagnostics: diagnostics).run(
            pip: .executable(testbed.pip), pipArguments: ["install", "--index-url", index.indexURL, "alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "1.0"])
        switch pip {
        case .pip26:
            // One resolution: pip never offered beta 2.0, so the engine was never asked about it.
            #expect(outcome.uploadedPriorTo == "2027-01-13T08:00:00.000000Z")
            #expect(outcome.excluded.isEmpty)
            #expect(Set(engine.askedFor) == ["alpha==1.0", "beta==1.0"])
        case .machine:
            #expect(outcome.uploadedPriorTo == nil)
            #expect(outcome.excluded.map { "\($0.name) \($0.version)" } == ["beta 2.0"])
        }
    }

    @Test(arguments: TestPip.all)
    func anIndexWithoutUploadTimesFallsBackToTheGatesOwnCheck(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("index-no-times", pip: pip)
        defer { testbed.remove() }
        let index = try index(testbed, youngBeta: true, uploadTimes: false)
        defer { index.stop() }
        let engine = FakeEngine(
            uploads: ["beta==2.0": Self.now.addingTimeInterval(-3600), "beta==1.0": Self.old, "alpha==1.0": Self.old],
            minReleaseAgeHours: 48)
        let outcome = try await gate(testbed, launcher: testbed.launcher(), diagnostics: DiagnosticCollector()).run(
            pip: .executable(testbed.pip), pipArguments: ["install", "--index-url", index.indexURL, "alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(outcome.uploadedPriorTo == nil)
        #expect(outcome.excluded.map { "\($0.name) \($0.version)" } == ["beta 2.0"])
        #expect(try testbed.installed() == ["alpha": "1.0", "beta": "1.0"])
    }

    /// `pip freeze` of a venv.
    static func freeze(_ venv: URL) throws -> String {
        let result = try runProcess(
            venv.appendingPathComponent("bin/python").path, ["-m", "pip", "freeze"],
            environment: PythonEnvironments.hermeticEnvironment())
        guard result.status == 0 else { throw TestProcessError("pip freeze failed: \(result.stderr)") }
        return result.stdout
    }

    /// The files of a `.dist-info` folder (name → text).
    static func distInfo(_ venv: URL, _ name: String) throws -> [String: String] {
        let folder = try PythonEnvironments.sitePackages(of: venv).appendingPathComponent(name)
        var files: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[file] = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        return files
    }
}

/// Runs attached processes through `inner`, noting `count()` before and after each.
final class CountingLauncher: AttachedProcessLauncher, @unchecked Sendable {
    struct Launch: Sendable, CustomStringConvertible {
        var arguments: [String]
        var before: Int
        var after: Int
        var description: String { "\(before) → \(after) requests: \(arguments.joined(separator: " "))" }
    }

    private let inner: any AttachedProcessLauncher
    private let count: @Sendable () -> Int
    private let lock = NSLock()
    private var recorded: [Launch] = []

    init(inner: any AttachedProcessLauncher, count: @escaping @Sendable () -> Int) {
        self.inner = inner
        self.count = count
    }

    var launches: [Launch] { lock.withLock { recorded } }

    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let before = count()
        let code = try await inner.run(executable, arguments, environment: environment)
        let launch = Launch(arguments: arguments, before: before, after: count())
        lock.withLock { recorded.append(launch) }
        return code
    }
}
