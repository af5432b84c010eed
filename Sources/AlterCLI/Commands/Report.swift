import AlterKit
import ArgumentParser

/// `alterks report`: the full report of an environment.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Full report of an environment: every package, verdict, findings and risk factors.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sources: SourceOptions

    @Option(name: .customLong("python"), help: "The interpreter whose environment to report on.")
    var python: String?

    @Option(help: "Output format: table, json, markdown, sarif or cyclonedx.")
    var format: OutputFormat = .table

    @Option(name: [.short, .long], help: "Write the report to this file (0600) instead of stdout.")
    var output: String?

    func run() async throws {
        let setup = try CommandSetup(global: global)
        let report = try await ScanRunner(setup: setup, mode: .scan).run(
            files: [], python: python, source: sources.choice, heuristics: true)
        try setup.emit(setup.console.render(report, as: format), output: output)
        let status = report.exitStatus(failOn: setup.configuration.failOn)
        if status != .clean { throw ExitCode(status.rawValue) }
    }
}
