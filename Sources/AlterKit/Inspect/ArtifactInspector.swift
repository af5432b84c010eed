import Foundation
import PythonPackaging
import TOMLKit

/// An error raised while reading members that is itself a finding: the artifact broke one of the reading limits
/// (size, count, ratio, traversal, links). Archive readers' errors conform where they are such limits.
package protocol ArtifactLimitViolation: Error {
    /// One line saying which limit and which entry.
    var limitDescription: String { get }
    /// How bad it is: traversal and decompression bombs are critical, sheer size is high.
    var limitSeverity: Severity { get }
}

/// Inspects an artifact's members without extracting, building or running anything: install-time code, start-up
/// code in `.pth` files, obfuscation, native binaries in pure-Python wheels, RECORD consistency, entry points that
/// shadow common commands. Members are read one at a time; only Python sources and metadata are kept, within a
/// budget, for following install-time and start-up imports across files.
package struct ArtifactInspector: Sendable {
    package var analyzer = CodeAnalyzer()
    /// Larger Python files are reported as not analysed.
    package var maxSourceBytes = 8 << 20
    /// Total bytes of Python source kept for following imports.
    package var sourceBudget = 256 << 20
    /// Files followed from one install-time or start-up entry.
    package var maxFollowedFiles = 400

    package init() {}

    /// Inspects the members `next` yields, until it returns nil. An `ArtifactLimitViolation` thrown by `next`
    /// becomes a finding and ends the reading (the result is marked incomplete); any other error propagates:
    /// the artifact could not be inspected.
    package func inspect(
        artifact: String, format: ArtifactFormat, sha256: String? = nil, next: () throws -> ArtifactMember?
    ) throws -> ArtifactInspection {
        let run = InspectionRun(inspector: self, artifact: artifact, format: format)
        do {
            while let member = try next() { run.add(member) }
        } catch let violation as any ArtifactLimitViolation {
            run.complete = false
            run.report(
                .archiveLimit, violation.limitSeverity, file: artifact, line: nil,
                evidence: violation.limitDescription)
        }
        var result = run.finish()
        result.sha256 = sha256
        return result
    }

    /// Inspects members already in memory.
    package func inspect(artifact: String, format: ArtifactFormat, members: [ArtifactMember]) -> ArtifactInspection {
        var iterator = members.makeIterator()
        // The iterator never throws, so neither does this.
        return (try? inspect(artifact: artifact, format: format, next: { iterator.next() }))
            ?? ArtifactInspection(artifact: artifact, format: format, complete: false)
    }
}

/// Commands a package must not install a script over (unless the package is that command's own project).
package enum ShadowedCommands {
    static let names: Set<String> = [
        "pip", "pip3", "pip2", "python", "python3", "python2", "sudo", "su", "ls", "git", "ssh", "scp", "curl",
        "wget", "bash", "sh", "zsh", "dash", "fish", "cat", "cp", "mv", "rm", "chmod", "chown", "env", "which", "id",
        "whoami", "ps", "kill", "rsync", "tar", "unzip", "gpg", "openssl", "docker", "kubectl", "apt", "apt-get",
        "yum", "dnf", "brew", "npm", "node", "make", "gcc", "cc", "systemctl", "crontab", "passwd", "login",
        "pipx", "twine", "poetry", "uv", "conda", "virtualenv", "ssh-keygen", "ssh-agent", "ping", "nc", "vim", "vi",
        "nano", "less", "more", "find", "grep", "sed", "awk", "xargs", "head", "tail", "mkdir", "touch", "ln",
    ]

    /// Whether `command`, installed by `project`, shadows a common command.
    package static func shadows(_ command: String, project: String?) -> Bool {
        let c = command.lowercased()
        let base = String(c.reversed().drop { $0.isNumber || $0 == "." }.reversed())
        guard names.contains(c) || names.contains(base) else { return false }
        guard let project else { return true }
        let p = PackageName.normalize(project)
        return !(p == c || p == base || p.replacingOccurrences(of: "-", with: "") == base)
    }
}

