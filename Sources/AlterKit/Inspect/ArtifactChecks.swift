import Foundation
import PythonCodeAnalysis
import TOMLKit

/// The checks that need the whole artifact: metadata, RECORD, binaries, entry points, `.pth` files, install-time
/// code followed across files.
extension InspectionRun {
    func finish() -> ArtifactInspection {
        readIdentity()
        switch format {
        case .wheel, .installed:
            // RECORD can only be compared with a wheel that was read to the end.
            if complete { recordChecks() }
            nativeChecks()
            wheelEntryPoints()
        case .sdist:
            analyzeDeferredSources()
            installTimeCode()
            sdistEntryPoints()
        }
        analyzeAuxiliaryImports()
        pthChecks()
        runtimeExecutedFiles()
        return ArtifactInspection(
            artifact: artifact, format: format, project: project, version: version, fileCount: members.count,
            totalBytes: totalBytes, findings: deduplicated(), complete: complete, hooks: hooks)
    }

    /// One finding per kind, file and line: the most severe one.
    func deduplicated() -> [InspectionFinding] {
        var best: [String: InspectionFinding] = [:]
        for f in findings {
            let key = "\(f.kind.rawValue)\u{0}\(f.file)\u{0}\(f.line ?? 0)"
            if let existing = best[key], existing.severity >= f.severity { continue }
            best[key] = f
        }
        return Array(best.values).normalized()
    }

    func text(_ path: String) -> Data? { texts[path].map { Data($0) } }

    func readIdentity() {
        var headers: [String: [String]] = [:]
        if let distInfo, let metadata = text(distInfo + "METADATA") {
            headers = WheelMetadata.headers(metadata)
        } else if let pkgInfo = text(sdistRoot + "PKG-INFO") {
            headers = WheelMetadata.headers(pkgInfo)
        }
        project = headers["name"]?.first
        version = headers["version"]?.first
        if project == nil {
            // From the file name: name-version[-tags].whl or name-version.tar.gz.
            var stem = String(artifact.split(separator: "/").last ?? "")
            for suffix in [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar"] where stem.hasSuffix(suffix) {
                stem.removeLast(suffix.count)
            }
            let parts = stem.split(separator: "-")
            if format == .wheel, parts.count >= 2 {
                project = String(parts[0])
                version = String(parts[1])
            } else if let dash = stem.lastIndex(of: "-") {
                project = String(stem[..<dash])
                version = String(stem[stem.index(after: dash)...])
            }
        }
    }

    // MARK: RECORD

    func recordChecks() {
        guard let distInfo else {
            if format == .wheel {
                report(
                    .recordMissing, .high, file: artifact, line: nil, evidence: "a wheel without a .dist-info/RECORD")
            }
            return
        }
        guard let recordData = text(distInfo + "RECORD") else {
            report(.recordMissing, .high, file: distInfo + "RECORD", line: nil, evidence: "no RECORD in \(distInfo)")
            return
        }
        let record = WheelMetadata.parseRecord(recordData)
        var listed: [String: WheelMetadata.RecordEntry] = [:]
        for entry in record { listed[Self.normalize(entry.path) ?? entry.path] = entry }
        if format == .wheel {
            let unsigned: Set<String> = [distInfo + "RECORD", distInfo + "RECORD.jws", distInfo + "RECORD.p7s"]
            for path in memberOrder where listed[path] == nil && !unsigned.contains(path) {
                let lower = path.lowercased()
                let code =
                    lower.hasSuffix(".py") || lower.hasSuffix(".pth") || lower.hasSuffix(".so")
                    || members[path]?.native != nil
                report(
                    .unlistedFile, code ? .high : .medium, file: path, line: nil,
                    evidence: "\(path) is in the wheel but not listed in RECORD")
            }
        }
        for (path, entry) in listed.sorted(by: { $0.key < $1.key }) {
            guard let facts = members[path] else {
                if format == .wheel {
                    report(
                        .recordMissing, .low, file: path, line: nil, evidence: "RECORD lists \(path), not in the wheel")
                }
                continue
            }
            guard !entry.hash.isEmpty, let actual = facts.recordHash else { continue }
            let expected = entry.hash.replacingOccurrences(of: "=", with: "")
            guard expected.lowercased().hasPrefix("sha256") else {
                report(
                    .recordMismatch, .low, file: path, line: nil,
                    evidence:
                        "RECORD hash of \(path) uses \(entry.hash.split(separator: "=").first ?? ""), not verified")
                continue
            }
            let actualBare = actual.replacingOccurrences(of: "=", with: "")
            if "sha256" + expected.dropFirst(6) != actualBare {
                let what = format == .installed ? "changed since it was installed" : "does not match RECORD"
                report(
                    .recordMismatch, .high, file: path, line: nil,
                    evidence: "\(path) \(what) (RECORD \(entry.hash), actual \(actual))")
            } else if let size = entry.size, size != facts.size {
                report(
                    .recordMismatch, .high, file: path, line: nil,
                    evidence: "\(path) is \(facts.size) bytes, RECORD says \(size)")
            }
        }
    }

