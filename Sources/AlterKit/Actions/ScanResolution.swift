import Foundation

/// Why a scan could not resolve its input files the way pip would. Never read as clean: the scan stops.
package enum ResolutionError: AlterKSError, Equatable {
    /// No interpreter to resolve for, or it could not be run.
    case interpreter(String)
    /// pip could not resolve the requirements (`pip` is what failed, `message` pip's own last error line).
    case pipFailed(pip: String, exitCode: Int32, message: String)
    /// Some requirement is only available as source, which the scan never builds.
    case sourceOnly(String)
    /// pip built something from source during its dry run (a pip configuration let source in).
    case builtFromSource(String)
    /// pip's report, or the private working files, could not be made or read.
    case workspace(String)
    /// A requirement or option cannot be handed to pip safely.
    case unsafe(String)

    package var exitStatus: ExitStatus {
        switch self {
        case .unsafe: .usage
        default: .sourceFailure
        }
    }

    package var description: String {
        let advice = "; nothing was scanned (--no-deps scans only the pinned requirements, without resolving)"
        switch self {
        case .interpreter(let message): return "cannot resolve the requirements: \(message)" + advice
        case .pipFailed(let pip, let code, let message):
            return "pip could not resolve the requirements (\(pip), exit \(code)): \(message)" + advice
        case .sourceOnly(let list):
            return "cannot resolve the requirements: \(list) only available as source (an sdist, no wheel), and "
                + "alterks scan never builds packages (building runs their code)" + advice
        case .builtFromSource(let list):
            return "pip built \(list) from source during the resolution although it was asked for wheels only (a pip "
                + "configuration let source in)" + advice
        case .workspace(let message): return "cannot resolve the requirements: \(message)" + advice
        case .unsafe(let message): return "cannot resolve the requirements: \(message)" + advice
        }
    }
}