/// Facts about one member kept after its bytes are gone.
struct MemberFacts {
    var size: Int
    var recordHash: String?
    var native: String?
    var shebang: String?
    var isLink: Bool
    /// At most 4 KiB of printable UTF-8 text.
    var smallText = false
}

/// One inspection in progress.
final class InspectionRun {
    let inspector: ArtifactInspector
    let artifact: String
    let format: ArtifactFormat
    var complete = true
    var findings: [InspectionFinding] = []
    var members: [String: MemberFacts] = [:]
    var memberOrder: [String] = []
    /// Python sources, `.pth` files and metadata, by path.
    var texts: [String: [UInt8]] = [:]
    var keptSourceBytes = 0
    var totalBytes = 0
    var runtimeExecuted: [(file: String, executed: ExecutedFile)] = []
    var deferredSources: [String] = []
    var runtimeImports: [(file: String, imported: ImportedModule)] = []
    var hooks: [String] = []
    /// Analyses of install-time and start-up code by phases and path: setup.py and a file followed from several
    /// entries are analysed once per phase.
    var analyses: [String: CodeAnalysis] = [:]
    var project: String?
    var version: String?

    init(inspector: ArtifactInspector, artifact: String, format: ArtifactFormat) {
        self.inspector = inspector
        self.artifact = artifact
        self.format = format
    }

    func report(_ kind: InspectionFinding.Kind, _ severity: Severity, file: String, line: Int?, evidence: String) {
        findings.append(
            InspectionFinding(kind: kind, severity: severity, file: file, line: line, evidence: Evidence.clip(evidence))
        )
    }

    static let metadataNames: Set<String> = [
        "RECORD", "WHEEL", "METADATA", "PKG-INFO", "entry_points.txt", "pyproject.toml", "setup.cfg",
    ]

    // MARK: Streaming

    func add(_ member: ArtifactMember) {
        var path = member.path
        while path.hasPrefix("./") { path.removeFirst(2) }
        if path.isEmpty { return }
        switch member.kind {
        case .directory:
            return
        case .symlink(let target), .hardlink(let target):
            members[path] = MemberFacts(size: 0, recordHash: nil, native: nil, shebang: nil, isLink: true)
            memberOrder.append(path)
            let escapes = target.hasPrefix("/") || Self.normalize(Self.dirname(path) + "/" + target) == nil
            if escapes {
                report(
                    .archiveLimit, .critical, file: path, line: nil,
                    evidence: "link to \(target) points outside the artifact")
            } else if format == .wheel {
                report(.archiveLimit, .medium, file: path, line: nil, evidence: "a wheel holding a link (to \(target))")
            }
            return
        case .file:
            break
        }
        let data = member.data
        totalBytes += data.count
        var facts = MemberFacts(
            size: data.count, recordHash: nil, native: BinaryKind.native(data), shebang: BinaryKind.shebang(data),
            isLink: false)
        if format != .sdist { facts.recordHash = WheelMetadata.recordHash(data) }
        if data.count <= 4096, let text = String(validating: [UInt8](data), as: UTF8.self) {
            facts.smallText = text.unicodeScalars.allSatisfy {
                $0.value >= 0x20 || $0 == "\n" || $0 == "\t" || $0 == "\r"
            }
        }
        members[path] = facts
        memberOrder.append(path)

        let fileName = String(path.split(separator: "/").last ?? "")
        let lower = fileName.lowercased()
        if lower.hasSuffix(".py") || lower.hasSuffix(".pyw") {
            guard data.count <= inspector.maxSourceBytes else {
                report(
                    .unanalyzed, .low, file: path, line: nil,
                    evidence: "Python file of \(data.count) bytes not analysed (limit \(inspector.maxSourceBytes))")
                return
            }
            let bytes = [UInt8](data)
            let keep = keptSourceBytes + bytes.count <= inspector.sourceBudget
            if keep {
                texts[path] = bytes
                keptSourceBytes += bytes.count
            }
            if format == .sdist && keep {
                // Which sdist files are package modules is known once every member has been seen.
                deferredSources.append(path)
            } else {
                analyzeRuntime(path, bytes, topPhase: Self.isAuxiliary(path) ? .callTime : .importTime)
            }
        } else if lower.hasSuffix(".pth") || Self.metadataNames.contains(fileName) {
            texts[path] = [UInt8](data.prefix(4 << 20))
        }
    }

