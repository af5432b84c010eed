import Foundation

/// Combines the soft factors (age, maintainers, release pattern, metadata, provenance) into the 0–100 composite: the weighted mean of those that could be computed, × 100. Unknown factors are left out (and listed
/// by `RiskAssessment.unknownFactors`), never counted as zero. A critical factor at 1.0 (an internal name on the
/// public index) makes the composite 100 whatever the others say. Decisive factors (`decisiveFactors`: code,
/// typosquatting, entry-point shadowing, the artifact's origin) are verdicts of their own (`PolicyEngine`), not
/// shares of the average: a clean code factor no longer dilutes a young project's score, nor does a squat hide in it.
package struct RiskScorer: Sendable {
    /// Defaults for `[tool.alterks.heuristic_weights]`: `Configuration.defaultHeuristicWeights` (name-based signals
    /// weigh most: typosquatting and dependency_confusion 0.25; package_age, metadata_quality, provenance 0.15;
    /// maintainer_count, release_pattern 0.10).
    package static var defaultWeights: [String: Double] { Configuration.defaultHeuristicWeights }
    /// Factors whose full score decides alone.
    package static let criticalFactors: Set<String> = ["dependency_confusion"]
    /// Factors that are signals deciding on their own, left out of the composite.
    package static let decisiveFactors: Set<String> = [
        "code", "typosquatting", "entry_point_shadow", "artifact_hash", "index_confusion",
    ]

    /// The `heuristic_weights` key that switches a decisive factor on (> 0) or off (0); nil for those always on
    /// (the artifact's origin: turn it off with `signal_actions`).
    package static func weightKey(of factor: String) -> String? {
        switch factor {
        case "code", "entry_point_shadow": "code"
        case "typosquatting": "typosquatting"
        case "artifact_hash", "index_confusion": nil
        default: factor
        }
    }

    package var weights: [String: Double]

    /// `weights` overrides the defaults per factor (pass the configuration's whole table); a weight of 0 switches a
    /// factor off, and so does having no weight at all (as `Configuration.weight(for:)` reads it).
    package init(weights: [String: Double] = [:]) {
        self.weights = RiskScorer.defaultWeights.merging(weights) { _, new in max(0, new) }
    }

    package func weight(of factor: String) -> Double { weights[factor] ?? 0 }

    package func assess(_ factors: [RiskFactor], failures: [SourceFailure] = []) -> RiskAssessment {
        if factors.contains(where: {
            Self.criticalFactors.contains($0.name) && ($0.score ?? 0) >= 1 && weight(of: $0.name) > 0
        }) {
            return RiskAssessment(factors: factors, composite: 100, failures: failures)
        }
        var total = 0.0
        var sum = 0.0
        // dependency_confusion counts only at 1.0 (above): its 0.6 for a name missing from the index would otherwise be
        // the whole average of a package with no metadata.
        for factor in factors
        where !Self.decisiveFactors.contains(factor.name) && !Self.criticalFactors.contains(factor.name) {
            guard let score = factor.score else { continue }
            let w = weight(of: factor.name)
            total += w
            sum += w * min(1, max(0, score))
        }
        let composite = total > 0 ? (sum / total * 1000).rounded() / 10 : nil
        return RiskAssessment(factors: factors, composite: composite, failures: failures)
    }
}
