import Foundation
import PythonPackaging

/// The install gate: lets pip resolve (`install --dry-run --report`), asks the engine about every distribution
/// of that resolution, and then installs exactly what was scanned — or nothing.
///
/// - all ALLOW/ALERT: alerts are shown, then pip installs with the user's arguments pinned to the scanned
///   versions (a constraints file), or, when every distribution is an index artifact with a sha256 and the user
///   named plain requirements, from a generated `--require-hashes` requirements file pinning each artifact by hash;
/// - any BLOCK: nothing is installed; each blocked distribution is shown with its reasons (exit 1);
/// - QUARANTINE: each such distribution goes to its quarantine venv; the rest is installed only when none of it
///   depends on a quarantined one (exit 1 either way: not everything asked for was installed);
/// - a release younger than the minimum release age is excluded (`name!=version`) and pip re-resolves, falling
///   back to the newest older release; when none satisfies, nothing is installed;
/// - pip's own dry-run failure is passed through with its exit code.
package struct InstallGate: Sendable {
    /// Processes run to capture output (the dry run), the clock, diagnostics (alerts, blocks, notes), and the
    /// environment pip is given.
    package var services: Services
    /// Runs the final install attached to the terminal.
    package var launcher: any AttachedProcessLauncher
    /// Where quarantined distributions go; nil refuses to install anything that needs quarantine.
    package var quarantine: (any QuarantineService)?
    /// Where a bypass is recorded.
    package var bypassLog: (any BypassLog)?
    package var options: GateOptions
    /// Tells which pip runs (pip 26.0+ gets `--uploaded-prior-to` for the minimum release age).
    package var pipVersionProbe = PipVersionProbe.live

    package init(
        services: Services, launcher: any AttachedProcessLauncher, quarantine: (any QuarantineService)?,
        bypassLog: (any BypassLog)?, options: GateOptions
    ) {
        self.services = services
        self.launcher = launcher
        self.quarantine = quarantine
        self.bypassLog = bypassLog
        self.options = options
    }

    /// Gates `pip pipArguments` (argv without argv[0]: general options, `install`, its arguments) run through
    /// `pip`. `decider` is consulted only when the gate is not bypassed.
    package func run(pip: PipCommand, pipArguments: [String], decider: () throws -> GateDecider) async throws
        -> GateOutcome
    {
        let invocation = try PipInvocation(pipArguments: pipArguments)
        try ArgumentSafety.validate(invocation)
        if let bypass = options.bypass {
            return try await runBypassed(pip: pip, invocation: invocation, pipArguments: pipArguments, bypass: bypass)
        }
        let decider = try decider()
        let workspace = try Workspace(parent: options.temporaryDirectory)
        defer { workspace.remove() }
        let start = ContinuousClock.now
        // pip's final install from the verified files starts now, in parallel with the dry run and the engine:
        // its interpreter and pip's modules are loaded by the time the files are verified.
        var gate = self
        let prepared =
            invocation.isDryRun || !invocation.isCertain
            ? nil : launcher.prepare(pip, environment: verifiedInstallEnvironment(folder: workspace.path("files")))
        defer { prepared?.discard() }
        if let prepared { gate.launcher = PreparedLauncher(base: launcher, prepared: prepared) }
        var outcome = try await gate.gate(pip: pip, invocation: invocation, decider: decider, workspace: workspace)
        outcome.timings.total = ContinuousClock.now - start
        services.diagnostics.debug("gate timings: \(outcome.timings)")
        return outcome
    }

    /// The environment pip runs with: ours, without the shim's private hint.
    var pipEnvironment: [String: String] { Self.pipEnvironment(services.environment) }

    /// `environment` without the shim's private hints: what pip runs with.
    static func pipEnvironment(_ environment: [String: String]) -> [String: String] {
        var environment = environment
        environment.removeValue(forKey: "ALTERKS_REAL_PYTHON")
        environment.removeValue(forKey: "ALTERKS_BYPASS")
        environment.removeValue(forKey: "ALTERKS_ALLOW_SOURCE_BUILDS")
        return environment
    }

    private var diagnostics: any DiagnosticSink { services.diagnostics }

    // MARK: - The gate

    private func gate(pip: PipCommand, invocation: PipInvocation, decider: GateDecider, workspace: Workspace)
        async throws -> GateOutcome
    {
        var outcome = GateOutcome()
        var decider = decider
        let sources = try sourceBuildPlan(invocation: invocation, decider: decider)
        if let refusal = sources.refusal {
            diagnostics.emit(Diagnostic(.error, refusal))
            outcome.result = .sourceBuildRefused
            outcome.exitCode = ExitStatus.findings.rawValue
            return outcome
        }
        let wheelsOnly = sources.allowed == nil
        let store = verifiedFileStore(
            decider: decider, invocation: invocation, pip: pip, files: sources.files, workspace: workspace)
        decider.artifactStore = store
        var prefetches: [Task<Void, Never>] = []
        defer { prefetches.forEach { $0.cancel() } }
        var decided: [String: GateDecision] = [:]
        var exclusions: [String] = []
        var report: PipReport
        var round = 0
        // pip 26.0+ leaves out the releases younger than the minimum age itself: one resolution instead of one per
        // too-young release. The gate still checks every upload time afterwards.
        var priorTo = uploadedPriorTo(pip: pip, decider: decider)
        while true {
            round += 1
            let reportPath = workspace.path("report-\(round).json")
            let exclusionsPath = exclusions.isEmpty ? nil : try workspace.write("exclusions-\(round).txt", exclusions)
            let dryRunStart = ContinuousClock.now
            let dryRun = try await services.processes.run(
                pip.executable,
                pip.arguments(
                    invocation.dryRunArguments(
                        report: reportPath, exclusions: exclusionsPath, onlyBinary: wheelsOnly,
                        uploadedPriorTo: priorTo)),
                environment: pipEnvironment, currentDirectory: nil, stdin: nil)
            outcome.timings.pipDryRun += ContinuousClock.now - dryRunStart
            if dryRun.exitCode != 0, let used = priorTo {
                // An index without upload times (or an older pip after all) fails with the option: resolve as
                // before, and the gate's own check decides.
                diagnostics.debug("pip's dry run with --uploaded-prior-to \(used) failed; resolving without it")
                priorTo = nil
                round -= 1
                continue
            }
            outcome.uploadedPriorTo = priorTo
            if dryRun.exitCode != 0 {
                if wheelsOnly,
                    let refusal = try await sourceOnlyRefusal(
                        pip: pip, invocation: invocation, exclusions: exclusionsPath, failed: dryRun,
                        workspace: workspace)
                {
                    diagnostics.emit(Diagnostic(.error, refusal))
                    outcome.result = .sourceBuildRefused
                    outcome.exitCode = ExitStatus.findings.rawValue
                    return outcome
                }
                outcome.pipOutput = dryRun
                if outcome.excluded.isEmpty {
                    outcome.result = .dryRunFailed
                    outcome.exitCode = dryRun.exitCode
                    let stderr = String(decoding: dryRun.stderr, as: UTF8.self)
                    if stderr.contains("no such option: --report") || stderr.contains("no such option: --dry-run") {
                        diagnostics.emit(
                            Diagnostic(
                                .error,
                                "\(pip.display) is too old for the gate (it needs pip 22.2 or newer for "
                                    + "--dry-run --report); nothing was installed"))
                    }
                } else {
                    let list = outcome.excluded.map { "\($0.name) \($0.version)" }.joined(separator: ", ")
                    diagnostics.emit(
                        Diagnostic(
                            .error,
                            "no older release satisfies the request once the too-young releases are excluded "
                                + "(\(list)); nothing was installed. pip said:"))
                    outcome.result = .noOlderRelease
                    outcome.exitCode = ExitStatus.findings.rawValue
                }
                return outcome
            }
            do {
                let data = try FileIO.read(reportPath, limit: 256 << 20)
                report = try PipReport.parse(data, source: "pip's dry-run report")
            } catch let error as any AlterKSError {
                throw GateError.reportUnreadable(error.description)
            }
            if wheelsOnly {
                let built = SourceBuilds.builtAgainstControl(report.items, control: sources.control)
                if !built.isEmpty {
                    let list = built.map { "\($0.dependency.name) \($0.dependency.version ?? "")" }
                    diagnostics.emit(
                        Diagnostic(
                            .error,
                            "pip built \(list.joined(separator: ", ")) from source during its dry run although "
                                + "source builds are off (a pip configuration or requirements file let source in): "
                                + "its build code has already run; nothing was installed"))
                    outcome.result = .sourceBuildRefused
                    outcome.exitCode = ExitStatus.findings.rawValue
                    return outcome
                }
            }
            let engineStart = ContinuousClock.now
            prefetches.append(VerifiedFolder.prefetch(report.items, store: store, concurrency: 32))
            try await decideMissing(report.items, decider: decider, into: &decided)
            outcome.timings.engine += ContinuousClock.now - engineStart
            let young = tooYoung(report.items, decided: decided, minAgeHours: decider.minReleaseAgeHours)
            if young.isEmpty { break }
            if round > options.maxReResolutions { throw GateError.tooManyReResolutions(options.maxReResolutions) }
            for release in young {
                diagnostics.info(
                    "\(release.name) \(release.version) was uploaded \(Self.hours(release.ageHours)) ago, less than "
                        + "the minimum release age of \(Self.hours(decider.minReleaseAgeHours)): excluded; "
                        + "re-resolving for an older release")
                exclusions.append(try ArgumentSafety.exclusionLine(name: release.name, version: release.version))
            }
            outcome.excluded += young
        }

        outcome.items = report.items
        outcome.decisions = try report.items.map { item in
            guard let decision = decided[Self.key(item.dependency)] else {
                throw GateError.missingDecision(name: item.dependency.name, version: item.dependency.version ?? "")
            }
            return decision
        }
        for excluded in outcome.excluded {
            if let chosen = report.items.first(where: {
                $0.dependency.normalizedName == PackageName.normalize(excluded.name)
            }) {
                diagnostics.info(
                    "\(chosen.dependency.name): \(chosen.dependency.version ?? "?") instead of \(excluded.version) "
                        + "(too young)")
            }
        }
        return try await act(
            pip: pip, invocation: invocation, report: report, outcome: outcome, sources: sources, decider: decider,
            workspace: workspace)
    }

    // MARK: - Source builds

    /// What the gate lets pip build from source, decided before pip runs.
    struct SourcePlan {
        /// Who allowed source builds for everything (`--allow-source-builds`, …); nil: wheels only.
        var allowed: String?
        /// With wheels only: the format control after the user's own `--no-binary`/`--only-binary`.
        var control = SourceBuilds.FormatControl.wheelsOnly
        /// The user's requirements files, read.
        var files: UserRequirementFiles?
        /// Why nothing runs at all.
        var refusal: String?
    }

    private func sourceBuildPlan(invocation: PipInvocation, decider: GateDecider) throws -> SourcePlan {
        var plan = SourcePlan()
        plan.allowed = options.allowSourceBuilds ?? (decider.allowSourceBuilds ? "allow_source_builds = true" : nil)
        if let allowed = plan.allowed {
            plan.files = try? UserRequirementFiles.load(
                invocation.requirementFiles, environment: services.environment, diagnostics: diagnostics)
            diagnostics.warning(
                "source builds allowed (\(allowed)): pip may build source distributions during its dry run, which "
                    + "runs their setup.py / build backend BEFORE the gate has checked them")
            return plan
        }
        plan.files = try UserRequirementFiles.load(
            invocation.requirementFiles, environment: services.environment, diagnostics: diagnostics)
        let remote =
            invocation.positionalRequirements.compactMap(SourceBuilds.url(ofRequirement:)).filter(
                SourceBuilds.isRemoteSourceArchive) + (plan.files?.remoteSourceArchives ?? [])
        if let first = remote.first {
            plan.refusal =
                "not running pip: \(first) is a source archive from the network, and pip would build it — running "
                + "its setup.py / build backend — before the gate could check it; nothing was installed; "
                + SourceBuilds.howToAllow
            return plan
        }
        // pip applies the files' format options after the command line's: they could let source in again.
        let commandLine = SourceBuilds.formatControl(after: invocation.formatOptions)
        let withFiles = SourceBuilds.formatControl(after: invocation.formatOptions + (plan.files?.optionPairs ?? []))
        let added =
            withFiles.allowsSourceForAll && !commandLine.allowsSourceForAll
            ? ["every package"] : withFiles.sourceNames.filter { !commandLine.allowsSource($0) }
        if !added.isEmpty {
            plan.refusal =
                "not running pip: a requirements file asks pip to build \(added.joined(separator: ", ")) from source "
                + "(--no-binary / --only-binary :none:), which runs build code before the gate could check it; "
                + "nothing was installed; " + SourceBuilds.howToAllow
            return plan
        }
        plan.control = withFiles
        if let request = SourceBuilds.describeSourceRequest(plan.control) {
            diagnostics.warning(
                "your --no-binary / --only-binary options let pip build \(request) from source: that build code runs "
                    + "during pip's dry run, BEFORE the gate has checked it")
        }
        return plan
    }

    /// After a failed wheels-only dry run: the same run again with pip's debug log, to tell a package that only
    /// offers an sdist (refused, named) from any other failure (nil: pip's error is passed through).
    private func sourceOnlyRefusal(
        pip: PipCommand, invocation: PipInvocation, exclusions: String?, failed: ProcessResult, workspace: Workspace
    ) async throws -> String? {
        let failure = String(decoding: failed.stderr, as: UTF8.self) + String(decoding: failed.stdout, as: UTF8.self)
        guard failure.contains("No matching distribution found for") else { return nil }
        let probe = try await services.processes.run(
            pip.executable,
            pip.arguments(
                invocation.dryRunArguments(
                    report: workspace.path("probe.json"), exclusions: exclusions, onlyBinary: true,
                    debugOutput: true)),
            environment: pipEnvironment, currentDirectory: nil, stdin: nil)
        let debug = String(decoding: probe.stdout, as: UTF8.self) + String(decoding: probe.stderr, as: UTF8.self)
        let found = SourceBuilds.sourceOnly(failure: failure, debugOutput: debug)
        guard !found.isEmpty else { return nil }
        let list = found.map { "\($0.name) (\($0.versions.joined(separator: ", ")))" }.joined(separator: "; ")
        return "not installing: \(list) \(found.count == 1 ? "is" : "are") only available as source here (an "
            + "sdist, no wheel), and building it runs its setup.py / build backend before the gate can check it; "
            + "nothing was installed; " + SourceBuilds.howToAllow
    }

    /// Asks the engine about every item it has not answered for yet; a missing or mismatched answer fails.
    private func decideMissing(
        _ items: [PipReportItem], decider: GateDecider, into decided: inout [String: GateDecision]
    ) async throws {
        let missing = items.filter { decided[Self.key($0.dependency)] == nil }
        guard !missing.isEmpty else { return }
        let answers: [GateDecision]
        do {
            answers = try await decider.decide(missing.map(\.dependency))
        } catch let error as GateError {
            throw error
        } catch let error as any AlterKSError {
            throw GateError.engineFailed(error.description)
        } catch {
            throw GateError.engineFailed("\(error)")
        }
        var byName: [String: GateDecision] = [:]
        for answer in answers { byName[answer.dependency.normalizedName] = answer }
        for item in missing {
            let version = item.dependency.version ?? ""
            guard var answer = byName[item.dependency.normalizedName],
                Self.sameVersion(answer.dependency.version, version)
            else {
                throw GateError.missingDecision(name: item.dependency.name, version: version)
            }
            answer.dependency = item.dependency
            decided[Self.key(item.dependency)] = answer
        }
    }

    static func sameVersion(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        if a == b { return true }
        guard let left = try? Version(a), let right = try? Version(b) else { return false }
        return left == right
    }

    /// Index releases uploaded less than `minAgeHours` ago.
    private func tooYoung(_ items: [PipReportItem], decided: [String: GateDecision], minAgeHours: Double)
        -> [ExcludedRelease]
    {
        guard minAgeHours > 0 else { return [] }
        let now = services.clock.now()
        return items.compactMap { item in
            guard item.kind == .index, let decision = decided[Self.key(item.dependency)],
                let uploaded = decision.uploadTime
            else { return nil }
            let age = now.timeIntervalSince(uploaded) / 3600
            guard age < minAgeHours else { return nil }
            return ExcludedRelease(
                name: item.dependency.name, version: item.dependency.version ?? "", uploadTime: uploaded,
                ageHours: age)
        }
    }

    /// `--uploaded-prior-to`'s value for the dry run (now minus the minimum release age), when the check is on and
    /// `pip` is 26.0 or newer; else nil.
    func uploadedPriorTo(pip: PipCommand, decider: GateDecider) -> String? {
        guard decider.minReleaseAgeHours > 0, pipVersionProbe.supportsUploadedPriorTo(pip) else { return nil }
        return PyPIDate.format(services.clock.now().addingTimeInterval(-decider.minReleaseAgeHours * 3600))
    }

    static func key(_ dependency: Dependency) -> String {
        dependency.normalizedName + "==" + (dependency.version ?? "")
    }

    static func hours(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f h", max(0, value)) : String(format: "%.0f h", value)
    }

    // MARK: - Acting on the verdicts

    private func act(
        pip: PipCommand, invocation: PipInvocation, report: PipReport, outcome: GateOutcome, sources: SourcePlan,
        decider: GateDecider, workspace: Workspace
    ) async throws -> GateOutcome {
        let wheelsOnly = sources.allowed == nil
        var outcome = outcome
        let pairs = Array(zip(outcome.items, outcome.decisions))
        let blocked = pairs.filter { $0.1.verdict.action == .block }
        let quarantined = pairs.filter { $0.1.verdict.action == .quarantine }
        for (item, decision) in blocked {
            tell(.error, item, decision)
        }
        if !blocked.isEmpty {
            diagnostics.emit(Diagnostic(.error, "nothing was installed"))
            outcome.result = .blocked
            outcome.exitCode = ExitStatus.findings.rawValue
            return outcome
        }
        for (item, decision) in pairs where decision.verdict.action == .alert {
            tell(.warning, item, decision)
        }
        if options.gateOnly || (invocation.isDryRun && !quarantined.isEmpty) {
            for (item, decision) in quarantined {
                tell(.warning, item, decision, label: "would quarantine")
            }
            if options.gateOnly {
                outcome.result = .gateOnly
                outcome.exitCode = quarantined.isEmpty ? 0 : ExitStatus.findings.rawValue
                return outcome
            }
            outcome.result = .quarantined
            outcome.exitCode = ExitStatus.findings.rawValue
            return outcome
        }
        if !quarantined.isEmpty, invocation.savesFiles {
            // pip download / pip wheel hand files to the user: nothing that needs quarantine is handed out.
            for (item, decision) in quarantined {
                diagnostics.emit(
                    Diagnostic(
                        .error, "HELD \(Self.describe(item)): \(Self.reasons(decision.verdict)) (needs quarantine)"))
            }
            diagnostics.emit(Diagnostic(.error, "nothing was saved"))
            outcome.result = .blocked
            outcome.exitCode = ExitStatus.findings.rawValue
            return outcome
        }
        if !quarantined.isEmpty {
            return try await quarantineAndInstallRest(
                pip: pip, invocation: invocation, report: report, quarantined: quarantined, outcome: outcome,
                sources: sources, decider: decider, workspace: workspace)
        }

        if !invocation.isDryRun, invocation.isCertain {
            return try await installFinal(
                outcome.items, pip: pip, invocation: invocation, sources: sources, decider: decider,
                outcome: outcome, workspace: workspace)
        }
        // The user's own --dry-run (or arguments this build cannot split with certainty): pip runs the user's
        // command pinned to the scanned versions by a constraints file.
        if !invocation.isCertain {
            diagnostics.warning(
                "some of your pip options are unknown to this build: the install is pinned to the scanned versions "
                    + "by a constraints file, not installed from the verified files")
        }
        let constraints = try workspace.write(
            "constraints.txt", try outcome.items.map { try ArgumentSafety.constraintLine($0) })
        outcome.installMode = .constraints
        outcome.installArguments = invocation.constrainedInstallArguments(
            constraints: constraints, onlyBinary: wheelsOnly)
        let installStart = ContinuousClock.now
        let code = try await launcher.run(
            pip.executable, pip.arguments(outcome.installArguments ?? []), environment: pipEnvironment)
        outcome.timings.pipInstall = ContinuousClock.now - installStart
        outcome.result = code == 0 ? .installed : .installFailed
        outcome.exitCode = code
        return outcome
    }

    /// The environment of the final install from verified files: pip's configuration may not add an index or a
    /// find-links location (`PIP_FIND_LINKS` names the private folder, which replaces the configuration files'
    /// find-links instead of adding to them).
    func verifiedInstallEnvironment(folder: String) -> [String: String] {
        var environment = pipEnvironment
        for key in ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_NO_DEPS"] {
            environment.removeValue(forKey: key)
        }
        environment["PIP_FIND_LINKS"] = folder
        return environment
    }

    /// The final install: every verified file from the private folder (no index, no resolution, no download),
    /// then what pip must build itself with `--no-deps`. `outcome.result` says how it ended.
    /// Timed as `pipInstall` (placing the files included).
    private func installFinal(
        _ items: [PipReportItem], pip: PipCommand, invocation: PipInvocation, sources: SourcePlan,
        decider: GateDecider, outcome: GateOutcome, workspace: Workspace
    ) async throws -> GateOutcome {
        let installStart = ContinuousClock.now
        var finished = try await installFinalUntimed(
            items, pip: pip, invocation: invocation, sources: sources, decider: decider, outcome: outcome,
            workspace: workspace)
        finished.timings.pipInstall += ContinuousClock.now - installStart
        return finished
    }

    private func installFinalUntimed(
        _ items: [PipReportItem], pip: PipCommand, invocation: PipInvocation, sources: SourcePlan,
        decider: GateDecider, outcome: GateOutcome, workspace: Workspace
    ) async throws -> GateOutcome {
        var outcome = outcome
        let wheelsOnly = sources.allowed == nil
        let plan = FinalInstallPlan(items)
        for item in items {
            diagnostics.debug("install path of \(Self.describe(item)): \(plan.path(of: item).rawValue)")
        }
        outcome.installMode = .verifiedFiles
        outcome.result = .installed
        if !plan.verified.isEmpty {
            let store = decider.artifactStore ?? ArtifactStore(directory: workspace.path("store"), http: services.http)
            let fetchStart = ContinuousClock.now
            let folder = try await VerifiedFolder.prepare(
                plan.verified, store: store, at: workspace.path("files"), concurrency: 16)
            outcome.timings.fetch += ContinuousClock.now - fetchStart
            let split = plan.requestedAndDependencies(
                pipVersion: pipVersionProbe.version(of: pip), noDeps: invocation.asksNoDeps || invocation.savesFiles)
            let requirements = try workspace.write(
                "requirements-verified.txt",
                try carriedFormatLines(sources.files)
                    + (split?.requested.map { try ArgumentSafety.verifiedRequirementLine($0, extras: true) }
                        ?? plan.verified.map { try ArgumentSafety.verifiedRequirementLine($0) }))
            let constraints = try split.map { split in
                try workspace.write(
                    "constraints-verified.txt",
                    try split.dependencies.map { try ArgumentSafety.verifiedRequirementLine($0) })
            }
            guard
                let arguments = invocation.verifiedInstallArguments(
                    requirements: requirements, constraints: constraints, folder: folder.path, onlyBinary: wheelsOnly)
            else { throw GateError.unsplittableOptions }
            outcome.installArguments = arguments
            let code = try await launcher.run(
                pip.executable, pip.arguments(arguments), environment: verifiedInstallEnvironment(folder: folder.path))
            if code != 0 {
                outcome.result = .installFailed
                outcome.exitCode = code
                return outcome
            }
        }
        if !plan.built.isEmpty {
            let requirements = try workspace.write(
                "requirements-built.txt",
                try carriedLines(sources.files) + plan.built.map(ArgumentSafety.builtRequirementLine))
            guard let arguments = invocation.builtInstallArguments(requirements: requirements, onlyBinary: wheelsOnly)
            else { throw GateError.unsplittableOptions }
            outcome.builtInstallArguments = arguments
            if outcome.installArguments == nil { outcome.installArguments = arguments }
            let code = try await launcher.run(pip.executable, pip.arguments(arguments), environment: pipEnvironment)
            if code != 0 {
                outcome.result = .installFailed
                outcome.exitCode = code
            }
        }
        return outcome
    }

    /// The user's requirements files' options that still mean something without an index (format and
    /// pre-release choices), as option lines of the generated requirements file.
    func carriedFormatLines(_ files: UserRequirementFiles?) throws -> [String] {
        let kept: Set<String> = ["--no-binary", "--only-binary", "--pre", "--prefer-binary"]
        return try carriedLines(files).filter { line in
            kept.contains(String(line.prefix { $0 != " " }))
        }
    }

    /// The user's requirements files' index options as option lines of the generated requirements file (not on
    /// the command line, where credentials in an index URL would show in the process list).
    func carriedLines(_ files: UserRequirementFiles?) throws -> [String] {
        try (files?.optionPairs ?? []).map { name, value in
            guard !ArgumentSafety.hasControlCharacters(value) else {
                throw GateError.unsafeArgument(value, reason: "a control character in a requirements file option")
            }
            return value.isEmpty ? name : name + " " + Self.shellQuoted(value)
        }
    }

    /// `value` as one word for `shlex.split` (how pip splits the options of a requirements-file line).
    package static func shellQuoted(_ value: String) -> String {
        let safe = value.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "@%+=:,./_~-".unicodeScalars.contains($0)
        }
        return safe ? value : "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Why the final install cannot replace the user's requirements by a hash-pinned requirements file, or nil.
    func hashPinningObstacle(items: [PipReportItem], invocation: PipInvocation, files: UserRequirementFiles?)
        -> String?
    {
        if items.isEmpty { return "nothing to install" }
        if let odd = items.first(where: { $0.kind != .index || $0.sha256 == nil }) {
            return "\(odd.dependency.name) is not an index artifact with a sha256"
        }
        if invocation.hasPathOrURLRequirements { return "an editable, path or URL on the command line" }
        if !invocation.requirementFiles.isEmpty {
            guard let files else { return "the requirements files could not be read" }
            if let obstacle = files.hashPinningObstacle { return obstacle }
        }
        return nil
    }

    /// Quarantines each flagged distribution, then installs the rest — only when none of it depends on a
    /// quarantined one.
    private func quarantineAndInstallRest(
        pip: PipCommand, invocation: PipInvocation, report: PipReport,
        quarantined: [(PipReportItem, GateDecision)], outcome: GateOutcome, sources: SourcePlan,
        decider: GateDecider, workspace: Workspace
    ) async throws -> GateOutcome {
        var outcome = outcome
        outcome.result = .quarantined
        outcome.exitCode = ExitStatus.findings.rawValue
        guard let quarantine else {
            for (item, _) in quarantined {
                diagnostics.emit(
                    Diagnostic(.error, "\(Self.describe(item)) needs quarantine, which is not available here"))
            }
            diagnostics.emit(Diagnostic(.error, "nothing was installed"))
            return outcome
        }
        let target = QuarantineTarget(
            pip: pip, globalArguments: invocation.globalArguments,
            installOptions: invocation.optionsWithoutRequirements ?? [])
        for (item, decision) in quarantined {
            let record: QuarantineRecord
            let quarantineStart = ContinuousClock.now
            defer { outcome.timings.quarantine += ContinuousClock.now - quarantineStart }
            do {
                record = try await quarantine.quarantine(item, decision: decision, target: target)
            } catch let error as GateError {
                throw error
            } catch {
                throw GateError.quarantineFailed(
                    name: item.dependency.name, version: item.dependency.version ?? "", reason: "\(error)")
            }
            outcome.quarantined.append(record)
            tell(
                .error, item, decision, extra: " → \(record.directory)",
                suffix: " (`alterks quarantine inspect \(record.normalizedName)`)")
        }

        let quarantinedNames = Set(quarantined.map { $0.0.dependency.normalizedName })
        let rest = outcome.items.filter { !quarantinedNames.contains($0.dependency.normalizedName) }
        let graph = DependencyGraph(items: outcome.items, environment: report.environment)
        let chains = graph.chains(from: rest.map(\.dependency.normalizedName), to: quarantinedNames)
        if !chains.isEmpty {
            for (name, chain) in chains.sorted(by: { $0.key < $1.key }) {
                diagnostics.emit(
                    Diagnostic(
                        .error,
                        "not installing \(name): it depends on a quarantined package (\(chain.joined(separator: " → ")))"
                    ))
            }
            diagnostics.emit(Diagnostic(.error, "nothing else was installed"))
            outcome.result = .dependsOnQuarantined
            return outcome
        }
        guard !rest.isEmpty else { return outcome }
        if invocation.isDryRun { return outcome }

        let code = outcome.exitCode
        var installed = try await installFinal(
            rest, pip: pip, invocation: invocation, sources: sources, decider: decider, outcome: outcome,
            workspace: workspace)
        // Not everything asked for was installed: the quarantine's exit code stands unless pip failed.
        installed.result = .quarantined
        if installed.exitCode == 0 { installed.exitCode = code }
        return installed
    }

    /// `name version` plus "(a dependency)" for what the user did not ask for.
    static func describe(_ item: PipReportItem) -> String {
        let base = "\(item.dependency.name) \(item.dependency.version ?? "")"
        return item.dependency.direct == false ? base + " (a dependency)" : base
    }

    /// One line per flagged package — what flagged it, at a glance — then the way out (an info line); every reason in
    /// full (advisory summaries included) only with `--verbose`.
    private func tell(
        _ level: Diagnostic.Level, _ item: PipReportItem, _ decision: GateDecision, label: String? = nil,
        extra: String = "", suffix: String = ""
    ) {
        let glance = decision.glance
        let dependency = item.dependency.direct == false ? " (a dependency)" : ""
        diagnostics.emit(Diagnostic(level, glance.headline(label: label, extra: dependency + extra) + suffix))
        if let wayOut = glance.wayOut(now: services.clock.now()) { diagnostics.info("  way out: " + wayOut) }
        for reason in decision.verdict.reasons {
            diagnostics.debug("  - [\(reason.action.rawValue)] \(reason.message)")
        }
    }

    /// The verdict's reasons, strictest first, on one line.
    static func reasons(_ verdict: Verdict) -> String {
        let sorted = verdict.reasons.sorted { $0.action > $1.action }
        return sorted.isEmpty ? "no reason given" : sorted.map(\.message).joined(separator: "; ")
    }

    // MARK: - Bypass

    private func runBypassed(
        pip: PipCommand, invocation: PipInvocation, pipArguments: [String], bypass: BypassRequest
    ) async throws -> GateOutcome {
        _ = invocation
        var outcome = GateOutcome()
        diagnostics.emit(
            Diagnostic(
                .error,
                "GATE BYPASSED (\(bypass.source)): pip \(CredentialRedaction.redact(pipArguments).joined(separator: " ")) "
                    + "runs WITHOUT any "
                    + "check — no vulnerability, malware, typosquat or release-age screening"))
        if let bypassLog {
            do {
                try bypassLog.recordBypass(
                    BypassEntry(
                        time: services.clock.now(), source: bypass.source, pip: pip.display,
                        arguments: CredentialRedaction.redact(pipArguments),
                        workingDirectory: options.workingDirectory))
            } catch {
                diagnostics.warning("the bypass could not be logged: \(error)")
            }
        } else {
            diagnostics.warning("the bypass could not be logged: no state database")
        }
        outcome.result = .bypassed
        outcome.exitCode = try await launcher.run(
            pip.executable, pip.arguments(pipArguments), environment: pipEnvironment)
        return outcome
    }
}

