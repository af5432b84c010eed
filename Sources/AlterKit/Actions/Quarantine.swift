import Foundation
import PythonPackaging
import ShimCore

/// Takes a distribution the policy wants quarantined out of the install.
package protocol QuarantineService: Sendable {
    /// Keeps `item`'s artifact (hash-verified) and, for a wheel, installs it into its own venv. Never runs the
    /// package's code.
    func quarantine(_ item: PipReportItem, decision: GateDecision, target: QuarantineTarget) async throws
        -> QuarantineRecord
}

/// Quarantine failures.
package enum QuarantineError: AlterKSError, Equatable {
    case notFound(name: String, version: String?)
    case ambiguous(name: String, versions: [String])
    case unsupported(name: String, reason: String)
    case hashMismatch(path: String, expected: String, actual: String)
    case fetchFailed(url: String, message: String)
    case interpreterNotFound(pip: String)
    case commandFailed(command: String, exitCode: Int32, stderr: String)
    case incomplete(name: String, version: String, state: String)
    case notAllowed(name: String, version: String, action: Action, reasons: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .notFound, .ambiguous: .usage
        case .notAllowed: .findings
        default: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .notFound(let name, let version):
            "\(name)\(version.map { " \($0)" } ?? "") is not in quarantine"
        case .ambiguous(let name, let versions):
            "\(name) is quarantined in several versions (\(versions.joined(separator: ", "))); name one"
        case .unsupported(let name, let reason):
            "cannot quarantine \(name): \(reason)"
        case .hashMismatch(let path, let expected, let actual):
            "\(path): sha256 \(actual) does not match the expected \(expected)"
        case .fetchFailed(let url, let message):
            "cannot fetch \(url): \(message)"
        case .interpreterNotFound(let pip):
            "cannot tell which Python interpreter \(pip) installs into"
        case .commandFailed(let command, let code, let stderr):
            "\(command) failed with exit code \(code)\(stderr.isEmpty ? "" : ": " + stderr)"
        case .incomplete(let name, let version, let state):
            "\(name) \(version) was left half-done (\(state)); `alterks quarantine remove \(name) \(version)` "
                + "cleans it up"
        case .notAllowed(let name, let version, let action, let reasons):
            "\(name) \(version) is still \(action.rawValue.uppercased()): \(reasons); not released "
                + "(--force installs it anyway)"
        }
    }
}

/// What `inspect` shows of one quarantined distribution, read from files only (nothing is imported or run).
package struct QuarantineInspection: Sendable, Hashable {
    package var record: QuarantineRecord
    /// `METADATA` headers in order (`Name`, `Version`, `Summary`, `Requires-Dist` …).
    package var metadata: [MetadataField]
    /// Installed files (RECORD paths), for a wheel.
    package var files: [String]
    /// `entry_points.txt` lines.
    package var entryPoints: [String]
    /// `.pth` files: Python runs their `import` lines at every interpreter start.
    package var pthFiles: [String]
    /// Scripts the distribution installs (`bin/…`), and for an sdist the build that installing it would run.
    package var installScripts: [String]
    /// Compiled extension modules and shared libraries.
    package var nativeBinaries: [String]
    /// Anything inspect could not read.
    package var notes: [String]
    /// What static inspection of the kept artifact found (code in `.pth` files and install hooks, network and
    /// process calls, native binaries …), most severe first; nil when the artifact could not be read.
    package var artifactInspection: ArtifactInspection?
}

