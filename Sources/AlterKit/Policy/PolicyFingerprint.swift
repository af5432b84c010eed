import Foundation

extension Configuration {
    /// Version of the canonical encoding; bump it when the meaning of a key that affects verdicts changes.
    static let fingerprintVersion = 2

    /// A canonical text of everything that affects verdicts: actions, threshold, lists, weights, ignores,
    /// internal packages, release age and the failure policy. Data-source URLs, TTLs, HTTP limits, the cache
    /// location, the webhook and `fail_on` (which changes the exit code, not a verdict) are left out, so changing
    /// them keeps cached verdicts. Sorted and unambiguous: two configurations with the same decisions encode alike.
    package var canonicalPolicyEncoding: String {
        var lines: [String] = ["alterks-policy v\(Self.fingerprintVersion)"]
        for severity in Severity.allCases {
            lines.append("severity_actions.\(severity.rawValue)=\(action(for: severity).rawValue)")
        }
        lines.append("risk_threshold=\(Self.canonicalNumber(riskThreshold))")
        for mode in PolicyMode.allCases {
            lines.append("risk_action.\(mode.rawValue)=\(riskAction(for: mode).rawValue)")
        }
        lines.append("malicious_action=\(maliciousAction.rawValue)")
        for entry in Set(allowlist.map(\.description)).sorted() { lines.append("allowlist=\(Self.quoted(entry))") }
        for entry in Set(blocklist.map(\.description)).sorted() { lines.append("blocklist=\(Self.quoted(entry))") }
        for factor in heuristicWeights.keys.sorted() {
            lines.append("heuristic_weights.\(factor)=\(Self.canonicalNumber(heuristicWeights[factor] ?? 0))")
        }
        let ignoreLines = ignores.map { rule in
            "ignore=\(Self.quoted(rule.id.uppercased())) package=\(Self.quoted(rule.package ?? "*")) "
                + "expires=\(Int64(rule.expires.timeIntervalSince1970.rounded(.down))) reason=\(Self.quoted(rule.reason))"
        }
        lines.append(contentsOf: Set(ignoreLines).sorted())
        for name in Set(internalPackages).sorted() { lines.append("internal_packages=\(Self.quoted(name))") }
        lines.append("min_release_age=\(Self.canonicalNumber(minReleaseAge))")
        lines.append("on_source_error=\(onSourceError.rawValue)")
        for signal in Signal.allCases {
            lines.append("signal_actions.\(signal.rawValue)=\(action(for: signal).rawValue)")
        }
        for prefix in Set(trustedRebuildIndexes).sorted() {
            lines.append("trusted_rebuild_indexes=\(Self.quoted(prefix))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 (hex) of `canonicalPolicyEncoding`: part of every verdict cache key, so a policy change never
    /// serves a verdict computed under another policy.
    package var fingerprint: String { PolicyDigest.sha256Hex(canonicalPolicyEncoding) }

    private static func canonicalNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func quoted(_ text: String) -> String { ConfigTableReader.quote(text) }
}