    // MARK: Binaries

    func nativeChecks() {
        guard let distInfo, let wheel = text(distInfo + "WHEEL") else { return }
        let purelib = WheelMetadata.headers(wheel)["root-is-purelib"]?.first?.lowercased() == "true"
        // A wheel whose tag says it is for one platform may carry binaries whatever Root-Is-Purelib says.
        let tags = WheelMetadata.headers(wheel)["tag"] ?? []
        let platformSpecific = tags.contains { !$0.hasSuffix("-any") }
        guard purelib && !platformSpecific else { return }
        for path in memberOrder {
            guard let facts = members[path] else { continue }
            let inScripts = path.split(separator: "/").dropFirst().first == "scripts" && path.contains(".data/")
            if let native = facts.native {
                report(
                    .nativeBinary, .medium, file: path, line: nil,
                    evidence: "\(native) executable or library in a pure-Python wheel")
            } else if let interpreter = facts.shebang, !inScripts, !interpreter.lowercased().hasPrefix("python"),
                !interpreter.isEmpty
            {
                report(
                    .nativeBinary, .low, file: path, line: 1,
                    evidence: "\(interpreter) script outside .data/scripts in a pure-Python wheel")
            }
        }
    }

    // MARK: Entry points

    func wheelEntryPoints() {
        if let distInfo, let data = text(distInfo + "entry_points.txt") {
            let sections = WheelMetadata.ini(data)
            for section in ["console_scripts", "gui_scripts"] {
                for entry in sections[section] ?? [] where ShadowedCommands.shadows(entry.key, project: project) {
                    report(
                        .entryPointShadow, .high, file: distInfo + "entry_points.txt", line: entry.line,
                        evidence: "\(section) installs `\(entry.key)` (\(entry.value)), shadowing a common command")
                }
            }
        }
        for path in memberOrder {
            let parts = path.split(separator: "/")
            guard parts.count == 3, parts[0].hasSuffix(".data"), parts[1] == "scripts" else { continue }
            if ShadowedCommands.shadows(String(parts[2]), project: project) {
                report(
                    .entryPointShadow, .high, file: path, line: nil,
                    evidence: "installs the script `\(parts[2])`, shadowing a common command")
            }
        }
    }

    func sdistEntryPoints() {
        guard let data = text(sdistRoot + "pyproject.toml"), let table = Self.parseTOML(data) else { return }
        for key in ["scripts", "gui-scripts"] {
            guard let scripts = table["project"]?.table?[key]?.table else { continue }
            for name in scripts.keys where ShadowedCommands.shadows(name, project: project) {
                report(
                    .entryPointShadow, .high, file: sdistRoot + "pyproject.toml", line: nil,
                    evidence: "[project.\(key)] installs `\(name)`, shadowing a common command")
            }
        }
    }

    // MARK: Following code across files

    /// Analyses `entries` and every file they import or exec inside the artifact. Returns the findings.
    func follow(_ entries: [(path: String, top: CodePhase, function: CodePhase)], source: [String: [UInt8]] = [:])
        -> [InspectionFinding]
    {
        var queue = entries
        var visited = Set<String>()
        var found: [InspectionFinding] = []
        var index = 0
        while index < queue.count, visited.count < inspector.maxFollowedFiles {
            let (path, top, function) = queue[index]
            index += 1
            guard visited.insert(path).inserted else { continue }
            let analysis: CodeAnalysis
            if let bytes = source[path] {
                analysis = inspector.analyzer.analyze(source: bytes, file: path, topPhase: top, functionPhase: function)
            } else if let bytes = texts[path] {
                analysis = self.analysis(of: path, bytes, top: top, function: function)
            } else {
                continue
            }
            found += analysis.findings
            for imported in analysis.imports where imported.phase == .install || imported.phase == .startup {
                for file in resolve(imported, from: path) where !visited.contains(file) {
                    // Helpers next to setup.py are build code through and through; package modules run their
                    // functions only when called.
                    let helper = format == .sdist && Self.dirname(file) + "/" == sdistRoot
                    queue.append((file, imported.phase, helper ? imported.phase : .callTime))
                }
            }
            for executed in analysis.executedFiles where executed.phase == .install || executed.phase == .startup {
                found += executedFile(
                    executed, from: path, follow: { queue.append(($0, executed.phase, executed.phase)) })
            }
        }
        return found
    }