    /// The analysis of the kept source at `path` (or of `bytes`, read from it) in these phases, computed once.
    func analysis(of path: String, _ bytes: [UInt8], top: CodePhase, function: CodePhase) -> CodeAnalysis {
        let key = "\(top.rawValue)\u{0}\(function.rawValue)\u{0}\(path)"
        if let known = analyses[key] { return known }
        let analysis = inspector.analyzer.analyze(source: bytes, file: path, topPhase: top, functionPhase: function)
        analyses[key] = analysis
        return analysis
    }

    /// Library code: module level at import, functions when called.
    func analyzeRuntime(_ path: String, _ bytes: [UInt8], topPhase: CodePhase) {
        let analysis: (findings: [InspectionFinding], executedFiles: [ExecutedFile], imports: [ImportedModule])
        if topPhase == .callTime {
            // Nothing in it runs at import: its imports are not followed, and most such files cannot find anything.
            let found = inspector.analyzer.analyzeCallTimeCode(source: bytes, file: path)
            analysis = (found.findings, found.executedFiles, [])
        } else {
            let full = inspector.analyzer.analyze(
                source: bytes, file: path, topPhase: topPhase, functionPhase: .callTime)
            analysis = (full.findings, full.executedFiles, full.imports)
        }
        // Encoded fixtures are what test suites are made of: low at most there.
        let auxiliary = Self.isAuxiliary(path)
        findings += analysis.findings.map { finding in
            var f = finding
            if auxiliary && f.kind == .encodedBlob { f.severity = min(f.severity, .low) }
            return f
        }
        for executed in analysis.executedFiles { runtimeExecuted.append((path, executed)) }
        for imported in analysis.imports where imported.phase == .importTime { runtimeImports.append((path, imported)) }
    }

    /// Test or example modules that package code imports at import time run at import time too: a payload parked
    /// under `tests/` and imported from `__init__.py` is judged as import-time code.
    func analyzeAuxiliaryImports() {
        var done = Set<String>()
        var index = 0
        while index < runtimeImports.count, done.count < inspector.maxFollowedFiles {
            let (from, imported) = runtimeImports[index]
            index += 1
            let names = imported.module.split(separator: ".").map(String.init) + imported.names
            guard names.contains(where: { Self.isAuxiliary($0 + "/x") }) else { continue }
            for file in resolve(imported, from: from) where Self.isAuxiliary(file) && done.insert(file).inserted {
                if let bytes = texts[file] { analyzeRuntime(file, bytes, topPhase: .importTime) }
            }
        }
    }

    /// Directory names whose code the package does not run: tests, examples, documentation, scripts, CI.
    static let auxiliaryDirectories: Set<String> = [
        "examples", "example", "docs", "doc", "documentation", "scripts", "benchmarks", "benchmark", "bench",
        "tools", "ci", ".circleci", ".github", "demo", "demos", "samples", "sample", "galleries", "gallery",
        "tutorials", "tutorial", "testing",
    ]

    /// Whether `path` sits in a test, example, documentation or script directory: its module-level code runs when
    /// someone runs those, not when the package is imported.
    static func isAuxiliary(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        if let file = components.last, ["conftest.py", "noxfile.py", "fabfile.py"].contains(file.lowercased()) {
            return true
        }
        return components.dropLast().contains { component in
            let c = component.lowercased()
            return auxiliaryDirectories.contains(c) || c.hasPrefix("test") || c.hasSuffix("tests")
        }
    }

    /// Sdist sources, once the member list is complete: package modules (a directory with `__init__.py`, outside
    /// tests and examples) run at import; loose scripts, build helpers and tests only when run.
    func analyzeDeferredSources() {
        for path in deferredSources {
            guard let bytes = texts[path] else { continue }
            let dir = Self.dirname(path)
            let isModule = !Self.isAuxiliary(path) && !dir.isEmpty && members[dir + "/__init__.py"] != nil
            analyzeRuntime(path, bytes, topPhase: isModule ? .importTime : .callTime)
        }
    }