/// How one gate run behaves.
package struct GateOptions: Sendable {
    /// Where the private working folder (report, constraints) is made.
    package var temporaryDirectory: String
    /// The working directory, for the bypass log.
    package var workingDirectory: String?
    /// Bound on re-resolutions for the minimum release age.
    package var maxReResolutions: Int
    /// Skip the gate for this command (and say so loudly, and log it).
    package var bypass: BypassRequest?
    /// Decide and report, but neither install nor quarantine (`alterks install --dry-run`).
    package var gateOnly: Bool
    /// Who let pip build source distributions for this command (`--allow-source-builds`,
    /// `ALTERKS_ALLOW_SOURCE_BUILDS=1`); nil: only the configuration's `allow_source_builds` can.
    package var allowSourceBuilds: String?

    package init(
        temporaryDirectory: String, workingDirectory: String? = nil, maxReResolutions: Int = 8,
        bypass: BypassRequest? = nil, gateOnly: Bool = false, allowSourceBuilds: String? = nil
    ) {
        self.allowSourceBuilds = allowSourceBuilds
        self.temporaryDirectory = temporaryDirectory
        self.workingDirectory = workingDirectory
        self.maxReResolutions = maxReResolutions
        self.bypass = bypass
        self.gateOnly = gateOnly
    }
}