/// One `METADATA` header.
package struct MetadataField: Sendable, Hashable {
    package var key: String
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The quarantine: `<data dir>/quarantine/<name>-<version>/` per distribution (a venv holding the wheel, with the
/// kept artifact under `artifact/`), and the SQLite manifest.
///
/// Consistency: every operation records its intent in the manifest (`adding`, `releasing`, `removing`) before it
/// touches the files, and settles it (`ready`, or the row deleted) after. An interrupted operation leaves a row
/// saying what was under way; `remove` always finishes (deleting a missing folder is a no-op) and `release` of a
/// `releasing` row simply runs again (pip finds the version already installed).
package struct Quarantine: QuarantineService {
    /// `<data dir>/quarantine`.
    package var root: String
    package var manifest: QuarantineManifest
    package var services: Services

    package init(root: String, manifest: QuarantineManifest, services: Services) {
        self.root = root
        self.manifest = manifest
        self.services = services
    }

    /// Opens the quarantine under `dataDir` (`<dataDir>/quarantine`, manifest `manifest.sqlite3` inside).
    package static func open(dataDir: String, services: Services) throws -> Quarantine {
        let root = dataDir + "/quarantine"
        try FileIO.ensurePrivateDirectory(root)
        let manifest = try QuarantineManifest(path: root + "/manifest.sqlite3", diagnostics: services.diagnostics)
        return Quarantine(root: root, manifest: manifest, services: services)
    }

    private var environment: [String: String] {
        var environment = services.environment
        environment.removeValue(forKey: "ALTERKS_REAL_PYTHON")
        return environment
    }

    // MARK: - Adding

    package func quarantine(_ item: PipReportItem, decision: GateDecision, target: QuarantineTarget) async throws
        -> QuarantineRecord
    {
        let name = try ArgumentSafety.safeName(item.dependency.name)
        let version = try ArgumentSafety.safeVersion(item.dependency.version ?? "", of: name)
        guard item.kind == .index || item.kind == .directArchive else {
            throw QuarantineError.unsupported(
                name: name, reason: "a \(item.kind.rawValue) reference has no artifact to keep without building it")
        }
        guard let sha256 = item.sha256 else {
            throw QuarantineError.unsupported(name: name, reason: "pip's report gives no sha256 for its artifact")
        }
        guard let fileName = item.artifactFileName, Self.isSafeFileName(fileName) else {
            throw QuarantineError.unsupported(name: name, reason: "unusable artifact file name in \(item.artifactURL)")
        }
        let directory = root + "/" + PackageName.normalize(name) + "-" + version
        let isWheel = item.isWheel
        var record = QuarantineRecord(
            name: name, version: version, quarantinedAt: services.clock.now(), reasons: decision.verdict.reasons,
            artifactPath: directory + "/artifact/" + fileName, artifactSHA256: sha256,
            artifactKind: isWheel ? .wheel : .sdist, artifactURL: item.artifactURL, directory: directory,
            venvPath: isWheel ? directory : nil, target: target, state: .adding)
        try FileIO.ensurePrivateDirectory(root)
        try manifest.save(record)

        try removeTree(directory)
        let data = try await fetch(item.artifactURL)
        let actual = hexString(SHA256.hash(data))
        guard actual == sha256 else {
            throw QuarantineError.hashMismatch(path: item.artifactURL, expected: sha256, actual: actual)
        }
        try FileIO.ensurePrivateDirectory(directory + "/artifact")
        try FileIO.writeAtomically(data, to: record.artifactPath)
        if isWheel {
            let python = try await targetInterpreter(target)
            try await check(
                python, ["-m", "venv", "--without-pip", directory], what: "creating the quarantine venv")
            try await installWheel(record, into: directory + "/bin/python", pip: target.pip)
        }
        record.state = .ready
        try manifest.save(record)
        return record
    }

    /// Installs the kept wheel into the venv whose interpreter is `python`, with the target's pip: no
    /// dependencies, no index, binaries only, hash-checked. `--isolated` keeps the user's pip configuration out.
    private func installWheel(_ record: QuarantineRecord, into python: String, pip: PipCommand) async throws {
        let requirements = record.directory + "/artifact/.requirement.txt"
        let line = try ArgumentSafety.localArtifactLine(
            name: record.name, path: record.artifactPath, sha256: record.artifactSHA256)
        try FileIO.writeAtomically(Data((line + "\n").utf8), to: requirements)
        defer { unlink(requirements) }
        try await check(
            pip.executable,
            pip.arguments([
                "--isolated", "--disable-pip-version-check", "--no-input", "--python", python, "install",
                "--quiet", "--no-deps", "--no-index", "--only-binary=:all:", "--require-hashes",
                "--no-warn-script-location",
                "--requirement", requirements,
            ]), what: "installing \(record.name) \(record.version) into its quarantine venv")
    }

    private func check(_ executable: String, _ arguments: [String], what: String) async throws {
        let result = try await services.processes.run(
            executable, arguments, environment: environment, currentDirectory: nil, stdin: nil)
        guard result.exitCode == 0 else {
            let stderr = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw QuarantineError.commandFailed(
                command: what, exitCode: result.exitCode, stderr: String(stderr.suffix(2000)))
        }
    }

    /// The artifact's bytes: a local file for `file://`, else an HTTP GET (TLS verified by the client).
    private func fetch(_ url: String) async throws -> Data {
        if url.hasPrefix("file://") {
            guard let parsed = URL(string: url), parsed.isFileURL else {
                throw QuarantineError.fetchFailed(url: url, message: "not a usable file URL")
            }
            return try FileIO.read(parsed.path, limit: 4 << 30)
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw QuarantineError.fetchFailed(url: url, message: "unsupported URL scheme")
        }
        let response = try await services.http.send(HTTPRequest(url: url, timeout: 900, maxBodyBytes: 4 << 30))
        guard response.status == 200 else {
            throw QuarantineError.fetchFailed(url: url, message: "HTTP \(response.status)")
        }
        return response.body
    }

    /// The interpreter the original install targeted: pip's `--python` when it was given (an interpreter, or a
    /// venv folder), else the interpreter of pip itself.
    package func targetInterpreter(_ target: QuarantineTarget) async throws -> String {
        let tokens = PipOptionParser(options: PipOptions.general).tokenize(target.globalArguments, interspersed: false)
        if let python = tokens.last(where: { $0.option?.name == "--python" })?.value {
            for candidate in [python, python + "/bin/python"] where candidate.hasPrefix("/") {
                var info = stat()
                if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                    return candidate
                }
            }
            throw QuarantineError.interpreterNotFound(pip: "--python \(python)")
        }
        return try await targetInterpreter(target.pip)
    }

    /// The interpreter `pip` installs into: the `-m pip` interpreter itself; else the script's `#!` line when it
    /// names a Python; else what `pip --version` says (`… from PREFIX/lib/pythonX.Y/site-packages/pip (python X.Y)`).
    package func targetInterpreter(_ pip: PipCommand) async throws -> String {
        if pip.leadingArguments == ["-m", "pip"] { return pip.executable }
        if let head = try? FileIO.read(pip.executable, limit: 1 << 20).prefix(512),
            let text = String(data: Data(head), encoding: .utf8), text.hasPrefix("#!")
        {
            let firstLine = text.dropFirst(2).prefix { $0 != "\n" }.trimmingCharacters(in: .whitespaces)
            let interpreter = String(firstLine.split(separator: " ").first ?? "")
            let base = (interpreter as NSString).lastPathComponent
            if interpreter.hasPrefix("/"), base.hasPrefix("python"), access(interpreter, X_OK) == 0 {
                return interpreter
            }
        }
        let result = try await services.processes.run(
            pip.executable, pip.arguments(["--version"]), environment: environment, currentDirectory: nil, stdin: nil)
        let text = String(decoding: result.stdout, as: UTF8.self)
        if result.exitCode == 0, let from = text.range(of: " from "), let lib = text.range(of: "/lib/python"),
            from.upperBound <= lib.lowerBound
        {
            let prefix = String(text[from.upperBound..<lib.lowerBound])
            var candidates: [String] = []
            if let open = text.range(of: "(python "), let close = text[open.upperBound...].firstIndex(of: ")") {
                candidates.append(prefix + "/bin/python" + text[open.upperBound..<close])
            }
            candidates += [prefix + "/bin/python3", prefix + "/bin/python"]
            if let found = candidates.first(where: { access($0, X_OK) == 0 }) { return found }
        }
        throw QuarantineError.interpreterNotFound(pip: pip.display)
    }

    static func isSafeFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.hasPrefix(".") && !name.contains("/")
            && !ArgumentSafety.hasControlCharacters(name) && !name.contains(" ") && !name.contains("#")
    }

    // MARK: - Listing and inspecting

    /// Every record, settled or not.
    package func list() throws -> [QuarantineRecord] { try manifest.all() }

    /// The records `name` (and `version`) select; throws when there is none.
    package func records(name: String, version: String?) throws -> [QuarantineRecord] {
        let found = try manifest.find(name: name, version: version)
        guard !found.isEmpty else { throw QuarantineError.notFound(name: name, version: version) }
        return found
    }

    /// What each selected record holds, read from its files.
    package func inspect(name: String, version: String?) throws -> [QuarantineInspection] {
        try records(name: name, version: version).map(inspect)
    }

    private func inspect(_ record: QuarantineRecord) -> QuarantineInspection {
        var inspection = QuarantineInspection(
            record: record, metadata: [], files: [], entryPoints: [], pthFiles: [], installScripts: [],
            nativeBinaries: [], notes: [])
        if record.state != .ready {
            inspection.notes.append("left half-done (\(record.state.rawValue)); files may be incomplete")
        }
        // The kept artifact itself, read statically (never extracted, nothing run).
        if FileIO.exists(record.artifactPath) {
            do {
                inspection.artifactInspection = try ArtifactReader.inspect(
                    path: record.artifactPath, sha256: record.artifactSHA256)
            } catch {
                inspection.notes.append("the kept artifact could not be inspected: \(error)")
            }
        } else {
            inspection.notes.append("the kept artifact is missing: \(record.artifactPath)")
        }
        guard record.artifactKind == .wheel else {
            inspection.installScripts.append(
                "an sdist: installing it runs its build (setup.py or the pyproject build backend)")
            for finding in inspection.artifactInspection?.findings ?? [] {
                switch finding.kind {
                case .installHook: inspection.installScripts.append("\(finding.location): \(finding.evidence)")
                case .nativeBinary: inspection.nativeBinaries.append(finding.file)
                case .pthCode, .pthOddLine: inspection.pthFiles.append(finding.file)
                default: break
                }
            }
            inspection.notes.append("source archive kept unbuilt at \(record.artifactPath)")
            return inspection
        }
        guard let distInfo = findDistInfo(record) else {
            inspection.notes.append("no .dist-info folder found in \(record.directory)")
            return inspection
        }
        let siteDirectory = (distInfo as NSString).deletingLastPathComponent
        if let text = readText(distInfo + "/METADATA") {
            inspection.metadata = Self.metadataFields(text)
        } else {
            inspection.notes.append("METADATA unreadable")
        }
        if let text = readText(distInfo + "/entry_points.txt") {
            inspection.entryPoints = text.split(whereSeparator: \.isNewline).map(String.init).filter {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
        }
        if let text = readText(distInfo + "/RECORD") {
            let paths = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                Self.firstCSVField(String(line))
            }
            inspection.files = paths
            for path in paths {
                let lower = path.lowercased()
                if !path.contains("/") && lower.hasSuffix(".pth") { inspection.pthFiles.append(path) }
                if path.hasPrefix("../../../bin/") || lower.contains(".data/scripts/") {
                    inspection.installScripts.append(path)
                }
                if lower.hasSuffix(".so") || lower.contains(".so.") || lower.hasSuffix(".pyd")
                    || lower.hasSuffix(".dylib") || lower.hasSuffix(".dll")
                {
                    inspection.nativeBinaries.append(path)
                }
            }
        } else {
            inspection.notes.append("RECORD unreadable")
        }
        _ = siteDirectory
        return inspection
    }

    private func findDistInfo(_ record: QuarantineRecord) -> String? {
        let lib = record.directory + "/lib"
        let fileManager = FileManager()
        guard let pythons = try? fileManager.contentsOfDirectory(atPath: lib) else { return nil }
        for python in pythons.sorted() where python.hasPrefix("python") {
            let site = lib + "/" + python + "/site-packages"
            guard let entries = try? fileManager.contentsOfDirectory(atPath: site) else { continue }
            // `{name}-{version}.dist-info`, the name with `_` for separators.
            if let match = entries.sorted().first(where: {
                $0.hasSuffix(".dist-info")
                    && PackageName.normalize(String($0.prefix { $0 != "-" })) == record.normalizedName
            }) {
                return site + "/" + match
            }
        }
        return nil
    }

    private func readText(_ path: String) -> String? {
        guard let data = try? FileIO.read(path, limit: 16 << 20) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// RFC 822 style headers up to the first blank line; continuation lines joined.
    static func metadataFields(_ text: String) -> [MetadataField] {
        var fields: [MetadataField] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1].value += "\n" + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append(
                MetadataField(
                    key: String(line[..<colon]),
                    value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return fields
    }

    static func firstCSVField(_ line: String) -> String? {
        if line.hasPrefix("\"") {
            var value = ""
            var index = line.index(after: line.startIndex)
            while index < line.endIndex {
                let character = line[index]
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        value.append("\"")
                        index = line.index(after: next)
                        continue
                    }
                    return value
                }
                value.append(character)
                index = line.index(after: index)
            }
            return value
        }
        let field = line.prefix { $0 != "," }
        return field.isEmpty ? nil : String(field)
    }

    // MARK: - Release and removal

    /// Re-scans the selected record with `decider`; when the verdict now allows it (or `force`, with a warning),
    /// installs it into its original target through `gate` (its dependencies are gated as usual) from the kept
    /// artifact, re-verified by hash, and then drops it from the quarantine.
    package func release(
        name: String, version: String?, force: Bool, decider: GateDecider, gate: InstallGate
    ) async throws -> GateOutcome {
        let selected = try records(name: name, version: version)
        guard selected.count == 1, let record = selected.first else {
            throw QuarantineError.ambiguous(name: name, versions: selected.map(\.version))
        }
        switch record.state {
        case .adding:
            throw QuarantineError.incomplete(name: record.name, version: record.version, state: record.state.rawValue)
        case .removing:
            try finishRemoval(record)
            throw QuarantineError.notFound(name: name, version: version)
        case .ready, .releasing:
            break
        }
        let actual = hexString(try SHA256.hash(fileAt: record.artifactPath))
        guard actual == record.artifactSHA256 else {
            throw QuarantineError.hashMismatch(
                path: record.artifactPath, expected: record.artifactSHA256, actual: actual)
        }
        let dependency = Dependency(
            name: record.name, version: record.version, specifier: "==\(record.version)",
            url: URL(fileURLWithPath: record.artifactPath).absoluteString,
            hashes: ["sha256:\(record.artifactSHA256)"], direct: true)
        let rescan: GateDecision
        do {
            let answers = try await decider.decide([dependency])
            guard let answer = answers.first(where: { $0.dependency.normalizedName == record.normalizedName }) else {
                throw GateError.missingDecision(name: record.name, version: record.version)
            }
            rescan = answer
        } catch let error as GateError {
            throw error
        } catch {
            throw GateError.engineFailed("\(error)")
        }
        let allowed = rescan.verdict.action <= .alert
        let reasons = InstallGate.reasons(rescan.verdict)
        if !allowed {
            guard force else {
                throw QuarantineError.notAllowed(
                    name: record.name, version: record.version, action: rescan.verdict.action, reasons: reasons)
            }
            services.diagnostics.warning(
                "releasing \(record.name) \(record.version) although it is still "
                    + "\(rescan.verdict.action.rawValue.uppercased()) (\(reasons)) because of --force")
        }
        try manifest.setState(.releasing, name: record.name, version: record.version)
        // The released distribution gets the re-scan's verdict (ALLOW when forced); its dependencies are gated.
        let released = record.normalizedName
        let forcedDecision = GateDecision(
            dependency: dependency, verdict: allowed ? rescan.verdict : Verdict(action: .allow, reasons: []),
            uploadTime: nil)
        let wrapped = GateDecider(
            minReleaseAgeHours: decider.minReleaseAgeHours, allowSourceBuilds: decider.allowSourceBuilds
        ) { dependencies in
            let others = dependencies.filter { $0.normalizedName != released }
            var answers = others.isEmpty ? [] : try await decider.decide(others)
            for dependency in dependencies where dependency.normalizedName == released {
                var decision = forcedDecision
                decision.dependency = dependency
                answers.append(decision)
            }
            return answers
        }
        let arguments =
            record.target.globalArguments + ["install"] + record.target.installOptions + [record.artifactPath]
        let outcome: GateOutcome
        do {
            outcome = try await gate.run(pip: record.target.pip, pipArguments: arguments, decider: { wrapped })
        } catch {
            _ = try? manifest.setState(.ready, name: record.name, version: record.version)
            throw error
        }
        if outcome.exitCode == 0 && outcome.result == .installed {
            try finishRemoval(record)
        } else {
            try manifest.setState(.ready, name: record.name, version: record.version)
        }
        return outcome
    }

    /// Deletes the selected records (every version when `version` is nil) and their folders.
    @discardableResult
    package func remove(name: String, version: String?) throws -> [QuarantineRecord] {
        let selected = try records(name: name, version: version)
        for record in selected { try finishRemoval(record) }
        return selected
    }

    /// Marks the record `removing`, deletes its folder, then its row: an interruption leaves a `removing` row that
    /// the next `remove` finishes.
    private func finishRemoval(_ record: QuarantineRecord) throws {
        try manifest.setState(.removing, name: record.name, version: record.version)
        try removeTree(record.directory)
        try manifest.delete(name: record.name, version: record.version)
    }

    /// Deletes a folder of ours (only below the quarantine root); a missing one is fine.
    private func removeTree(_ path: String) throws {
        let standardized = (path as NSString).standardizingPath
        guard standardized.hasPrefix(root + "/"), standardized != root else {
            throw QuarantineError.unsupported(name: path, reason: "refusing to delete outside \(root)")
        }
        guard FileIO.exists(standardized) else { return }
        do {
            try FileManager().removeItem(atPath: standardized)
        } catch {
            throw FileIOError.cannotWrite(path: standardized, reason: "\(error.localizedDescription)")
        }
    }
}
