import Foundation

/// Scores a CVSS vector. A seam over `CVSS.score(_:)` so that severity selection can be tested on its own.
package struct CVSSScorer: Sendable {
    /// The base score and its qualitative severity, or nil when the vector is not a valid CVSS vector.
    package var score: @Sendable (_ vector: String) -> (baseScore: Double, severity: Severity)?

    package init(score: @escaping @Sendable (_ vector: String) -> (baseScore: Double, severity: Severity)?) {
        self.score = score
    }

    /// The product's CVSS implementation (v2, v3.0, v3.1, v4.0).
    package static let standard = CVSSScorer { vector in
        guard let score = try? CVSS.score(vector) else { return nil }
        return (score.baseScore, score.severity)
    }
}

/// The severity of one record, and what it came from.
package struct SeverityAssessment: Sendable, Hashable {
    package var severity: Severity
    package var score: Double?
    package var vector: String?

    package init(severity: Severity, score: Double? = nil, vector: String? = nil) {
        self.severity = severity
        self.score = score
        self.vector = vector
    }
}

/// Picks one severity for a record from what it offers, best evidence first:
/// 1. a CVSS vector, most recent CVSS version first (v4.0, then v3.1, v3.0, then v2): the newest version is the one
///    its scorer meant to be read, and v2 scores run systematically different from v3's;
/// 2. a numeric score (some databases put a bare number in `score`), on the CVSS v3 qualitative scale;
/// 3. a label: GHSA's `database_specific.severity` (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`), also accepted in the
///    affected entry's `database_specific`/`ecosystem_specific`.
/// Top-level `severity[]` and the package's `affected[].severity[]` are both read. Nothing usable → nil.
package struct SeveritySelector: Sendable {
    package var cvss: CVSSScorer

    package init(cvss: CVSSScorer = .standard) {
        self.cvss = cvss
    }

    package func assess(_ record: OSVRecord, package name: String) -> SeverityAssessment? {
        assess(AdvisoryDigest(record, package: name).severity)
    }

    /// The same choice over the evidence a digest keeps.
    package func assess(_ inputs: SeverityInputs) -> SeverityAssessment? {
        let scores = inputs.scores
        let vectors = scores.filter { $0.type.hasPrefix("CVSS_") }.sorted { rank($0) > rank($1) }
        for entry in vectors {
            if let scored = cvss.score(entry.score) {
                return SeverityAssessment(severity: scored.severity, score: scored.baseScore, vector: entry.score)
            }
        }
        for entry in scores {
            if let number = Double(entry.score.trimmingCharacters(in: .whitespaces)), (0...10).contains(number) {
                return SeverityAssessment(severity: SeveritySelector.qualitative(number), score: number)
            }
        }
        for label in inputs.labels {
            if let severity = SeveritySelector.label(label) { return SeverityAssessment(severity: severity) }
        }
        return nil
    }

    /// Newest CVSS version first; within `CVSS_V3`, 3.1 before 3.0.
    private func rank(_ entry: OSVSeverity) -> Int {
        switch entry.type {
        case "CVSS_V4": 40
        case "CVSS_V3": entry.score.hasPrefix("CVSS:3.1/") ? 31 : 30
        case "CVSS_V2": 20
        default: 0
        }
    }

    /// CVSS v3/v4 qualitative rating of a base score. 0.0 ("none") reads as low: it is a known, scored finding.
    package static func qualitative(_ score: Double) -> Severity {
        switch score {
        case 9.0...: .critical
        case 7.0..<9.0: .high
        case 4.0..<7.0: .medium
        default: .low
        }
    }

    /// A textual label (GHSA's `MODERATE` is medium); nil for anything else.
    package static func label(_ text: String) -> Severity? {
        switch text.uppercased() {
        case "LOW": .low
        case "MODERATE", "MEDIUM": .medium
        case "HIGH", "IMPORTANT": .high
        case "CRITICAL": .critical
        default: nil
        }
    }
}
