import AlterKit
import ArgumentParser

/// `alterks install`: the gate as an explicit command.
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install packages through the AlterKS gate (same as pip install behind the shim).",
        discussion: """
            alterks install PKG… [-r FILE] [pip install options]: pip resolves (a dry run), every distribution of \
            the resolution is checked, then pip installs exactly what was checked — or nothing. --dry-run only \
            checks. ALTERKS_BYPASS=1 or --bypass skips the gate for one command (said loudly, and logged). pip \
            resolves wheels only: a package that only offers a source distribution is refused, since building it \
            runs its code before the gate decides; --allow-source-builds (or ALTERKS_ALLOW_SOURCE_BUILDS=1, or \
            allow_source_builds = true in [tool.alterks]) lets pip build it.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("dry-run"), help: "Check and report; install and quarantine nothing.")
    var dryRun = false

    @Flag(help: "Skip the gate for this command: no check at all (logged).")
    var bypass = false

    @Flag(
        name: .customLong("allow-source-builds"),
        help: "Let pip build source distributions (their setup.py / build backend runs before the gate decides).")
    var allowSourceBuilds = false

    @Option(name: .customLong("pip"), help: "The real pip to use (default: the active venv's, else the first on PATH).")
    var pip: String?

    @Argument(parsing: .allUnrecognized, help: "Requirements and pip install options.")
    var arguments: [String] = []

    func run() async throws {
        let runner = GateRunner(global: global)
        let command = try runner.locatePip(explicit: pip)
        try await runner.run(
            pip: command, pipArguments: ["install"] + arguments, bypass: runner.bypassRequest(flag: bypass),
            gateOnly: dryRun, allowSourceBuilds: runner.allowSourceBuilds(flag: allowSourceBuilds))
    }
}