    /// Judges a file that code reads and runs with `exec`.
    func executedFile(_ executed: ExecutedFile, from file: String, follow: (String) -> Void) -> [InspectionFinding] {
        let severity = CodeRules.severity(.execDataFile, executed.phase)
        func finding(_ severity: Severity?, _ note: String) -> [InspectionFinding] {
            guard let severity else { return [] }
            return [
                InspectionFinding(
                    kind: .execDataFile, severity: severity, file: file, line: executed.line,
                    evidence: Evidence.clip(note + ": " + executed.evidence), phase: executed.phase)
            ]
        }
        if executed.path.isOutsideBuildDir {
            return finding(severity, "runs the file \(executed.path.display), outside the artifact")
        }
        guard let target = resolve(executed.path, from: file) else {
            let name = executed.path.rest
            if name.isEmpty || name.lowercased().hasSuffix(".py") || executed.phase == .callTime { return [] }
            return finding(.medium, "runs \(name), which is not in the artifact")
        }
        if target.lowercased().hasSuffix(".py") {
            follow(target)
            return []
        }
        // A data file run as code. A few lines of plain text (a version stub without the .py) are odd but
        // ordinary; anything bigger or binary is a payload hidden from the usual places.
        if members[target]?.smallText == true {
            return finding(.medium, "runs the small text file \(target) as code")
        }
        return finding(severity, "runs the data file \(target) as code")
    }

    // MARK: .pth files

    /// Whether a `.pth` member lands where site.py reads it: the top of site-packages (a wheel's root or its
    /// `.data/purelib|platlib/`; an sdist's root or `src/`, where builds pick such files up). Deeper ones are data.
    func isSitePth(_ path: String) -> Bool {
        var rel = path
        if format == .sdist {
            guard rel.hasPrefix(sdistRoot) else { return false }
            rel.removeFirst(sdistRoot.count)
            if rel.hasPrefix("src/") { rel.removeFirst(4) }
            return !rel.contains("/")
        }
        let parts = rel.split(separator: "/")
        if parts.count == 1 { return true }
        return parts.count == 3 && parts[0].hasSuffix(".data") && (parts[1] == "purelib" || parts[1] == "platlib")
    }

