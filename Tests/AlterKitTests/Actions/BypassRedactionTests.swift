import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// `ALTERKS_BYPASS=1` says loudly what runs and logs it, without the index password (issue #14, item 8).
@Suite struct BypassRedactionTests {
    @Test(arguments: [
        ("https://user:s3cret@pypi.example/simple", "https://user:****@pypi.example/simple"),
        ("--extra-index-url=https://tok3n@pypi.example/simple", "--extra-index-url=https://****@pypi.example/simple"),
        ("https://pypi.example/simple?x=a@b", "https://pypi.example/simple?x=a@b"),
        ("django==4.2", "django==4.2"),
    ])
    func urlsAreRedactedAsPipDoes(raw: String, shown: String) {
        #expect(CredentialRedaction.redact(raw) == shown)
    }

    @Test(arguments: TestPip.all)
    func theBypassNeverShowsOrLogsAnIndexPassword(_ pip: TestPip) async throws {
        let suite = InstallGateTests()
        let testbed = try await suite.testbed("bypass-redact", pip: pip)
        defer { testbed.remove() }
        let log = try StateLog(
            path: testbed.root.appendingPathComponent("state/gate-log.sqlite3").path, diagnostics: NullDiagnostics())
        let diagnostics = DiagnosticCollector()
        // --no-index: pip never reaches the extra index, so the test stays on this machine.
        let arguments =
            ["install", "--extra-index-url", "https://user:s3cret@127.0.0.1:9/simple"] + testbed.indexOptions + [
                "gamma"
            ]
        let outcome = try await suite.gate(
            testbed, diagnostics: diagnostics, bypass: BypassRequest(source: "ALTERKS_BYPASS=1"), bypassLog: log
        ).run(pip: .executable(testbed.pip), pipArguments: arguments, decider: { throw GateError.engineNotWired })
        #expect(outcome.result == .bypassed)
        #expect(try testbed.installed() == ["gamma": "1.0"])
        let said = suite.messages(diagnostics)
        #expect(said.contains("GATE BYPASSED"))
        #expect(said.contains("https://user:****@127.0.0.1:9/simple"), "\(said)")
        #expect(!said.contains("s3cret"), "\(said)")
        let entries = try log.bypasses()
        #expect(entries.first?.arguments.contains("https://user:****@127.0.0.1:9/simple") == true)
        #expect(entries.first?.arguments.contains { $0.contains("s3cret") } == false)
        let raw = try Data(contentsOf: testbed.root.appendingPathComponent("state/gate-log.sqlite3"))
        #expect(raw.range(of: Data("s3cret".utf8)) == nil)
    }
}