/// Why the gate is skipped: `ALTERKS_BYPASS=1` or `--bypass`.
package struct BypassRequest: Sendable, Hashable {
    package var source: String
    package init(source: String) { self.source = source }
}

/// A release left out because it was younger than the minimum release age.
package struct ExcludedRelease: Sendable, Hashable {
    package var name: String
    package var version: String
    package var uploadTime: Date
    package var ageHours: Double
}

/// How the final `pip install` was pinned.
package enum InstallMode: String, Sendable, Hashable {
    /// The user's arguments plus `-c` pinning every scanned version.
    case constraints
    /// A generated requirements file pinning every scanned artifact by version and sha256, `--require-hashes`.
    case hashPinned
    /// A generated requirements file pinning every scanned version (no hashes: some artifact had none).
    case pinned
    /// The verified files from a private folder (`--no-index --no-deps --require-hashes`), then what pip builds
    /// itself with `--no-deps`.
    case verifiedFiles
}

/// What one gate run did.
package struct GateOutcome: Sendable {
    package enum Result: String, Sendable, Hashable {
        case installed, installFailed, gateOnly, blocked, quarantined, dependsOnQuarantined, dryRunFailed
        case noOlderRelease, bypassed
        /// Something would have been built from source (its code run) before the gate decided: nothing ran, or,
        /// when pip was made to build anyway, nothing was installed.
        case sourceBuildRefused
    }

    package var result: Result = .installed
    /// The exit code for the command.
    package var exitCode: Int32 = 0
    /// The final resolution that was scanned.
    package var items: [PipReportItem] = []
    /// One decision per item, in the same order.
    package var decisions: [GateDecision] = []
    package var excluded: [ExcludedRelease] = []
    package var quarantined: [QuarantineRecord] = []
    package var installMode: InstallMode?
    /// The `--uploaded-prior-to` pip's final dry run resolved with (pip 26.0+ and a minimum release age), if any.
    package var uploadedPriorTo: String?
    /// The argv (without argv[0]) of the final pip install, when one ran (the one from verified files when both ran).
    package var installArguments: [String]?
    /// The argv of the `--no-deps` install of what pip builds itself, when one ran.
    package var builtInstallArguments: [String]?
    /// The dry run's output when it failed: the caller writes it through.
    package var pipOutput: ProcessResult?
    /// Where the time went.
    package var timings = GateTimings()

    package init() {}
}