    func pthChecks() {
        for path in memberOrder where path.lowercased().hasSuffix(".pth") && isSitePth(path) {
            guard let bytes = texts[path] else { continue }
            let lines = String(decoding: bytes, as: UTF8.self).split(
                omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            var codeLines: [Int] = []
            var program = ""
            for (i, line) in lines.enumerated() {
                // site.py runs lines that start with "import" followed by a space or a tab; the rest are paths.
                if line.hasPrefix("import ") || line.hasPrefix("import\t") {
                    codeLines.append(i + 1)
                    program += line + "\n"
                } else {
                    program += "\n"
                }
            }
            let name = String(path.split(separator: "/").last ?? "")
            guard let first = codeLines.first else {
                hooks.append("pth \(name) (paths)")
                continue
            }
            hooks.append("pth \(name) (code)")
            let found = follow([(path, .startup, .callTime)], source: [path: Array(program.utf8)])
            findings += found
            let dangerous = found.contains { $0.phase == .startup && $0.severity >= .high }
            // Path setup (imports, sys.path, a finder's install(), an environment read) is what .pth code is for;
            // anything else — writing files, running programs, decoding, connecting — runs at every start unasked.
            let beyond =
                codeLines.lazy.compactMap { Self.pthBeyondPathSetup(String(lines[$0 - 1])) }.first
                ?? found.first { $0.phase == .startup && $0.severity >= .medium }.map { "\($0.kind.rawValue)" }
            let line = String(lines[first - 1])
            let severity: Severity = dangerous ? .critical : beyond != nil ? .high : .medium
            let evidence =
                dangerous
                ? "runs code at every interpreter start, and that code is dangerous: "
                : beyond.map { "runs code at every interpreter start that does more than path setup (\($0)): " }
                    ?? "runs code at every interpreter start: "
            report(.pthCode, severity, file: path, line: first, evidence: evidence + line)
        }
    }

    // MARK: Install-time code (sdists)

    func installTimeCode() {
        var entries: [(path: String, top: CodePhase, function: CodePhase)] = []
        let setup = sdistRoot + "setup.py"
        if members[setup] != nil {
            hooks.append("setup.py")
            entries.append((setup, .install, .install))
            if let bytes = texts[setup] {
                let analysis = self.analysis(of: setup, bytes, top: .install, function: .install)
                if let line = analysis.commandClassLines.first {
                    hooks.append("setup.py cmdclass")
                    report(
                        .installHook, .low, file: setup, line: line,
                        evidence: "custom setup commands (cmdclass) run at install time")
                }
            }
        }
        if let data = text(sdistRoot + "pyproject.toml"),
            let table = Self.parseTOML(data),
            let system = table["build-system"]?.table,
            let backend = system["build-backend"]?.string,
            let backendPath = system["backend-path"]?.array
        {
            let module = String(backend.split(separator: ":").first ?? "")
            for item in backendPath {
                guard let dir = item.string, let base = Self.normalize(sdistRoot + dir) else { continue }
                let prefix = base.isEmpty ? "" : base + "/"
                let parts = module.split(separator: ".").joined(separator: "/")
                for candidate in [prefix + parts + ".py", prefix + parts + "/__init__.py"]
                where members[candidate] != nil {
                    hooks.append("build backend \(backend) (in-tree)")
                    report(
                        .installHook, .low, file: candidate, line: nil,
                        evidence: "in-tree build backend \(backend) (backend-path \(dir)) runs at install time")
                    entries.append((candidate, .install, .install))
                }
            }
        }
        findings += follow(entries)
    }

    /// Data files that library code reads and runs at import or call time.
    func runtimeExecutedFiles() {
        for (file, executed) in runtimeExecuted {
            findings += executedFile(executed, from: file, follow: { _ in })
        }
    }
}

extension InspectionRun {
    /// Names a `.pth` line uses when it does more than set up paths: file writes and removals, processes, network,
    /// decoding, dynamic code. Legitimate `.pth` code (setuptools' `distutils-precedence.pth`, namespace packages'
    /// `-nspkg.pth`, editable finders, coverage's start-up hook) uses none of them.
    static let pthActionNames: Set<String> = [
        "open", "write", "write_text", "write_bytes", "writelines", "remove", "unlink", "rmtree", "rename", "replace",
        "makedirs", "mkdir", "chmod", "symlink", "copy", "copyfile", "move", "system", "popen", "Popen", "subprocess",
        "spawn", "execv", "execve", "execl", "execvp", "fork", "socket", "urlopen", "urlretrieve", "urllib", "requests",
        "http", "httpx", "exec", "eval", "compile", "b64decode", "base64", "decompress", "zlib", "marshal", "pickle",
        "loads", "codecs", "ctypes", "shutil", "setattr", "getattr", "globals", "builtins", "__builtins__", "input",
        "putenv", "webbrowser", "pty", "signal", "atexit", "threading", "Thread",
    ]

    /// What a `.pth` import line does beyond path setup (the first such name), or nil when it only sets up paths.
    static func pthBeyondPathSetup(_ line: String) -> String? {
        var words: [String] = []
        var current = ""
        for ch in line.unicodeScalars {
            if ch == "_" || ch.properties.isAlphabetic || ("0"..."9").contains(ch) {
                current.unicodeScalars.append(ch)
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.first { pthActionNames.contains($0) }
    }

    /// A TOML file from an artifact, parsed only when its structure is sound: toml++ inside TOMLKit aborts on some
    /// malformed documents, and an artifact is hostile input. Unparseable → nil (the checks that need it skip).
    static func parseTOML(_ data: Data) -> TOMLTable? {
        let text = String(decoding: data, as: UTF8.self)
        guard (try? TOMLStructure.check(text)) != nil else { return nil }
        return try? TOMLTable(string: text)
    }
}
