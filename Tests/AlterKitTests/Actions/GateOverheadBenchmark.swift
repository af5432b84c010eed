import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The gate's own time for a 50-package install with an engine that answers at once (a warm verdict cache), apart
/// from pip's dry run and install. Opt-in: `ALTERKS_BENCH=1 swift test --filter GateOverheadBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ALTERKS_BENCH"] == "1"))
struct GateOverheadBenchmark {
    @Test func fiftyPackages() async throws {
        let testbed = try await GateTestbed.make("bench-50")
        defer { testbed.remove() }
        let dependencies = (1..<50).map { String(format: "dep%02d", $0) }
        for name in dependencies { try testbed.wheels.wheel(name: name, version: "1.0") }
        try testbed.wheels.wheel(name: "app", version: "1.0", requires: dependencies)
        let engine = FakeEngine()
        let services = Services(
            http: NoHTTP(), clock: SystemClock(), processes: PosixProcessRunner(), environment: testbed.environment,
            diagnostics: NullDiagnostics())
        let gate = InstallGate(
            services: services, launcher: testbed.launcher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
        let outcome = try await gate.run(
            pip: .executable(testbed.pip), pipArguments: ["install"] + testbed.indexOptions + ["app"],
            decider: { engine.decider })
        #expect(outcome.result == .installed)
        #expect(outcome.items.count == 50)
        print("GateOverheadBenchmark 50 packages: \(outcome.timings)")
    }
}