    // MARK: Paths

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// Resolves `.` and `..`; nil when the path climbs above the root.
    static func normalize(_ path: String) -> String? {
        var parts: [Substring] = []
        for component in path.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
            } else {
                parts.append(component)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The sdist's top directory with its slash (`name-1.0/`), or "" when members do not share one.
    lazy var sdistRoot: String = {
        guard format == .sdist, let first = memberOrder.first, let slash = first.firstIndex(of: "/") else { return "" }
        let root = String(first[...slash])
        return memberOrder.allSatisfy { $0.hasPrefix(root) } ? root : ""
    }()

    /// The wheel's (or installed distribution's) `.dist-info` directory with its slash.
    lazy var distInfo: String? = {
        let candidates = memberOrder.compactMap { path -> String? in
            let parts = path.split(separator: "/")
            guard parts.count == 2, parts[0].hasSuffix(".dist-info"), parts[1] == "WHEEL" || parts[1] == "RECORD"
            else { return nil }
            return String(parts[0]) + "/"
        }
        // Several dist-info directories: the one named after the wheel file wins.
        let stem = artifact.split(separator: "/").last.map { String($0.split(separator: "-").first ?? "") } ?? ""
        return candidates.first {
            PackageName.normalize(String($0.split(separator: "-").first ?? "")) == PackageName.normalize(stem)
        }
            ?? candidates.first
    }()

    /// Directories Python imports from, inside the artifact (computed once the members are known).
    lazy var importRoots: [String] = {
        switch format {
        case .sdist: return [sdistRoot, sdistRoot + "src/"]
        case .wheel, .installed:
            let data = memberOrder.compactMap { path -> String? in
                let parts = path.split(separator: "/")
                guard parts.count > 2, parts[0].hasSuffix(".data"), parts[1] == "purelib" || parts[1] == "platlib"
                else { return nil }
                return "\(parts[0])/\(parts[1])/"
            }
            return [""] + Set(data).sorted()
        }
    }()

    /// Files a Python import loads, that exist among the kept sources.
    func resolve(_ imported: ImportedModule, from file: String) -> [String] {
        var bases: [String]
        if imported.level > 0 {
            var dir = Self.dirname(file)
            for _ in 1..<imported.level { dir = Self.dirname(dir) }
            bases = [dir.isEmpty ? "" : dir + "/"]
        } else {
            bases = importRoots
            // setup.py's own directory is on sys.path.
            let own = Self.dirname(file)
            if !own.isEmpty && !bases.contains(own + "/") { bases.append(own + "/") }
        }
        let parts = imported.module.split(separator: ".").map(String.init)
        var found: [String] = []
        for base in bases {
            var prefix = base
            for (i, part) in parts.enumerated() {
                prefix += part
                let candidates =
                    i == parts.count - 1 ? [prefix + ".py", prefix + "/__init__.py"] : [prefix + "/__init__.py"]
                found += candidates.filter { texts[$0] != nil }
                prefix += "/"
            }
            for name in imported.names where name != "*" {
                let module = parts.isEmpty ? base + name : prefix + name
                found += [module + ".py", module + "/__init__.py"].filter { texts[$0] != nil }
            }
        }
        return found
    }

    /// The member an executed path names, when it is inside the artifact.
    func resolve(_ path: PathValue, from file: String) -> String? {
        var rest = path.rest
        while rest.hasPrefix("…/") { rest.removeFirst(2) }
        guard !rest.isEmpty, !rest.contains("…") else { return nil }
        switch path.anchor {
        case .buildDir:
            return Self.normalize(Self.dirname(file) + "/" + rest).flatMap { members[$0] != nil ? $0 : nil }
        case .relative:
            for base in [sdistRoot, Self.dirname(file) + "/"] {
                if let p = Self.normalize(base + rest), members[p] != nil { return p }
            }
            return nil
        case .unknown:
            return memberOrder.first { $0 == rest || $0.hasSuffix("/" + rest) }
        default:
            return nil
        }
    }
}
