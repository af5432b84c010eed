import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `source shell/alterks.{bash,zsh,fish}` in a checkout after `swift build -c release`: the scripts find the
/// release folder beside them (`.build/release`, here links to the test run's own `pip` and `alterks`), gate every
/// pip name through it and put `alterks` itself on PATH; with no build they say where they looked.
@Suite struct ShellCheckoutTests {
    enum Shell: String, CaseIterable, Sendable {
        case bash, zsh, fish

        var arguments: [String] {
            switch self {
            case .bash: ["--noprofile", "--norc", "-c"]
            case .zsh: ["-f", "-c"]
            case .fish: ["--no-config", "-c"]
            }
        }

        /// Sources the script, prints where `alterks` and `pip3` are and what they answer, then deactivates and
        /// prints whether `alterks` is still found.
        var script: String {
            switch self {
            case .bash, .zsh:
                // `pip3` is a function once active: ask for the file PATH finds.
                let file = self == .bash ? "type -P" : "whence -p"
                return """
                    source shell/alterks.\(rawValue) || exit 20
                    echo "shims=$ALTERKS_SHIMS"
                    echo "alterks=$(\(file) alterks)"
                    echo "pip3=$(\(file) pip3)"
                    alterks --version || exit 21
                    pip --version || exit 22
                    alterks-deactivate
                    command -v alterks >/dev/null && echo "alterks left on PATH"
                    echo done
                    """
            case .fish:
                return """
                    source shell/alterks.fish; or exit 20
                    echo "shims=$ALTERKS_SHIMS"
                    echo "alterks="(command -s alterks)
                    echo "pip3="(command -s pip3)
                    alterks --version; or exit 21
                    pip --version; or exit 22
                    alterks-deactivate
                    command -sq alterks; and echo "alterks left on PATH"
                    echo done
                    """
            }
        }
    }

    /// The shell's executable on PATH, or a failure naming the package to install.
    static func shell(_ shell: Shell) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return try #require(
            which(shell.rawValue, path: path),
            "\(shell.rawValue) is not on PATH (\(path)): apt install \(shell.rawValue)")
    }

    /// A checkout holding the shell scripts; `built` adds `.build/release/{pip,alterks}`.
    static func checkout(built: Bool) throws -> URL {
        let root = try TestPaths.temporaryDirectory("alterks-checkout").resolvingSymlinksInPath()
        let fileManager = FileManager.default
        let shell = root.appendingPathComponent("shell")
        try fileManager.createDirectory(at: shell, withIntermediateDirectories: true)
        let scripts = TestPaths.packageRoot.appendingPathComponent("shell")
        for name in try fileManager.contentsOfDirectory(atPath: scripts.path) {
            try fileManager.copyItem(at: scripts.appendingPathComponent(name), to: shell.appendingPathComponent(name))
        }
        if built {
            let release = root.appendingPathComponent(".build/release")
            try fileManager.createDirectory(at: release, withIntermediateDirectories: true)
            for name in ["pip", "alterks"] {
                let product = try #require(BuiltProducts.executable(name), "\(name) is not built")
                try fileManager.createSymbolicLink(
                    at: release.appendingPathComponent(name), withDestinationURL: product)
            }
        }
        return root
    }

    static func environment(_ root: URL, path: String) -> [String: String] {
        var environment = PythonEnvironments.hermeticEnvironment(["PATH": path, "HOME": root.path])
        for key in ["PROMPT_COMMAND", "ZDOTDIR", "XDG_CONFIG_HOME"] { environment.removeValue(forKey: key) }
        return environment
    }

    @Test(arguments: Shell.allCases) func activatesFromAReleaseBuildInTheCheckout(_ shell: Shell) async throws {
        let executable = try Self.shell(shell)
        let root = try Self.checkout(built: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let venv = try await PythonEnvironments.shared.makeVenv(at: root.appendingPathComponent("venv"))
        let result = try runProcess(
            executable, shell.arguments + [shell.script],
            environment: Self.environment(root, path: "\(venv.path)/bin:/usr/bin:/bin"), currentDirectory: root)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let shims = root.appendingPathComponent(".build/release/alterks-shims").path
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("shims=\(shims)"), "\(lines)")
        #expect(lines.contains("alterks=\(shims)/alterks"), "\(lines)")
        #expect(lines.contains("pip3=\(shims)/pip3"), "\(lines)")
        // `alterks --version` ran, and `pip --version` passed through the shim to the venv's real pip.
        #expect(lines.contains { $0.first?.isNumber == true }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("pip ") && $0.contains("from \(venv.path)/lib/") }, "\(lines)")
        #expect(!lines.contains("alterks left on PATH"))
        #expect(lines.last == "done")
        // Every pip name the shims folder holds is a link to the one shim.
        let names = try FileManager.default.contentsOfDirectory(atPath: shims).sorted()
        #expect(names.contains("pip") && names.contains("pip3") && names.contains("alterks"), "\(names)")
        #expect(names.allSatisfy { $0 == "alterks" || $0.hasPrefix("pip") }, "\(names)")
    }

    @Test(arguments: Shell.allCases) func withoutABuildItSaysWhereItLooked(_ shell: Shell) throws {
        let executable = try Self.shell(shell)
        let root = try Self.checkout(built: false)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try runProcess(
            executable, shell.arguments + [shell.script], environment: Self.environment(root, path: "/usr/bin:/bin"),
            currentDirectory: root)
        #expect(result.status == 20, "\(result.stdout)\n\(result.stderr)")
        let message = result.stderr.split(separator: "\n").map(String.init)
        #expect(message.count == 1, "\(message)")
        #expect(
            message.first
                == "alterks: no pip shim found in \(root.path)/shims (an install.sh layout) nor a built pip and "
                + "alterks in \(root.path)/.build/release (a checkout: run 'swift build -c release' there first); "
                + "protection is NOT on")
    }
}