/// Monotonic durations of one gate run: pip's dry runs, the engine, quarantining, pip's final install, and what is
/// left — the gate's own work (parsing, matching, writing the pin files).
package struct GateTimings: Sendable, Hashable, CustomStringConvertible {
    package var total: Duration = .zero
    package var pipDryRun: Duration = .zero
    package var engine: Duration = .zero
    package var quarantine: Duration = .zero
    /// Placing the verified files (fetching those the engine did not fetch): part of `pipInstall`.
    package var fetch: Duration = .zero
    package var pipInstall: Duration = .zero

    package init() {}

    /// Everything that is neither pip nor the engine nor quarantining.
    package var gateOwn: Duration { total - pipDryRun - engine - quarantine - pipInstall }

    package var description: String {
        func ms(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return String(format: "%.1f ms", seconds * 1000)
        }
        return "total \(ms(total)); pip dry run \(ms(pipDryRun)); engine \(ms(engine)); quarantine "
            + "\(ms(quarantine)); pip install \(ms(pipInstall)) (placing verified files \(ms(fetch))); gate's own "
            + "\(ms(gateOwn))"
    }
}

/// A private working folder (0700) for one gate run, removed at the end.
struct Workspace {
    let root: String

    init(parent: String) throws {
        var template = Array("\(parent)/alterks-gate-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw GateError.workspace("\(parent): \(systemErrorMessage(errno))")
        }
        root = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func path(_ name: String) -> String { root + "/" + name }

    /// Writes `lines` (one per line) to a new file in the folder and returns its path.
    func write(_ name: String, _ lines: [String]) throws -> String {
        let target = path(name)
        do {
            try FileIO.writeAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: target)
        } catch {
            throw GateError.workspace("\(error)")
        }
        return target
    }

    func remove() {
        try? FileManager().removeItem(atPath: root)
    }
}