/// Resolves the requirements of input files (requirements files, pyproject.toml dependencies) the way
/// `pip install` would for one interpreter: pip's own dry run (`--dry-run --report`, as the install gate runs it),
/// wheels only (nothing is built: no package code runs), `--ignore-installed` (what is installed does not matter),
/// with the files' index options. The result is every distribution of the resolution: those the files ask for
/// (`direct`, at their line) and their dependencies (`direct == false`).
///
/// pip is handed a generated requirements file, not the user's: named requirements (and `name @ URL` wheels),
/// the files' index options (`--index-url`, `--extra-index-url`, `--no-index`, `--find-links` made absolute,
/// `--pre`, `--prefer-binary`) and their constraints. What pip would have to build — local projects, editables,
/// source archives, VCS checkouts — is not resolved; those entries stay skipped, with their reason.
package struct ScanResolver: Sendable {
    /// Runs the interpreter and pip; the environment pip sees; warnings.
    package var services: Services
    /// The interpreter to resolve for (absolute); nil: `$VIRTUAL_ENV/bin/python`, else `python3` on `PATH`.
    package var python: String?
    /// Where the private working folder is made.
    package var temporaryDirectory: String

    package init(services: Services, python: String?, temporaryDirectory: String) {
        self.services = services
        self.python = python
        self.temporaryDirectory = temporaryDirectory
    }

    /// Options of the files that pip is given (the others are dropped: wheels only, TLS always verified).
    static let carried: Set<String> = [
        "--index-url", "--extra-index-url", "--no-index", "--find-links", "--pre", "--prefer-binary",
    ]

    /// The files' inventories resolved together: their named requirements and the dependencies of those, each with
    /// its exact version. Each input's `file` (absolute) is where its relative `--find-links` are read from (pip reads
    /// them against the file's folder).
    package func resolve(_ inputs: [(inventory: Inventory, file: String)]) async throws(ResolutionError) -> Inventory {
        var inventory = Inventory()
        var options: [String] = []
        for input in inputs {
            inventory.dependencies += input.inventory.dependencies
            inventory.options += input.inventory.options
            inventory.sources += input.inventory.sources
            inventory.skipped += input.inventory.skipped
            inventory.constraints += input.inventory.constraints
            options += try optionLines(input.inventory, (input.file as NSString).deletingLastPathComponent)
        }
        let (lines, unresolved) = try requirementLines(inventory)
        var resolved = Inventory(
            options: inventory.options, sources: inventory.sources, skipped: inventory.skipped + unresolved)
        guard !lines.isEmpty else { return resolved }
        let interpreter = try await realInterpreter()
        let pip = PipCommand.python(interpreter)
        let workspace: Workspace
        do {
            workspace = try Workspace(parent: temporaryDirectory)
        } catch {
            throw .workspace("\(error)")
        }
        defer { workspace.remove() }
        var arguments = ["install", "--ignore-installed"]
        do {
            arguments += ["--requirement", try workspace.write("requirements.txt", options + lines)]
            let constraints = try inventory.constraints.compactMap(Self.line)
            if !constraints.isEmpty {
                arguments += ["--constraint", try workspace.write("constraints.txt", constraints)]
            }
        } catch let error as ResolutionError {
            throw error
        } catch {
            throw .workspace("\(error)")
        }
        let invocation: PipInvocation
        do {
            invocation = try PipInvocation(pipArguments: arguments)
        } catch {
            throw .unsafe(error.description)
        }
        let report = try await dryRun(pip: pip, invocation: invocation, workspace: workspace)
        let built = SourceBuilds.builtAgainstControl(report.items, control: .wheelsOnly)
        if !built.isEmpty {
            throw .builtFromSource(
                built.map { "\($0.dependency.name) \($0.dependency.version ?? "")" }.joined(separator: ", "))
        }
        var asked: [String: Dependency] = [:]
        for dependency in inventory.dependencies where asked[dependency.normalizedName] == nil {
            asked[dependency.normalizedName] = dependency
        }
        resolved.dependencies = report.items.map { item in
            var dependency = item.dependency
            if let entry = asked[dependency.normalizedName] {
                dependency.location = entry.location
                dependency.direct = true
            } else {
                dependency.direct = false
            }
            return dependency
        }
        services.diagnostics.info(
            "resolved \(lines.count) requirement(s) to \(resolved.dependencies.count) package(s) with pip's dry run "
                + "for \(interpreter)")
        return resolved
    }

    /// The requirement lines pip is given, and the entries it is not (they would be built), skipped with why.
    func requirementLines(_ inventory: Inventory) throws(ResolutionError) -> ([String], [SkippedDependency]) {
        var lines: [String] = []
        var skipped: [SkippedDependency] = []
        for dependency in inventory.dependencies {
            if dependency.editable || (dependency.url.map { !Self.isWheel($0) } ?? false) {
                skipped.append(
                    SkippedDependency(
                        dependency: dependency,
                        reason: "not resolved: pip would build it (a local project, an editable, a source archive "
                            + "or a VCS checkout), and alterks scan builds nothing"))
                continue
            }
            if let line = try Self.line(dependency) { lines.append(line) }
        }
        return (lines, skipped)
    }

    static func isWheel(_ url: String) -> Bool { RequirementLine.fileName(url).lowercased().hasSuffix(".whl") }

    /// `name[extras]specifier ; marker` or `name[extras] @ url ; marker`, checked as a requirement pip will read.
    static func line(_ dependency: Dependency) throws(ResolutionError) -> String? {
        var line = dependency.name
        if !dependency.extras.isEmpty { line += "[" + dependency.extras.joined(separator: ",") + "]" }
        if let url = dependency.url {
            line += " @ " + url
        } else if let version = dependency.version, dependency.specifier.isEmpty {
            line += "==" + version
        } else {
            line += dependency.specifier
        }
        if let marker = dependency.marker, !marker.isEmpty { line += " ; " + marker }
        do {
            guard !ArgumentSafety.hasControlCharacters(line) else {
                throw GateError.unsafeArgument(line, reason: "a control character")
            }
            try ArgumentSafety.lexicalRequirementCheck(line)
        } catch let error as GateError {
            let place = dependency.location.map { "\($0): " } ?? ""
            throw .unsafe(place + error.description)
        } catch {
            throw .unsafe("\(error)")
        }
        return line
    }

    /// The files' index options as option lines; a relative `--find-links` is made absolute against `folder`.
    func optionLines(_ inventory: Inventory, _ folder: String) throws(ResolutionError) -> [String] {
        var lines: [String] = []
        for (name, value) in UserRequirementFiles(inventory: inventory).optionPairs {
            guard Self.carried.contains(name) else {
                services.diagnostics.warning(
                    "\(name) in the requirements is not followed by the resolution (alterks scan resolves wheels "
                        + "only, with TLS verified)")
                continue
            }
            var value = value
            if name == "--find-links", !value.isEmpty, !value.hasPrefix("/"), !RequirementLine.isURL(value) {
                value = (folder as NSString).appendingPathComponent(value)
            }
            guard !ArgumentSafety.hasControlCharacters(value) else {
                throw .unsafe("a control character in the requirements option \(name)")
            }
            lines.append(value.isEmpty ? name : name + " " + InstallGate.shellQuoted(value))
        }
        return lines
    }

    /// The interpreter's own executable (`sys.executable`: not a pyenv wrapper), asked once.
    func realInterpreter() async throws(ResolutionError) -> String {
        do {
            let named = try python ?? InstalledEnvironment.defaultInterpreter(environment: services.environment)
            return try await InterpreterProbe.run(python: named, runner: services.processes).executable
        } catch let error as any AlterKSError {
            throw .interpreter(error.description)
        } catch {
            throw .interpreter("\(error)")
        }
    }

    /// pip's dry run, wheels only, and its report; a failure is one line (pip's own last error), and a project
    /// found only as source is named.
    func dryRun(pip: PipCommand, invocation: PipInvocation, workspace: Workspace) async throws(ResolutionError)
        -> PipReport
    {
        let reportPath = workspace.path("report.json")
        func run(debug: Bool) async throws(ResolutionError) -> ProcessResult {
            let arguments = invocation.dryRunArguments(
                report: reportPath, exclusions: nil, onlyBinary: true, debugOutput: debug)
            do {
                return try await services.processes.run(
                    pip.executable, pip.arguments(arguments),
                    environment: InstallGate.pipEnvironment(services.environment), currentDirectory: workspace.root,
                    stdin: nil)
            } catch {
                throw .interpreter("\(pip.display) could not be run: \(error)")
            }
        }
        let result = try await run(debug: false)
        guard result.exitCode == 0 else {
            let failure =
                String(decoding: result.stderr, as: UTF8.self) + String(decoding: result.stdout, as: UTF8.self)
            if failure.contains("No matching distribution found for") {
                let probe = try await run(debug: true)
                let debug =
                    String(decoding: probe.stdout, as: UTF8.self) + String(decoding: probe.stderr, as: UTF8.self)
                let found = SourceBuilds.sourceOnly(failure: failure, debugOutput: debug)
                if !found.isEmpty {
                    throw .sourceOnly(
                        found.map { "\($0.name) (\($0.versions.joined(separator: ", ")))" }.joined(separator: "; ")
                            + (found.count == 1 ? " is" : " are"))
                }
            }
            throw .pipFailed(pip: pip.display, exitCode: result.exitCode, message: Self.lastError(failure))
        }
        do {
            return try PipReport.parse(try FileIO.read(reportPath, limit: 256 << 20), source: "pip's dry-run report")
        } catch {
            throw .workspace("\(error)")
        }
    }

    /// pip's last `ERROR:` line (else its last line), credentials in URLs hidden.
    static func lastError(_ output: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let line =
            lines.last { $0.hasPrefix("ERROR: ") }.map { String($0.dropFirst("ERROR: ".count)) }
            ?? lines.last ?? "no output"
        return line.split(separator: " ", omittingEmptySubsequences: false).map {
            CredentialRedaction.redact(String($0))
        }.joined(separator: " ")
    }
}
