import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks gate`, `alterks install` and `alterks quarantine …` run in-process against the real pip.
@Suite struct GateCommandTests {
    func context(_ testbed: GateTestbed, engine: FakeEngine?, out: BufferStream, err: BufferStream) -> CLIContext {
        let environment = testbed.environment
        return CLIContext(
            stdout: out, stderr: err, environment: environment, currentDirectory: testbed.root.path,
            makeServices: { diagnostics in
                Services(
                    http: NoHTTPClient(), clock: SystemClock(), processes: PosixProcessRunner(),
                    environment: environment, diagnostics: diagnostics)
            },
            makeGateDecider: { _, _ in
                guard let engine else { throw GateError.engineNotWired }
                return engine.decider
            },
            attachedLauncher: testbed.launcher())
    }

    func run(_ arguments: [String], _ context: CLIContext) async -> Int32 {
        await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
    }

    @Test(arguments: TestPip.all) func gateInstallsWhatTheEngineAllows(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-gate", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let out = BufferStream()
        let err = BufferStream()
        let code = await run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["gamma"],
            context(testbed, engine: FakeEngine(), out: out, err: err))
        #expect(code == 0, "\(err.text)\n\(testbed.logText)")
        #expect(try testbed.installed() == ["gamma": "1.0"])
    }

    @Test(arguments: TestPip.all) func installPassesPipOptionsThroughAndBlocks(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-install", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let requirements = testbed.root.appendingPathComponent("req.txt")
        try Data("gamma\n".utf8).write(to: requirements)
        let out = BufferStream()
        let err = BufferStream()
        let code = await run(
            ["install", "--pip", testbed.pip, "-r", requirements.path] + testbed.indexOptions,
            context(testbed, engine: FakeEngine(actions: ["gamma": .block]), out: out, err: err))
        #expect(code == 1)
        #expect(err.text.contains("BLOCKED gamma 1.0: test says block"), "\(err.text)")
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func anSdistIsRefusedUntilSourceBuildsAreAllowedForTheCommand(_ pip: TestPip)
        async throws
    {
        let testbed = try await GateTestbed.make("cli-sdist", pip: pip)
        defer { testbed.remove() }
        let marker = testbed.root.appendingPathComponent("build-code-ran")
        try testbed.wheels.buildingSdist(name: "omega", version: "1.0", marker: marker)
        let err = BufferStream()
        let code = await run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["omega"],
            context(testbed, engine: FakeEngine(), out: BufferStream(), err: err))
        #expect(code == 1)
        #expect(err.text.contains("not installing: omega (1.0) is only available as source"), "\(err.text)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        #expect(try testbed.installed() == [:])

        // The shim's way: the variable for one command.
        var allowing = context(testbed, engine: FakeEngine(), out: BufferStream(), err: BufferStream())
        allowing.environment["ALTERKS_ALLOW_SOURCE_BUILDS"] = "1"
        let allowed = await run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["omega"], allowing)
        #expect(allowed == 0, "\(testbed.logText)")
        #expect(FileManager.default.fileExists(atPath: marker.path))
        #expect(try testbed.installed() == ["omega": "1.0"])
    }

    @Test(arguments: TestPip.all) func installTakesAllowSourceBuilds(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-sdist-flag", pip: pip)
        defer { testbed.remove() }
        let marker = testbed.root.appendingPathComponent("build-code-ran")
        try testbed.wheels.buildingSdist(name: "omega", version: "1.0", marker: marker)
        let err = BufferStream()
        let code = await run(
            ["install", "--allow-source-builds", "--pip", testbed.pip, "omega"] + testbed.indexOptions,
            context(testbed, engine: FakeEngine(), out: BufferStream(), err: err))
        #expect(code == 0, "\(err.text)\n\(testbed.logText)")
        #expect(err.text.contains("source builds allowed (--allow-source-builds)"), "\(err.text)")
        #expect(try testbed.installed() == ["omega": "1.0"])
    }

    @Test(arguments: TestPip.all) func installDryRunListsVerdictsAndInstallsNothing(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-dry", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let out = BufferStream()
        let err = BufferStream()
        let code = await run(
            ["install", "--dry-run", "--pip", testbed.pip, "gamma"] + testbed.indexOptions,
            context(testbed, engine: FakeEngine(), out: out, err: err))
        #expect(code == 0, "\(err.text)")
        #expect(out.text == "ALLOW\tgamma\t1.0\n")
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func withoutAnEngineNothingIsInstalled(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-unwired", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        let err = BufferStream()
        let code = await run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["gamma"],
            context(testbed, engine: nil, out: BufferStream(), err: err))
        #expect(code == 3)
        #expect(err.text.contains("not wired"))
        #expect(try testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func quarantineListInspectRemove(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("cli-quarantine", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(
            name: "reqeusts", version: "2.0", extraFiles: ["reqeusts_hook.pth": "import reqeusts\n"])
        let engine = FakeEngine(actions: ["reqeusts": .quarantine])
        let err = BufferStream()
        let code = await run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["reqeusts"],
            context(testbed, engine: engine, out: BufferStream(), err: err))
        #expect(code == 1)
        #expect(err.text.contains("QUARANTINED reqeusts 2.0"), "\(err.text)")
        #expect(try testbed.installed() == [:])

        let list = BufferStream()
        #expect(await run(["quarantine", "list"], context(testbed, engine: nil, out: list, err: BufferStream())) == 0)
        #expect(list.text.contains("reqeusts\t2.0\t"), "\(list.text)")
        #expect(list.text.contains("test says quarantine"))

        let inspect = BufferStream()
        #expect(
            await run(["quarantine", "inspect", "reqeusts"], context(testbed, engine: nil, out: inspect, err: err))
                == 0)
        #expect(inspect.text.contains("reqeusts_hook.pth"), "\(inspect.text)")
        #expect(inspect.text.contains("QUARANTINE: test says quarantine"))

        // Still flagged: release refused with exit 1.
        #expect(
            await run(
                ["quarantine", "release", "reqeusts"], context(testbed, engine: engine, out: BufferStream(), err: err))
                == 1)
        #expect(
            await run(
                ["quarantine", "remove", "reqeusts", "2.0"],
                context(testbed, engine: nil, out: BufferStream(), err: err)) == 0)
        let after = BufferStream()
        #expect(await run(["quarantine", "list"], context(testbed, engine: nil, out: after, err: err)) == 0)
        #expect(after.text == "nothing in quarantine\n")
    }
}

extension GateCommandTests {
    @Test func anOptionAfterTheDoubleDashIsRefusedBeforeAnythingRuns() async {
        let err = BufferStream()
        var context = CLIContext.live
        context.stderr = err
        context.makeGateDecider = { _, _ in throw GateError.engineNotWired }
        context.attachedLauncher = RefusingLauncher()
        let code = await CLIContext.$current.withValue(context) {
            await AlterKSMain.run(["install", "--pip", "/bin/false", "--", "--index-url=https://evil.example/simple"])
        }
        #expect(code == 2)
        #expect(err.text.contains("an option where a requirement belongs; nothing was run"), "\(err.text)")
    }
}

struct RefusingLauncher: AttachedProcessLauncher {
    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
        Issue.record("ran \(executable)")
        return 99
    }
}

struct NoHTTPClient: HTTPClient {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPError.transport(url: request.url, message: "no HTTP in this test")
    }
}
