import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The gate's final install runs in an interpreter started ahead (`PreparedPip`): it must run pip exactly as the
/// launcher would, for the one command it was prepared for, and nothing when it is discarded. (Every gate
/// end-to-end test installs through it too: `LogFileLauncher` prepares as the real launcher does.)
@Suite struct PreparedPipTests {
    @Test(
        "the prepared interpreter runs pip once, with the argv and environment it was prepared for",
        arguments: TestPip.all)
    func runsPipOnce(pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("prepared", pip: pip)
        defer { testbed.remove() }
        let environment = testbed.environment
        let prepared = try #require(testbed.launcher().prepare(.executable(testbed.pip), environment: environment))
        defer { prepared.discard() }
        var other = environment
        other["PIP_NO_DEPS"] = "1"
        #expect(await prepared.run(testbed.pip, ["--version"], environment: other) == nil)
        #expect(await prepared.run("/bin/true", ["--version"], environment: environment) == nil)
        #expect(await prepared.run(testbed.pip, ["--version"], environment: environment) == 0)
        let expected = pip == .machine ? "pip 23.2.1 from " : "pip 26.3 from "
        #expect(testbed.logText.hasPrefix(expected), "\(testbed.logText)")
        #expect(testbed.logText.contains(testbed.venv.path))
        #expect(await prepared.run(testbed.pip, ["--version"], environment: environment) == nil)
    }

    @Test("`python -m pip` is prepared too, and pip's exit code comes back")
    func pythonDashM() async throws {
        let testbed = try await GateTestbed.make("prepared-m")
        defer { testbed.remove() }
        let python = testbed.venv.appendingPathComponent("bin/python").path
        let environment = testbed.environment
        let prepared = try #require(testbed.launcher().prepare(.python(python), environment: environment))
        defer { prepared.discard() }
        let code = await prepared.run(
            python, ["-m", "pip", "install", "--no-index", "alterks-no-such-project"], environment: environment)
        #expect(code == 1)
        #expect(testbed.logText.contains("alterks-no-such-project"), "\(testbed.logText)")
    }

    @Test("a discarded interpreter runs nothing; a pip that is not pip's launcher is never prepared")
    func discardedAndForeign() async throws {
        let testbed = try await GateTestbed.make("prepared-discard")
        defer { testbed.remove() }
        let environment = testbed.environment
        let prepared = try #require(testbed.launcher().prepare(.executable(testbed.pip), environment: environment))
        prepared.discard()
        #expect(await prepared.run(testbed.pip, ["--version"], environment: environment) == nil)
        #expect(testbed.logText.isEmpty)

        let foreign = testbed.root.appendingPathComponent("pip")
        let python = testbed.venv.appendingPathComponent("bin/python").path
        try Data("#!\(python)\nimport evil\nevil.main()\n".utf8).write(to: foreign)
        #expect(testbed.launcher().prepare(.executable(foreign.path), environment: environment) == nil)
    }
}
