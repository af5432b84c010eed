import Foundation

/// A verdict with what a person should also be told about how it was reached.
package struct PolicyDecision: Sendable, Hashable {
    package var verdict: Verdict
    /// Ignores that applied or expired, factors that could not be computed: one line each.
    package var notes: [String]
    /// When this decision may change by the clock alone (the earliest expiry of an ignore that applied); a cached
    /// verdict must not be served after it.
    package var validUntil: Date?
    /// The package is on the allowlist (and not on the blocklist): heuristics are not run for it.
    package var allowlisted: Bool

    package init(verdict: Verdict, notes: [String] = [], validUntil: Date? = nil, allowlisted: Bool = false) {
        self.verdict = verdict
        self.notes = notes
        self.validUntil = validUntil
        self.allowlisted = allowlisted
    }
}

/// Findings + configuration + now → one verdict per package. A pure function: no I/O, no clock of its own.
///
/// Order of precedence, every reason kept and the strictest winning:
/// 1. `blocklist` → BLOCK whatever else is true (an entry with a specifier also blocks a package whose version is not
///    pinned, since it may resolve to a blocked version).
/// 2. `allowlist` → ALLOW: vulnerabilities and failures are still reported, each marked allowed by the list, and the
///    caller skips the heuristics (`PolicyEngine.skipsHeuristics`). A `MAL-*` record is never allowed by the list:
///    only an unexpired `ignore` naming that `MAL-` id lets it through, and the reason says so.
/// 3. Each vulnerability → `severity_actions` (a `MAL-*` record → `malicious_action`), unless an `ignore` names it and
///    has not expired; an expired ignore stops applying and says so.
/// 4. Decisive signals (`Signal`) → their `signal_actions`, each on its own: code that runs without being called,
///    an entry point shadowing a common command, a file PyPI did not publish, a version PyPI does not have, an
///    obvious typosquat. A decisive factor that could not be computed is shown as unknown: `on_source_error` when a
///    source failed, ALERT otherwise. Medium code findings are listed (action ALLOW) without changing the verdict.
/// 5. Soft risk composite ≥ `risk_threshold` → `risk_action` for the mode, naming each factor over its bar; a
///    `dependency_confusion` factor at 1.0 (critical) makes the composite 100.
/// 6. Each source failure → `on_source_error` (BLOCK unless the policy explicitly says ALERT). Never a silent ALLOW.
package enum PolicyEngine {
    /// A factor at or above this score is named in a risk reason.
    package static let factorBar = 0.5
    /// Factors that decide on their own through a `Signal` (see `signalReasons`), left out of the soft composite.
    package static let decisiveFactors: Set<String> = RiskScorer.decisiveFactors

    /// Whether heuristics should be skipped for `dependency` (it is allowlisted and not blocklisted).
    package static func skipsHeuristics(_ dependency: Dependency, config: Configuration) -> Bool {
        listMatch(config.blocklist, dependency) == nil && allowlistMatch(config, dependency) != nil
    }

    /// Decides one package.
    package static func decide(
        dependency: Dependency, vulnerabilities: [VulnerabilityFinding], risk: RiskAssessment?,
        failures: [SourceFailure], config: Configuration, mode: PolicyMode, now: Date
    ) -> PolicyDecision {
        var reasons: [Reason] = []
        var notes: [String] = []
        var validUntil: Date? = nil

        let blocked = listMatch(config.blocklist, dependency)
        if let (entry, match) = blocked {
            let message =
                match == .matches
                ? "on the blocklist (\(entry))"
                : "on the blocklist (\(entry)); the version is not pinned, so it may resolve to a blocked one"
            reasons.append(Reason(kind: .blocklist, action: .block, message: message, subject: entry.description))
        }
        let allowEntry = blocked == nil ? allowlistMatch(config, dependency) : nil
        let allowlisted = allowEntry != nil
        if let entry = allowEntry {
            reasons.append(
                Reason(
                    kind: .allowlist, action: .allow,
                    message: "on the allowlist (\(entry)): allowed, heuristics not run", subject: entry.description))
        }

        for finding in vulnerabilities.sorted(by: { $0.id < $1.id }) {
            // A known-malicious record is accepted only by an ignore naming one of its own MAL- ids (not an alias).
            let rules = config.ignores.filter {
                $0.covers(finding, packageName: dependency.normalizedName)
                    && (!finding.isMalicious || Self.namesMaliciousID($0, finding))
            }
            if let active = rules.filter({ now < $0.expires }).max(by: { $0.expires < $1.expires }) {
                reasons.append(
                    Reason(
                        kind: .ignored, action: .allow,
                        message: "\(finding.id) ignored until \(active.untilText): \(active.reason)"
                            + (finding.isMalicious ? " (a known-malicious record, accepted by this ignore)" : ""),
                        subject: finding.id))
                notes.append(
                    "\(dependency.normalizedName): \(finding.id) ignored until \(active.untilText) (\(active.reason))")
                validUntil = min(validUntil ?? active.expires, active.expires)
                continue
            }
            var reason = vulnerabilityReason(finding, config: config)
            if let expired = rules.max(by: { $0.expires < $1.expires }) {
                reason.message += "; its ignore expired after \(expired.untilText) and no longer applies"
                notes.append(
                    "\(dependency.normalizedName): the ignore of \(finding.id) expired after \(expired.untilText) "
                        + "(\(expired.reason)); it applies again")
            }
            if allowlisted && finding.isMalicious {
                reason.message +=
                    " — the allowlist does not cover a known-malicious record; only an ignore naming \(finding.id) does"
                notes.append(
                    "\(dependency.normalizedName): on the allowlist, but \(finding.id) is a known-malicious record: "
                        + "not allowed")
            } else if allowlisted {
                reason.action = .allow
                reason.message += " — allowed by the allowlist"
            }
            reasons.append(reason)
        }

        if let risk, !allowlisted {
            reasons.append(contentsOf: signalReasons(risk, dependency: dependency, config: config))
            reasons.append(contentsOf: riskReasons(risk, config: config, mode: mode))
            let unknown = risk.unknownFactors.filter { config.weight(for: $0) > 0 && !decisiveFactors.contains($0) }
            if !unknown.isEmpty {
                notes.append(
                    "\(dependency.normalizedName): risk factors not computed (left out of the score): "
                        + unknown.joined(separator: ", "))
            }
        }

        for failure in failures.sorted(by: { ($0.source, $0.message) < ($1.source, $1.message) }) {
            let action = allowlisted ? Action.allow : config.onSourceError
            var message = "\(failure.source) could not answer (\(failure.message)): not checked"
            message +=
                allowlisted ? " — allowed by the allowlist" : ", on_source_error = \(config.onSourceError.rawValue)"
            reasons.append(Reason(kind: .sourceFailure, action: action, message: message, subject: failure.source))
        }

        return PolicyDecision(
            verdict: Verdict(reasons: strictestFirst(reasons)), notes: notes, validUntil: validUntil,
            allowlisted: allowlisted)
    }

    /// The reason a release too young to install gives (`min_release_age`), or nil when it is old enough, the check
    /// is off (0), or the upload time is unknown. Most hijacked releases are pulled within a day or two of upload.
    /// The install gate adds this reason (action QUARANTINE: not installed, the gate re-resolves to an older release).
    package static func releaseAgeReason(uploaded: Date?, config: Configuration, now: Date) -> Reason? {
        guard config.minReleaseAge > 0, let uploaded else { return nil }
        let age = now.timeIntervalSince(uploaded)
        guard age < config.minReleaseAge else { return nil }
        let hours = max(age, 0) / 3600
        return Reason(
            kind: .releaseAge, action: .quarantine,
            message: "released \(formatScore((hours * 10).rounded() / 10)) h ago, younger than min_release_age "
                + "(\(formatScore(config.minReleaseAge / 3600)) h)",
            subject: "min_release_age")
    }

    /// The reason one (non-ignored) vulnerability gives.
    static func vulnerabilityReason(_ finding: VulnerabilityFinding, config: Configuration) -> Reason {
        var detail: [String] = []
        if finding.isMalicious {
            detail.append("known malicious package")
        } else if finding.severity == .unknown && finding.score == nil {
            // Said as such, with the rule it then follows: a bare "unknown" beside a BLOCK explains nothing.
            detail.append(
                "no severity in any record; severity_actions.unknown = \(config.action(for: .unknown).rawValue)")
        } else {
            var severity = finding.severity.rawValue
            if let score = finding.score { severity += " \(formatScore(score))" }
            detail.append(severity)
        }
        var message = "\(finding.id) (\(detail.joined(separator: ", ")))"
        if let summary = finding.summary?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty {
            message += ": " + Self.firstLine(summary)
        }
        if let fix = finding.nearestFix {
            message += "; fixed in \(fix)"
        } else if !finding.isMalicious {
            message += "; no fixed version"
        }
        if finding.isMalicious {
            return Reason(kind: .malicious, action: config.maliciousAction, message: message, subject: finding.id)
        }
        return Reason(
            kind: .vulnerability, action: config.action(for: finding.severity), message: message, subject: finding.id)
    }

    /// Reasons from the soft risk composite: one for the composite at or above the threshold naming every soft factor
    /// over its bar, and one per such factor. Decisive factors speak through `signalReasons`.
    static func riskReasons(_ risk: RiskAssessment, config: Configuration, mode: PolicyMode) -> [Reason] {
        let action = config.riskAction(for: mode)
        let weighted = risk.factors.filter {
            config.weight(for: $0.name) > 0 && !decisiveFactors.contains($0.name)
        }
        let overBar = weighted.filter { ($0.score ?? 0) >= factorBar }
            .sorted { ($0.score ?? 0, $1.name) > ($1.score ?? 0, $0.name) }
        guard let composite = risk.composite, composite >= config.riskThreshold else { return [] }
        let named =
            overBar.isEmpty
            ? "" : ": " + overBar.map { "\($0.name) \(formatScore($0.score ?? 0))" }.joined(separator: ", ")
        var reasons = [
            Reason(
                kind: .risk, action: action,
                message: "risk \(formatScore(composite))/100 at or above the threshold "
                    + "\(formatScore(config.riskThreshold))\(named)",
                subject: "risk")
        ]
        for factor in overBar {
            reasons.append(
                Reason(
                    kind: .risk, action: action,
                    message: "\(factor.name) \(formatScore(factor.score ?? 0)): \(firstLine(factor.reason))",
                    subject: factor.name))
        }
        return reasons
    }

    /// The reasons decisive factors give on their own (see `Signal`), whatever the composite.
    static func signalReasons(_ risk: RiskAssessment, dependency: Dependency, config: Configuration) -> [Reason] {
        var reasons: [Reason] = []
        func add(_ signal: Signal, _ factor: RiskFactor, kind: Reason.Kind = .risk, note: String = "") {
            reasons.append(
                Reason(
                    kind: kind, action: config.action(for: signal),
                    message: "\(signal.rawValue): \(firstLine(factor.reason))\(note)", subject: factor.name))
        }
        for factor in risk.factors where decisiveFactors.contains(factor.name) {
            // A weight of 0 switches a signal off; signals without a weight of their own follow `code`'s.
            if let key = RiskScorer.weightKey(of: factor.name), config.weight(for: key) <= 0 { continue }
            guard let score = factor.score else {
                let failed = !risk.failures.isEmpty
                reasons.append(
                    Reason(
                        kind: factor.name == CodeFactor.name ? .code : .risk,
                        action: failed ? config.onSourceError : .alert,
                        message: "\(factor.name) unknown: \(firstLine(factor.reason))"
                            + (failed ? ", on_source_error = \(config.onSourceError.rawValue)" : ""),
                        subject: factor.name))
                continue
            }
            switch factor.name {
            case CodeFactor.name:
                if score >= CodeFactor.score(for: .high) {
                    add(.code, factor, kind: .code)
                } else if score >= CodeFactor.score(for: .medium) {
                    reasons.append(
                        Reason(
                            kind: .code, action: .allow,
                            message: "code (listed, no action): \(firstLine(factor.reason))", subject: factor.name))
                }
            case CodeFactor.entryPointShadowName where score >= 1:
                add(.entryPointShadow, factor, kind: .code)
            case ArtifactHashFactor.factorName where score >= 1, IndexConfusionFactor.factorName where score >= 1:
                let signal: Signal = factor.name == ArtifactHashFactor.factorName ? .artifactHash : .indexConfusion
                if config.trustsRebuilt(dependency.artifactURL) {
                    reasons.append(
                        Reason(
                            kind: .risk, action: .allow,
                            message: "\(signal.rawValue): \(firstLine(factor.reason)) — allowed: the index is in "
                                + "trusted_rebuild_indexes",
                            subject: factor.name))
                } else {
                    add(signal, factor)
                }
            case TyposquattingFactor.factorName:
                if score >= TyposquattingFactor.strongBar {
                    add(.typosquat, factor)
                } else if score >= TyposquattingFactor.weakBar {
                    add(.typosquatWeak, factor)
                }
            default:
                continue
            }
        }
        return reasons
    }

    /// Whether an ignore names one of a malicious finding's own `MAL-` ids.
    static func namesMaliciousID(_ rule: IgnoreRule, _ finding: VulnerabilityFinding) -> Bool {
        let wanted = rule.id.uppercased()
        return wanted.hasPrefix("MAL-") && finding.allIDs.contains { $0.uppercased() == wanted }
    }

    /// The first matching blocklist entry (exact version matches preferred over unpinned ones).
    static func listMatch(_ list: [PackageListEntry], _ dependency: Dependency) -> (
        PackageListEntry, PackageListEntry.Match
    )? {
        var unknown: PackageListEntry? = nil
        for entry in list {
            switch entry.match(name: dependency.normalizedName, version: dependency.version) {
            case .matches: return (entry, .matches)
            case .versionUnknown: unknown = unknown ?? entry
            case .noMatch: continue
            }
        }
        return unknown.map { ($0, .versionUnknown) }
    }

    /// The allowlist entry covering `dependency`. An entry with a specifier never covers an unpinned package.
    static func allowlistMatch(_ config: Configuration, _ dependency: Dependency) -> PackageListEntry? {
        config.allowlist.first {
            $0.match(name: dependency.normalizedName, version: dependency.version) == .matches
        }
    }

    /// Stable sort, strictest action first; equal actions keep the order they were found in.
    private static func strictestFirst(_ reasons: [Reason]) -> [Reason] {
        reasons.enumerated().sorted { a, b in
            a.element.action != b.element.action ? a.element.action > b.element.action : a.offset < b.offset
        }.map(\.element)
    }

    /// `7.5`, `60`, `0.9`: at most two decimals, no trailing zeros.
    static func formatScore(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.trimmingCharacters(in: .whitespaces)
    }
}
