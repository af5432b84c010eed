import AlterKit
import ArgumentParser
import PythonCodeAnalysis

/// `--format` of `alterks inspect`.
package enum InspectFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json
}

/// `alterks inspect`: Inspect one artifact (wheel/sdist path, URL or NAME==VERSION) without running it.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Inspect one artifact (wheel/sdist path, URL or NAME==VERSION) without running it.",
        discussion: """
            Reads the artifact as a stream (never extracted, built or run) and reports .pth files that run code, \
            install-time code (setup.py, in-tree build backends) that reaches the network, spawns processes, reads \
            credentials or writes outside the build, obfuscated or encoded code, native binaries in pure-Python \
            wheels, RECORD mismatches, entry points shadowing common commands and archive limit hits. \
            NAME==VERSION is resolved through the index's JSON API (pypi_url or ALTERKS_PYPI_URL, default https://pypi.org) \
            and the download is checked against the index's sha256 before it is read; artifacts are cached by hash.

            Exit codes: 0 nothing high or critical; 1 a high or critical finding; 2 bad input; 3 the artifact \
            could not be fetched or read.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A wheel or sdist path, an installed .dist-info directory, a URL, or NAME==VERSION.")
    var target: String

    @Option(help: "Output format: table or json.")
    var format: InspectFormat = .table

    @Option(name: .customLong("sha256"), help: "The sha256 the downloaded artifact must have (URL targets).")
    var sha256: String?

    @Option(help: "Compare with this earlier artifact (same forms as the target) and report what is new.")
    var previous: String?

    @Flag(name: .customLong("diff-previous"), help: "For NAME==VERSION: compare with the previous release.")
    var diffPrevious = false

    @Option(help: "For NAME==VERSION: the release file to inspect (default: a pure wheel, else the sdist).")
    var artifact: String?

    func run() async throws {
        let context = CLIContext.current
        // The configuration's index (`pypi_url`, `ALTERKS_PYPI_URL`) and the gate's own artifact cache.
        let setup = try CommandSetup(global: global, context: context)
        let console = setup.console
        let services = setup.services
        var locator = PyPIArtifactLocator(environment: [:], http: services.http)
        locator.baseURL = setup.configuration.pypiURL
        let service = InspectService(
            store: ArtifactStore(directory: setup.builder.cacheDirectory + "/artifacts", http: services.http),
            locator: locator)
        let outcome = try await service.run(
            InspectRequest(
                target: target, expectedSHA256: sha256, previous: previous, diffPrevious: diffPrevious,
                artifactName: artifact, currentDirectory: context.currentDirectory))
        if let note = outcome.note { console.emit(Diagnostic(.info, note)) }
        switch format {
        case .json: console.out(InspectionRenderer.json(outcome.inspection, diff: outcome.diff))
        case .table:
            let width = context.stdout.terminalColumns ?? context.environment["COLUMNS"].flatMap(Int.init) ?? 100
            context.stdout.write(
                InspectionRenderer.table(outcome.inspection, diff: outcome.diff, width: max(width, 60)))
        }
        let worst = (outcome.inspection.findings + (outcome.diff?.findings ?? [])).maxSeverity
        if let worst, worst >= .high { throw ExitCode(ExitStatus.findings.rawValue) }
    }
}
