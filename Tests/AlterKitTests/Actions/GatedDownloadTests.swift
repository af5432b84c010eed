import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `pip download` and `pip wheel` go through the gate like an install, under each pip: the same checks, the same
/// refusal of index sdists, and only verified files saved — copied from the gate's verified copies, the index never
/// asked by the final run.
@Suite struct GatedDownloadTests {
    func gate(_ testbed: GateTestbed, launcher: any AttachedProcessLauncher, diagnostics: DiagnosticCollector)
        -> InstallGate
    {
        let services = Services(
            http: CurlHTTPClient(environment: [:]), clock: FixedClock(GateIndexTests.now),
            processes: PosixProcessRunner(), environment: testbed.environment, diagnostics: diagnostics)
        return InstallGate(
            services: services, launcher: launcher, quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
    }

    func saved(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test(arguments: TestPip.all, ["download", "wheel"])
    func onlyVerifiedFilesAreSavedFromTheVerifiedCopies(_ pip: TestPip, _ command: String) async throws {
        let testbed = try await GateTestbed.make("gated-\(command)", pip: pip)
        defer { testbed.remove() }
        let index = try GateIndexTests().index(testbed)
        defer { index.stop() }
        let destination = testbed.root.appendingPathComponent("saved")
        let launcher = CountingLauncher(inner: testbed.launcher()) { index.requestCount }
        let engine = FakeEngine()
        let outcome = try await gate(testbed, launcher: launcher, diagnostics: DiagnosticCollector()).run(
            pip: .executable(testbed.pip),
            pipArguments: [
                command, "--index-url", index.indexURL, command == "download" ? "-d" : "-w", destination.path,
                "alpha",
            ],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(Set(engine.askedFor) == ["alpha==1.0", "beta==1.0"])
        #expect(
            saved(destination) == ["alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"], "\(testbed.logText)")
        for name in saved(destination) {
            #expect(
                try Data(contentsOf: destination.appendingPathComponent(name))
                    == Data(contentsOf: testbed.index.appendingPathComponent(name)))
        }
        #expect(outcome.installArguments?.first == command)
        #expect(launcher.launches.allSatisfy { $0.before == $0.after }, "\(launcher.launches)")
        // Nothing was installed.
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all, ["download", "wheel"])
    func aBlockedOrHeldDependencyIsNotSaved(_ pip: TestPip, _ command: String) async throws {
        let testbed = try await GateTestbed.make("gated-\(command)-blocked", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "alpha", version: "1.0", requires: ["beta>=1"])
        try testbed.wheels.wheel(name: "beta", version: "1.0")
        let destination = testbed.root.appendingPathComponent("saved")
        for action in [Action.block, .quarantine] {
            let engine = FakeEngine(actions: ["beta": action])
            let diagnostics = DiagnosticCollector()
            let outcome = try await gate(testbed, launcher: testbed.launcher(), diagnostics: diagnostics).run(
                pip: .executable(testbed.pip),
                pipArguments: [command] + testbed.indexOptions + [
                    command == "download" ? "-d" : "-w", destination.path, "alpha",
                ],
                decider: { engine.decider })
            #expect(outcome.result == .blocked)
            #expect(outcome.exitCode == 1)
            #expect(saved(destination).isEmpty)
            let text = diagnostics.diagnostics.map(\.message).joined(separator: "\n")
            #expect(text.contains("beta 1.0 (a dependency): test says \(action.rawValue)"), "\(text)")
        }
    }

    @Test(arguments: TestPip.all, ["download", "wheel"])
    func anIndexSdistIsRefusedAndItsCodeNeverRuns(_ pip: TestPip, _ command: String) async throws {
        let testbed = try await GateTestbed.make("gated-\(command)-sdist", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.sdist(name: "omega", version: "1.0")
        let destination = testbed.root.appendingPathComponent("saved")
        let diagnostics = DiagnosticCollector()
        let engine = FakeEngine()
        let outcome = try await gate(testbed, launcher: testbed.launcher(), diagnostics: diagnostics).run(
            pip: .executable(testbed.pip),
            pipArguments: [command] + testbed.indexOptions + [
                command == "download" ? "-d" : "-w", destination.path, "omega",
            ],
            decider: { engine.decider })
        #expect(outcome.result == .sourceBuildRefused, "\(testbed.logText)")
        #expect(outcome.exitCode == 1)
        #expect(saved(destination).isEmpty)
        #expect(engine.askedFor.isEmpty)
        let text = diagnostics.diagnostics.map(\.message).joined(separator: "\n")
        #expect(text.contains("omega (1.0) is only available as source"), "\(text)")
    }
}
