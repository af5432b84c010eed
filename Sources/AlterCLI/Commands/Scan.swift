import AlterKit
import ArgumentParser

/// `alterks scan`: one verdict per package of an environment or an input file.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan an environment, requirements file, pyproject or lockfile for vulnerable and risky packages.",
        discussion: """
            Without a file, scans the installed environment of --python (default: the active virtualenv, else \
            python3 on PATH). Files are recognised by name: requirements*.txt/*.in, pyproject.toml, poetry.lock, \
            uv.lock, Pipfile.lock, pylock.toml, pdm.lock.

            Requirements files and pyproject.toml dependencies are resolved the way pip would install them, for \
            --python: pip's dry run (wheels only: nothing is built; installed packages ignored; the files' index \
            options), and the whole resolution is scanned, dependencies marked as such. A resolution failure stops \
            the scan (exit 3). --no-deps scans only the pinned requirements as written, without pip. Lockfiles are \
            scanned as locked.

            \(ExitStatus.documentation)
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sources: SourceOptions

    @Option(
        name: .customLong("python"),
        help: "The interpreter whose installed packages to scan, or for which to resolve input files.")
    var python: String?

    @Flag(
        name: .customLong("no-deps"),
        help: "Scan only the pinned requirements of the files as written: no resolution, no dependencies.")
    var noDeps = false

    @Option(name: [.customShort("r"), .customLong("requirement")], help: "A requirements file (repeatable).")
    var requirements: [String] = []

    @Argument(help: "A requirements file, pyproject.toml or lockfile.")
    var file: String?

    @Option(help: "Output format: table, json, markdown, sarif or cyclonedx.")
    var format: OutputFormat = .table

    @Option(name: [.short, .long], help: "Write the report to this file (0600) instead of stdout.")
    var output: String?

    @Option(
        name: .customLong("fail-on"),
        help: "Exit 1 when any verdict is at least this: block (default), quarantine or alert.")
    var failOn: Action?

    @Flag(name: .customLong("no-heuristics"), help: "Vulnerabilities only: skip the heuristic risk engine.")
    var noHeuristics = false

    func validate() throws {
        if python != nil && noDeps && (file != nil || !requirements.isEmpty) {
            throw ValidationError("--python resolves input files; with --no-deps nothing is resolved")
        }
    }

    func run() async throws {
        let setup = try CommandSetup(global: global)
        let report = try await ScanRunner(setup: setup, mode: .scan).run(
            files: requirements + (file.map { [$0] } ?? []), python: python, source: sources.choice,
            heuristics: !noHeuristics, resolve: !noDeps)
        try setup.emit(setup.console.render(report, as: format), output: output)
        var status = report.exitStatus(failOn: failOn ?? setup.configuration.failOn)
        if status == .sourceFailure {
            for line in ScanRunner.failureSummary(report) { setup.console.err("alterks: \(line)") }
        }
        // Everything skipped (unpinned names, editables …) means nothing was checked: incomplete, never clean.
        if report.results.isEmpty && !report.skipped.isEmpty {
            setup.console.err(
                "alterks: nothing was checked: \(report.skipped.count) package(s) skipped "
                    + "(\(report.skipped[0].reason)) — the result is incomplete, not clean")
            status = .sourceFailure
        }
        if status != .clean { throw ExitCode(status.rawValue) }
    }
}

/// Runs a scan for `scan`, `report` and `monitor`: inventory, engine, report.
struct ScanRunner {
    let setup: CommandSetup
    let mode: PolicyMode

    /// `resolve`: requirements files and pyproject.toml are resolved with pip for `python` (see `ScanResolver`);
    /// otherwise their pinned requirements are read as written.
    func run(
        files: [String], python: String?, source: AdvisorySourceChoice?, heuristics: Bool, resolve: Bool = false
    ) async throws -> ScanReport {
        let (inventory, targets) =
            resolve && !files.isEmpty
            ? try await resolvedInventory(files: files, python: python)
            : try await setup.inventory(files: files, python: python)
        let offline = (source ?? setup.configuration.source) == .offline
        var risk: (any RiskAssessor)? = heuristics ? setup.builder.riskAssessor(offline: offline) : nil
        // An installed environment has code to read: each distribution's files, as its RECORD lists them.
        if heuristics && files.isEmpty { risk = setup.builder.codeAssessor(wrapping: risk, modes: [mode]) }
        let engine = setup.builder.scanEngine(mode: mode, source: source, risk: risk)
        let count = inventory.dependencies.count
        setup.console.progress(ProgressStep(stage: "packages resolved", done: count, total: count))
        defer { setup.console.endProgress() }
        return await engine.scan(inventory.dependencies, targets: targets, skipped: inventory.skipped)
    }

    /// The files read; requirements files and pyproject.toml resolved together with pip, lockfiles as locked.
    func resolvedInventory(files: [String], python: String?) async throws -> (inventory: Inventory, targets: [String]) {
        let resolvable: Set<InventoryLoader.Format> = [.requirements, .pyproject]
        let toResolve = files.filter { InventoryLoader.format(of: $0).map(resolvable.contains) ?? false }
        let lockfiles = files.filter { !toResolve.contains($0) }
        // No file at all would mean the installed environment: lockfiles are read only when there are some.
        var merged =
            lockfiles.isEmpty ? Inventory() : try await setup.inventory(files: lockfiles, python: nil).inventory
        guard !toResolve.isEmpty else { return (merged, files) }
        var asked: [(inventory: Inventory, file: String)] = []
        for file in toResolve {
            asked.append((try await setup.inventory(files: [file], python: nil).inventory, setup.absolute(file)))
        }
        let temporary = setup.console.context.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        let resolver = ScanResolver(
            services: setup.services, python: python.map(setup.absolute), temporaryDirectory: temporary)
        let resolved = try await resolver.resolve(asked)
        merged.dependencies += resolved.dependencies
        merged.skipped += resolved.skipped
        merged.sources += resolved.sources
        return (merged, files)
    }

    /// One line per source failure, for stderr: which source failed, for how many packages, and why.
    static func failureSummary(_ report: ScanReport) -> [String] {
        var bySource: [String: (count: Int, message: String)] = [:]
        for failure in report.results.flatMap(\.failures) {
            let entry = bySource[failure.source]
            bySource[failure.source] = ((entry?.count ?? 0) + 1, entry?.message ?? failure.message)
        }
        return bySource.sorted { $0.key < $1.key }.map {
            "data source \($0.key) could not answer for \($0.value.count) package(s): \($0.value.message) — "
                + "the result is incomplete, not clean"
        }
    }
}
