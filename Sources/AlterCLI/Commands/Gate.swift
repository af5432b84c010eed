import AlterKit
import ArgumentParser

/// `alterks gate`: the pip shim hands every `pip install` here.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "The pip shim's install gate (used by the pip shim; same as install).",
        discussion: "alterks gate --pip REAL_PIP -- PIP_ARGUMENTS… (or --pip-python PYTHON for `python -m pip`).",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("pip"), help: "The real pip executable (absolute path).")
    var pip: String?

    @Option(name: .customLong("pip-python"), help: "Run the real pip as `PYTHON -m pip`.")
    var pipPython: String?

    @Argument(parsing: .postTerminator, help: "pip's arguments, as typed: general options, install, its arguments.")
    var pipArguments: [String] = []

    func validate() throws {
        guard (pip == nil) != (pipPython == nil) else {
            throw ValidationError("give exactly one of --pip, --pip-python")
        }
        for path in [pip, pipPython].compactMap({ $0 }) where !path.hasPrefix("/") {
            throw ValidationError("\(path): the real pip must be an absolute path")
        }
    }

    func run() async throws {
        let runner = GateRunner(global: global)
        let command: PipCommand = pip.map(PipCommand.executable) ?? .python(pipPython ?? "")
        try await runner.run(
            pip: command, pipArguments: pipArguments, bypass: runner.bypassRequest(flag: false), gateOnly: false,
            allowSourceBuilds: runner.allowSourceBuilds(flag: false))
    }
}
