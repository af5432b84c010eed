import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `source shell/alterks.{bash,zsh,fish}` starts the shell's local index (the real `alterks index start`) and exports
/// the variables sending every child pip there; a venv activated afterwards and a child `sh -c "pip install …"` are
/// then gated; `alterks-deactivate` restores every variable exactly (a value, unset, or set but not exported).
@Suite struct IndexActivationTests {
    typealias Shell = ShellCheckoutTests.Shell

    /// Before activation: PIP_INDEX_URL the user's upstream (exported), UV_INDEX exported, PIP_NO_INDEX a shell
    /// variable (not exported), the rest unset. Prints what is set while active, runs the bypass, and prints the
    /// variables after deactivation.
    static func script(_ shell: Shell, upstream: String) -> String {
        let report = "PIP_INDEX_URL UV_INDEX PIP_NO_INDEX PIP_EXTRA_INDEX_URL UV_DEFAULT_INDEX ALTERKS_INDEX_URL"
        switch shell {
        case .bash, .zsh:
            let exported = shell == .bash ? "declare -p PIP_NO_INDEX" : "typeset -p PIP_NO_INDEX"
            return """
                export PIP_INDEX_URL='\(upstream)'
                export UV_INDEX='private=\(upstream)'
                PIP_NO_INDEX=no
                source shell/alterks.\(shell.rawValue) || exit 20
                echo "active=$PIP_INDEX_URL"
                source venv/bin/activate
                sh -c 'pip install tinyapp'
                echo "status=$?"
                deactivate
                alterks-deactivate
                for name in \(report); do
                    if eval "[ -n \\"\\${$name+set}\\" ]"; then
                        eval "echo \\"after $name=\\$$name\\""
                    else
                        echo "after $name unset"
                    fi
                done
                env | grep -q '^PIP_NO_INDEX=' && echo "PIP_NO_INDEX exported"
                \(exported)
                echo done
                """
        case .fish:
            return """
                set -gx PIP_INDEX_URL '\(upstream)'
                set -gx UV_INDEX 'private=\(upstream)'
                set -g PIP_NO_INDEX no
                source shell/alterks.fish; or exit 20
                echo "active=$PIP_INDEX_URL"
                source venv/bin/activate.fish
                sh -c 'pip install tinyapp'
                echo "status=$status"
                deactivate
                alterks-deactivate
                for name in \(report)
                    if set -q $name
                        echo "after $name=$$name"
                    else
                        echo "after $name unset"
                    end
                end
                env | grep -q '^PIP_NO_INDEX=' && echo "PIP_NO_INDEX exported"
                echo done
                """
        }
    }

    @Test(arguments: Shell.allCases)
    func aChildPipInAVenvIsGatedAndDeactivationRestoresEveryVariable(_ shell: Shell) async throws {
        let executable = try ShellCheckoutTests.shell(shell)
        let world = try await IndexEndToEndTests.world("index-activate", records: [IndexEndToEndTests.advisory])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let checkout = try ShellCheckoutTests.checkout(built: true)
        defer { try? FileManager.default.removeItem(at: checkout) }
        // The checkout's shell scripts, run in the testbed (its pyproject.toml sends the engine to the doubles).
        try FileManager.default.createSymbolicLink(
            at: world.testbed.root.appendingPathComponent("shell"),
            withDestinationURL: checkout.appendingPathComponent("shell"))
        var environment = world.testbed.environment
        environment["PATH"] = "/usr/bin:/bin"
        environment["HOME"] = world.testbed.root.path
        for key in ["PROMPT_COMMAND", "ZDOTDIR", "XDG_CONFIG_HOME", "ALTERKS_INDEX_URL", "ALTERKS_INDEX"] {
            environment.removeValue(forKey: key)
        }
        let result = try runProcess(
            executable, shell.arguments + [Self.script(shell, upstream: world.upstream.indexURL)],
            environment: environment, currentDirectory: world.testbed.root)
        let output = result.stdout + result.stderr
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "done", "\(output)")
        #expect(lines.contains { $0.hasPrefix("active=http://127.0.0.1:") && $0.hasSuffix("/simple/") }, "\(output)")
        #expect(!lines.contains("active=\(world.upstream.indexURL)"), "\(output)")
        #expect(lines.contains { $0.hasPrefix("status=") && $0 != "status=0" }, "\(output)")
        #expect(output.contains("alterks: BLOCKED tinydep 1.0") && output.contains("PYSEC-2099-1"), "\(output)")
        #expect(try world.testbed.installed() == [:], "\(output)")
        #expect(lines.contains("after PIP_INDEX_URL=\(world.upstream.indexURL)"), "\(output)")
        #expect(lines.contains("after UV_INDEX=private=\(world.upstream.indexURL)"), "\(output)")
        #expect(lines.contains("after PIP_NO_INDEX=no"), "\(output)")
        #expect(!lines.contains("PIP_NO_INDEX exported"), "\(output)")
        for name in ["PIP_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "ALTERKS_INDEX_URL"] {
            #expect(lines.contains("after \(name) unset"), "\(name): \(output)")
        }
    }
}
