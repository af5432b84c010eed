import Foundation
import PythonPackaging

/// One verdict read at a glance: a headline naming what flagged the package (`BLOCKED requests 2.19.1:
/// 2 vulnerabilities (PYSEC-2018-28, PYSEC-2023-74); fixed in 2.31.0`) and the way out (`pip install
/// "requests>=2.31.0"`, or the configuration entry that would accept it). The gate and the table print these; every
/// reason in full (summaries included) stays in `--verbose`, the table's details and every machine format.
/// A pure function of the verdict, the package's vulnerabilities and `now` (the expiry an ignore entry proposes).
package struct VerdictGlance: Sendable {
    package var dependency: Dependency
    package var verdict: Verdict
    /// The package's vulnerability findings (fixed versions, severities); may be empty, then the reasons alone
    /// speak (no fixed version is known).
    package var vulnerabilities: [VulnerabilityFinding]

    /// How long an ignore entry proposed as the way out lasts.
    package static let ignoreDays = 30

    package init(dependency: Dependency, verdict: Verdict, vulnerabilities: [VulnerabilityFinding]) {
        self.dependency = dependency
        self.verdict = verdict
        self.vulnerabilities = vulnerabilities
    }

    /// `BLOCKED`, `QUARANTINED`, `ALERT` or `ALLOWED`.
    package static func label(_ action: Action) -> String {
        switch action {
        case .block: "BLOCKED"
        case .quarantine: "QUARANTINED"
        case .alert: "ALERT"
        case .allow: "ALLOWED"
        }
    }

    /// What flagged the package, on one line: the vulnerabilities counted with their ids and the version that fixes
    /// them all, a known-malicious record, and each other reason that counts (at least an ALERT); a soft risk
    /// factor is named by the composite's reason, not again on its own.
    package var causes: String {
        let counted = verdict.reasons.filter { $0.action >= .alert }
        var parts: [String] = []
        let malicious = counted.filter { $0.kind == .malicious }.compactMap(\.subject)
        if !malicious.isEmpty {
            parts.append("known malicious (\(malicious.joined(separator: ", ")))")
        }
        let vulnerable = counted.filter(Self.namesVulnerability)
        if !vulnerable.isEmpty { parts.append(vulnerabilityPhrase(vulnerable)) }
        let composite = counted.contains { $0.kind == .risk && $0.subject == "risk" }
        for reason in counted where reason.kind != .malicious && !Self.namesVulnerability(reason) {
            if composite, reason.kind == .risk, let subject = reason.subject, subject != "risk",
                !PolicyEngine.decisiveFactors.contains(subject)
            {
                continue
            }
            parts.append(reason.message)
        }
        if parts.isEmpty {
            parts = verdict.reasons.filter { $0.kind == .ignored }.map(\.message)
        }
        return parts.isEmpty ? "no reason given" : parts.joined(separator: "; ")
    }

    /// A vulnerability reason with its id (one without speaks through its message).
    private static func namesVulnerability(_ reason: Reason) -> Bool {
        reason.kind == .vulnerability && reason.subject != nil
    }

    /// `LABEL name version: causes`, with `extra` after the version (`(a dependency)`, a location).
    package func headline(label: String? = nil, extra: String = "") -> String {
        let version = dependency.version ?? ReportText.version(dependency)
        return "\(label ?? Self.label(verdict.action)) \(dependency.name) \(version)\(extra): \(causes)"
    }

    /// `N vulnerabilities (ID severity, …)`, which of them no record scores (and the rule they then follow), and the
    /// version that fixes them all.
    private func vulnerabilityPhrase(_ reasons: [Reason]) -> String {
        let ids = reasons.compactMap(\.subject).sorted()
        let findings = findingsByID
        let unscored = reasons.filter { reason in
            guard let id = reason.subject, let finding = findings[id] else { return false }
            return finding.severity == .unknown && finding.score == nil
        }
        let mixed = !unscored.isEmpty && unscored.count < ids.count
        let listed = ids.map { id in
            guard let finding = findings[id] else { return id }
            if finding.severity != .unknown { return "\(id) \(finding.severity.rawValue)" }
            return mixed && finding.score == nil ? "\(id) unscored" : id
        }
        var phrase =
            "\(ids.count) \(ids.count == 1 ? "vulnerability" : "vulnerabilities") (\(listed.joined(separator: ", ")))"
        // Said as such, with the rule an unscored advisory follows: it explains why such a package is held.
        if let rule = unscored.first?.action {
            phrase +=
                (mixed ? ", the unscored" : "")
                + " with no severity in any record (severity_actions.unknown = \(rule.rawValue))"
        }
        let (fix, unfixed) = fixedVersion(ids)
        if let fix {
            phrase += "; fixed in \(fix)"
            if !unfixed.isEmpty { phrase += " (\(unfixed.joined(separator: ", ")): no fixed version)" }
        } else {
            phrase += "; no fixed version"
        }
        return phrase
    }

    private var findingsByID: [String: VulnerabilityFinding] {
        var byID: [String: VulnerabilityFinding] = [:]
        for finding in vulnerabilities { byID[finding.id] = finding }
        return byID
    }

    /// The least version that fixes every one of `ids` (the highest of their nearest fixes), and the ids no version
    /// fixes.
    private func fixedVersion(_ ids: [String]) -> (fix: String?, unfixed: [String]) {
        let findings = findingsByID
        var best: (text: String, version: Version)?
        var unfixed: [String] = []
        for id in ids {
            guard let text = findings[id]?.nearestFix, let version = try? Version(text) else {
                unfixed.append(id)
                continue
            }
            if best.map({ version > $0.version }) ?? true { best = (text, version) }
        }
        return (best?.text, unfixed)
    }

    /// The one line that gets the user past this verdict, or nil for ALLOW: a version that fixes every vulnerability
    /// that stops it; an `ignore` entry (expiring `ignoreDays` after `now`) for vulnerabilities with no fix; an
    /// allowlist entry for this very version when heuristics or inspection stopped it; nothing that accepts a
    /// known-malicious release or overrides the blocklist.
    package func wayOut(now: Date) -> String? {
        let stopping = verdict.reasons.filter {
            verdict.action >= .quarantine ? $0.action >= .quarantine : $0.action == verdict.action
        }
        guard verdict.action != .allow, !stopping.isEmpty else { return nil }
        let name = dependency.name
        let version = dependency.version ?? ""
        if let record = stopping.first(where: { $0.kind == .malicious }) {
            return "none: \(record.subject ?? "a record") says \(name) \(version) is malicious; remove it (and "
                + "whatever requires it)"
        }
        if let entry = stopping.first(where: { $0.kind == .blocklist }) {
            return "your blocklist refuses it (\(entry.subject.map { "\"\($0)\"" } ?? "an entry")); to accept it, "
                + "remove that entry"
        }
        if stopping.allSatisfy({ $0.kind == .sourceFailure }) {
            let source = stopping.compactMap(\.subject).first ?? "the data source"
            return "try again once \(source) answers"
        }
        if stopping.allSatisfy(Self.namesVulnerability) {
            let ids = stopping.compactMap(\.subject).sorted()
            let (fix, unfixed) = fixedVersion(ids)
            if let fix, unfixed.isEmpty { return "pip install \"\(name)>=\(fix)\"" }
            return ignoreEntry(ids, now: now)
        }
        guard !version.isEmpty else { return nil }
        return
            "to accept this version, add to [tool.alterks]: allowlist = [\"\(dependency.normalizedName)==\(version)\"]"
    }

    /// `ignore = [{ id = "…", package = "…", until = YYYY-MM-DD, reason = "…" }, …]`, ready for `[tool.alterks]`.
    private func ignoreEntry(_ ids: [String], now: Date) -> String {
        let until = ReportText.day(now.addingTimeInterval(TimeInterval(Self.ignoreDays * 86400)))
        let entries = ids.map { id in
            "{ id = \"\(id)\", package = \"\(dependency.normalizedName)\", until = \(until), reason = \"why it is "
                + "acceptable\" }"
        }
        return "to accept it until \(until), add to [tool.alterks]: ignore = [\(entries.joined(separator: ", "))]"
    }
}
