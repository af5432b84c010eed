import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The built `pip` shim binary against the real pip of a real venv, and the bash integration.
@Suite struct ShimBinaryTests {
    /// A testbed with the shim installed as `shims/pip`, `pip3`, `pip3.11` (a copy, as install.sh does).
    func setUp(_ label: String, pip: TestPip) async throws -> (GateTestbed, URL) {
        let shimBinary = try #require(
            BuiltProducts.executable("pip"), "the pip shim is not built in \(BuiltProducts.directory.path)")
        let testbed = try await GateTestbed.make(label, pip: pip)
        let shims = testbed.root.appendingPathComponent("shims")
        try FileManager.default.createDirectory(at: shims, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: shimBinary, to: shims.appendingPathComponent("pip"))
        for name in ["pip3", "pip3.11"] {
            try FileManager.default.createSymbolicLink(
                atPath: shims.appendingPathComponent(name).path, withDestinationPath: "pip")
        }
        return (testbed, shims)
    }

    func environment(_ testbed: GateTestbed, path: String, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = testbed.environment
        environment["PATH"] = path
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    static let passThroughCommands: [[String]] = [
        ["--version"], ["list"], ["list", "--format", "json"], ["show", "pip"], ["show", "no-such-project"],
        ["install", "--help"], ["frobnicate"], ["freeze", "--all"],
    ]

    @Test(arguments: TestPip.all) func passThroughIsByteIdenticalToTheRealPip(_ pip: TestPip) async throws {
        let (testbed, shims) = try await setUp("passthrough", pip: pip)
        defer { testbed.remove() }
        let venvBin = testbed.venv.appendingPathComponent("bin").path
        // The shims folder twice on PATH (once through a symlink): still no recursion.
        let alias = testbed.root.appendingPathComponent("alias")
        try FileManager.default.createSymbolicLink(atPath: alias.path, withDestinationPath: shims.path)
        let path = "\(shims.path):\(alias.path):\(venvBin):/usr/bin:/bin"
        let environment = environment(testbed, path: path)
        for arguments in Self.passThroughCommands {
            let real = try runProcess(testbed.pip, arguments, environment: environment)
            let shim = try runProcess(shims.appendingPathComponent("pip").path, arguments, environment: environment)
            #expect(shim.status == real.status, "\(arguments)")
            #expect(shim.stdoutData == real.stdoutData, "\(arguments)")
            #expect(shim.stderr == real.stderr, "\(arguments)")
            #expect(!real.stdout.isEmpty || !real.stderr.isEmpty, "\(arguments)")
        }
    }

    @Test(arguments: TestPip.all) func anotherCopyOfTheShimOnPathIsSkipped(_ pip: TestPip) async throws {
        let (testbed, shims) = try await setUp("two-copies", pip: pip)
        defer { testbed.remove() }
        let second = testbed.root.appendingPathComponent("shims2")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: shims.appendingPathComponent("pip"), to: second.appendingPathComponent("pip"))
        let venvBin = testbed.venv.appendingPathComponent("bin").path
        let environment = environment(testbed, path: "\(shims.path):\(second.path):\(venvBin)")
        let result = try runProcess(shims.appendingPathComponent("pip").path, ["--version"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(testbed.venv.path))
    }

    @Test(arguments: TestPip.all) func noRealPipIsAClearError(_ pip: TestPip) async throws {
        let (testbed, shims) = try await setUp("no-pip", pip: pip)
        defer { testbed.remove() }
        let result = try runProcess(
            shims.appendingPathComponent("pip").path, ["--version"],
            environment: environment(testbed, path: shims.path))
        #expect(result.status == 127)
        #expect(result.stderr.contains("no real pip found on PATH"))
    }

    @Test(arguments: TestPip.all)
    func aVulnerableInstallThroughTheShimIsBlockedByTheEngine(_ pip: TestPip) async throws {
        let (testbed, shims) = try await setUp("shim-engine", pip: pip)
        defer { testbed.remove() }
        let alterks = try #require(BuiltProducts.executable("alterks"))
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        // The real engine in the alterks binary, with advisories and metadata from loopback doubles.
        let osv = try OSVDouble(records: [
            OSVRecords.record(
                "PYSEC-2099-7", package: "gamma", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
                label: "HIGH")
        ])
        defer { osv.server.stop() }
        let pypi = try PyPIDouble()
        defer { pypi.server.stop() }
        try GateTestbed.writeConfig(
            in: testbed.root, osvURL: osv.baseURL, pypiURL: pypi.baseURL, extra: ["min_release_age = 0"])
        let venvBin = testbed.venv.appendingPathComponent("bin").path
        let environment = environment(
            testbed, path: "\(shims.path):\(venvBin):/usr/bin:/bin", ["ALTERKS_BIN": alterks.path])
        let result = try runProcess(
            shims.appendingPathComponent("pip").path, ["install"] + testbed.indexOptions + ["gamma"],
            environment: environment, currentDirectory: testbed.root)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("PYSEC-2099-7"), "\(result.stderr)")
        #expect(try testbed.installed() == [:])
        #expect(osv.batchRequests == 1)

        // The escape hatch: loud, logged, installs.
        var bypass = environment
        bypass["ALTERKS_BYPASS"] = "1"
        let bypassed = try runProcess(
            shims.appendingPathComponent("pip").path, ["install"] + testbed.indexOptions + ["gamma"],
            environment: bypass, currentDirectory: testbed.root)
        #expect(bypassed.status == 0, "\(bypassed.stderr)")
        #expect(bypassed.stderr.contains("GATE BYPASSED (ALTERKS_BYPASS=1)"))
        #expect(try testbed.installed() == ["gamma": "1.0"])
        let log = try StateLog(
            path: testbed.root.appendingPathComponent("state/alterks/gate-log.sqlite3").path,
            diagnostics: NullDiagnostics())
        #expect(try log.bypasses().map(\.source) == ["ALTERKS_BYPASS=1"])
    }

    /// Runs `script` in `shell` with the shims and a recorder standing in for alterks; returns the shell's result
    /// and what the recorder saw (one line per `alterks` call).
    func runShell(_ shell: [String], script: (GateTestbed) -> String) async throws -> (
        GateTestbed, (status: Int32, stdout: String, stderr: String, stdoutData: Data), [String]
    ) {
        // Shell activation is about PATH, not pip: the machine's pip only.
        let (testbed, shims) = try await setUp("shell", pip: .machine)
        let recorder = testbed.root.appendingPathComponent("record-alterks")
        let records = testbed.root.appendingPathComponent("records.txt")
        try Data(
            """
            #!/bin/sh
            printf '%s|' "$@" >> '\(records.path)'
            echo >> '\(records.path)'

            """.utf8
        ).write(to: recorder)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: recorder.path)
        var environment = environment(
            testbed, path: "/usr/bin:/bin:\(testbed.root.path)/elsewhere",
            ["ALTERKS_SHIMS": shims.path, "ALTERKS_BIN": recorder.path, "HOME": testbed.root.path])
        environment.removeValue(forKey: "PROMPT_COMMAND")
        let result = try runProcess(shell[0], Array(shell.dropFirst()) + [script(testbed)], environment: environment)
        let recorded =
            ((try? String(contentsOf: records, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        return (testbed, result, recorded)
    }

    func expectGated(_ testbed: GateTestbed, _ recorded: [String]) {
        let venv = testbed.venv.path
        #expect(
            recorded == [
                "gate|--pip|\(venv)/bin/pip|--|install|one|",
                "gate|--pip|\(venv)/bin/pip3.11|--|install|two|",
                "gate|--pip-python|\(venv)/bin/python|--|install|three|",
                "gate|--pip-python|\(venv)/bin/python3|--|install|-U|four|",
                "gate|--pip|\(venv)/bin/pip|--|install|five|",
            ])
    }

    func shellScript(_ file: String) -> String {
        TestPaths.packageRoot.appendingPathComponent("shell/\(file)").path
    }

    @Test func bashActivationSurvivesVenvActivationAndDeactivationRestoresPath() async throws {
        let (testbed, result, recorded) = try await runShell(["/bin/bash", "--noprofile", "--norc", "-c"]) { testbed in
            """
            set -u
            orig="$PATH"
            source '\(shellScript("alterks.bash"))' || exit 20
            [ "${PATH%%:*}" = "$ALTERKS_SHIMS" ] || exit 21
            source '\(testbed.venv.path)/bin/activate'
            type -a pip | head -1
            pip install one
            pip3.11 install two
            python -m pip install three
            python3 -m pip install -U four
            bash -c 'pip install five'
            pip --version
            python -m pip --version
            deactivate
            alterks-deactivate
            [ "$PATH" = "$orig" ] || { echo "PATH not restored: $PATH"; exit 22; }
            type pip 2>/dev/null | head -1
            """
        }
        defer { testbed.remove() }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "pip is a function")
        #expect(lines.filter { $0.contains("from \(testbed.venv.path)/lib/python3.11/site-packages/pip") }.count == 2)
        expectGated(testbed, recorded)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh")))
    func zshActivationSurvivesVenvActivationAndDeactivationRestoresPath() async throws {
        let (testbed, result, recorded) = try await runShell(["/usr/bin/zsh", "-f", "-c"]) { testbed in
            """
            orig="$PATH"
            source '\(shellScript("alterks.zsh"))' || exit 20
            [[ ${PATH%%:*} == $ALTERKS_SHIMS ]] || exit 21
            source '\(testbed.venv.path)/bin/activate'
            whence -w pip
            pip install one
            pip3.11 install two
            python -m pip install three
            python3 -m pip install -U four
            zsh -f -c 'pip install five'
            pip --version
            deactivate
            alterks-deactivate
            [[ $PATH == "$orig" ]] || { echo "PATH not restored: $PATH"; exit 22 }
            whence -w pip
            """
        }
        defer { testbed.remove() }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "pip: function")
        #expect(lines.last == "pip: none" || lines.last == "pip: command")
        expectGated(testbed, recorded)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fish")))
    func fishActivationSurvivesVenvActivationAndDeactivationRestoresPath() async throws {
        let (testbed, result, recorded) = try await runShell(["/usr/bin/fish", "--no-config", "-c"]) { testbed in
            """
            set orig (string join : -- $PATH)
            source '\(shellScript("alterks.fish"))'; or exit 20
            test "$PATH[1]" = "$ALTERKS_SHIMS"; or exit 21
            source '\(testbed.venv.path)/bin/activate.fish'
            type -t pip
            pip install one
            pip3.11 install two
            python -m pip install three
            python3 -m pip install -U four
            fish --no-config -c 'pip install five'
            pip --version
            deactivate
            alterks-deactivate
            set now (string join : -- $PATH)
            test "$now" = "$orig"; or begin; echo "PATH not restored: $now"; exit 22; end
            functions -q pip; and echo "pip function left"
            echo done
            """
        }
        defer { testbed.remove() }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "function")
        #expect(lines.last == "done")
        #expect(!lines.contains("pip function left"))
        expectGated(testbed, recorded)
    }
}
