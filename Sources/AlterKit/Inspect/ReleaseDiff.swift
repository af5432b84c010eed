import PythonCodeAnalysis

/// What a release has that the previous release of the same project did not: new install hooks, new `.pth` code,
/// new network, process or exec code. A hijacked release looks like its predecessor plus exactly these.
package struct ReleaseDiff: Sendable, Hashable, Codable {
    package var previousVersion: String?
    package var currentVersion: String?
    /// Hooks (see `ArtifactInspection.hooks`) absent from the previous release.
    package var newHooks: [String]
    /// Findings of the current release whose kind did not occur in the same file of the previous one.
    package var newFindings: [InspectionFinding]
    /// The diff's own findings (kind `newInRelease`), for the code factor and reports.
    package var findings: [InspectionFinding]

    /// Whether anything is new.
    package var isEmpty: Bool { newHooks.isEmpty && newFindings.isEmpty }
}

extension InspectionFinding.Kind {
    /// Kinds the release diff compares: code capabilities and start-up/install hooks.
    static let comparedInDiff: Set<InspectionFinding.Kind> = [
        .pthCode, .network, .process, .credentials, .writeOutside, .execDecoded, .execDataFile, .execDynamic,
        .obfuscation, .encodedBlob, .nativeBinary, .entryPointShadow, .installHook,
    ]
}

package enum ReleaseDiffer {
    /// A member path with the version-specific parts removed: the sdist's top directory, the `.dist-info` and
    /// `.data` directory names.
    static func stablePath(_ path: String, _ inspection: ArtifactInspection) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if inspection.format == .sdist, parts.count > 1 { parts.removeFirst() }
        if let first = parts.first {
            if first.hasSuffix(".dist-info") { parts[0] = "<dist-info>" }
            if first.hasSuffix(".data") { parts[0] = "<data>" }
        }
        return parts.joined(separator: "/")
    }

    /// Compares `current` with `previous`, two inspections of releases of the same project (same artifact type
    /// preferred: a wheel with a wheel).
    package static func diff(previous: ArtifactInspection, current: ArtifactInspection) -> ReleaseDiff {
        let before = Set(
            previous.findings.filter { InspectionFinding.Kind.comparedInDiff.contains($0.kind) }.map {
                "\($0.kind.rawValue)\u{0}\(stablePath($0.file, previous))"
            })
        let oldHooks = Set(previous.hooks)
        let newHooks = current.hooks.filter { !oldHooks.contains($0) }
        var seen = Set<String>()
        let newFindings = current.findings.filter { f in
            guard InspectionFinding.Kind.comparedInDiff.contains(f.kind), f.severity >= .medium else { return false }
            let key = "\(f.kind.rawValue)\u{0}\(stablePath(f.file, current))"
            return !before.contains(key) && seen.insert(key).inserted
        }
        let since = previous.version.map { " since \($0)" } ?? " since the previous release"
        var findings: [InspectionFinding] = []
        for hook in newHooks {
            let severity: Severity
            if hook.hasPrefix("pth ") && hook.hasSuffix("(code)") {
                severity = .high
            } else if hook == "setup.py" || hook.hasSuffix("(paths)") {
                severity = .low
            } else {
                severity = .medium
            }
            findings.append(
                InspectionFinding(
                    kind: .newInRelease, severity: severity, file: current.artifact, line: nil,
                    evidence: "new\(since): \(hook)"))
        }
        for f in newFindings {
            findings.append(
                InspectionFinding(
                    kind: .newInRelease, severity: min(max(f.severity, .medium), .high), file: f.file, line: f.line,
                    evidence: Evidence.clip("new\(since): \(f.kind.rawValue) — \(f.evidence)"), phase: f.phase))
        }
        return ReleaseDiff(
            previousVersion: previous.version, currentVersion: current.version, newHooks: newHooks,
            newFindings: newFindings, findings: findings.normalized())
    }
}
