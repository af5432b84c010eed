import PythonCodeAnalysis

/// The `code` risk factor: what inspecting the artifact pip would install found, as a 0–1 score with a reason.
///
/// The score is 1.0 exactly when a finding is critical (code in a `.pth` that does something dangerous, exec of
/// decoded data or network access at install time, a path-traversal or decompression-bomb archive …), 0.8 for high.
/// `code` is a decisive signal (`Signal.code`): high or critical calls for `signal_actions.code` (QUARANTINE by
/// default) on its own; medium is listed among the reasons without changing the action. An entry point shadowing a
/// common command is its own factor, `entry_point_shadow` (`Signal.entryPointShadow`).
package enum CodeFactor {
    package static let name = "code"
    /// The factor for console scripts and entry points that shadow common commands.
    package static let entryPointShadowName = "entry_point_shadow"

    /// The `code` factor and, when the artifact installs a command named like a common one, the
    /// `entry_point_shadow` factor (score 1.0).
    package static func factors(_ inspection: ArtifactInspection, diff: ReleaseDiff? = nil) -> [RiskFactor] {
        var out = [factor(inspection, diff: diff)]
        let shadows = (inspection.findings + (diff?.findings ?? [])).filter { $0.kind == .entryPointShadow }
            .normalized()
        if let first = shadows.first {
            let more = shadows.count > 1 ? " (+\(shadows.count - 1) more)" : ""
            out.append(
                RiskFactor(
                    name: entryPointShadowName, score: 1, reason: "\(first.evidence) at \(first.location)\(more)"))
        }
        return out
    }

    /// Score per most severe finding: critical 1.0, high 0.8, medium 0.4, low 0.1, nothing 0.
    package static func score(for severity: Severity?) -> Double {
        switch severity {
        case .critical?: 1.0
        case .high?: 0.8
        case .medium?: 0.4
        case .low?: 0.1
        case .unknown?, nil: 0
        }
    }

    /// The factor for one inspection, with the release diff against the previous release when there is one.
    package static func factor(_ inspection: ArtifactInspection, diff: ReleaseDiff? = nil) -> RiskFactor {
        let all = (inspection.findings + (diff?.findings ?? [])).filter { $0.kind != .entryPointShadow }.normalized()
        guard let top = all.first else {
            return RiskFactor(
                name: name, score: 0,
                reason: "no findings in \(inspection.artifact) (\(inspection.fileCount) files inspected)")
        }
        let more = all.count > 1 ? " (+\(all.count - 1) more)" : ""
        let incomplete = inspection.complete ? "" : " [inspection incomplete]"
        return RiskFactor(
            name: name, score: score(for: top.severity),
            reason:
                "\(top.severity.rawValue): \(top.kind.rawValue) at \(top.location): \(top.evidence)\(more)\(incomplete)"
        )
    }

    /// The factor when the artifact could not be inspected: unknown, never clean.
    package static func unavailable(_ reason: String) -> RiskFactor {
        RiskFactor(name: name, score: nil, reason: "artifact not inspected: \(reason)")
    }

    /// Whether the inspection (and diff) calls for quarantine on its own.
    package static func isCritical(_ inspection: ArtifactInspection, diff: ReleaseDiff? = nil) -> Bool {
        inspection.hasCritical || (diff?.findings.contains { $0.severity == .critical } ?? false)
    }
}
