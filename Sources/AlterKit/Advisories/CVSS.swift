import Foundation

/// The CVSS versions we score.
package enum CVSSVersion: String, Sendable, Hashable, Codable, CaseIterable {
    case v2 = "2.0"
    case v3_0 = "3.0"
    case v3_1 = "3.1"
    case v4_0 = "4.0"
}

/// The qualitative rating the CVSS specification gives a score (NVD's ranges for v2, which has no "None" or
/// "Critical").
package enum CVSSRating: String, Sendable, Hashable, Codable, CaseIterable {
    case none = "None"
    case low = "Low"
    case medium = "Medium"
    case high = "High"
    case critical = "Critical"

    /// Our severity for the rating. "None" (a 0.0 score: no impact on the scored system) becomes `.low`: the
    /// record is still a known vulnerability of a known, lowest severity, not an unknown one.
    package var severity: Severity {
        switch self {
        case .none, .low: .low
        case .medium: .medium
        case .high: .high
        case .critical: .critical
        }
    }
}

/// A CVSS base score computed from a vector string.
package struct CVSSScore: Sendable, Hashable {
    package var version: CVSSVersion
    /// The base score, 0.0–10.0, with one decimal. For v4.0 this is the score of the whole vector (CVSS-B, -BT,
    /// -BE or -BTE: threat and environmental metrics in the vector count, as in the specification).
    package var baseScore: Double
    /// The specification's rating of `baseScore`.
    package var rating: CVSSRating
    /// `rating` on our scale.
    package var severity: Severity

    package init(version: CVSSVersion, baseScore: Double, rating: CVSSRating) {
        self.version = version
        self.baseScore = baseScore
        self.rating = rating
        self.severity = rating.severity
    }
}

/// A CVSS vector could not be scored.
package enum CVSSError: AlterKSError, Equatable {
    /// Not a well-formed vector: empty, an unknown prefix, metric or value, a duplicate metric, an empty field.
    case malformed(vector: String, reason: String)
    /// A mandatory base metric is missing.
    case missingMetrics(vector: String, metrics: [String])

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .malformed(let vector, let reason):
            "invalid CVSS vector \(Self.shown(vector)): \(reason)"
        case .missingMetrics(let vector, let metrics):
            "invalid CVSS vector \(Self.shown(vector)): missing mandatory metrics \(metrics.joined(separator: ", "))"
        }
    }

    private static func shown(_ vector: String) -> String {
        let scalars = vector.unicodeScalars
        return (scalars.count > 200 ? String(String.UnicodeScalarView(scalars.prefix(200))) + "…" : vector)
            .debugDescription
    }
}

/// CVSS base scores, computed exactly as the Python `cvss` library 3.6 (Red Hat) computes them: v2 and v3 in
/// decimal arithmetic, v4.0 with the specification's macro-vector table and severity-distance interpolation in
/// binary floating point, the same operations in the same order.
///
/// Vectors are taken as written: no whitespace trimming, metrics in any order, optional metrics may be missing;
/// a v2 vector has no prefix (and no parentheses), v3 starts `CVSS:3.0/` or `CVSS:3.1/`, v4 `CVSS:4.0/`.
package enum CVSS {
    /// Scores a vector string; throws for anything the reference library rejects.
    package static func score(_ vector: String) throws(CVSSError) -> CVSSScore {
        let bytes = Array(vector.utf8)
        if bytes.starts(with: "CVSS:4.".utf8) {
            return try CVSS4.score(vector, bytes)
        }
        if bytes.starts(with: "CVSS:3.".utf8) {
            return try CVSS3.score(vector, bytes)
        }
        return try CVSS2.score(vector, bytes)
    }

    /// Splits `METRIC:VALUE/…` fields, checking each against `allowed` (metric → its values) and rejecting
    /// duplicates, as the library's `parse_vector` does.
    static func metrics(
        _ vector: String, fields: ArraySlice<[UInt8]>, allowed: [String: Set<String>]
    ) throws(CVSSError) -> [String: String] {
        var metrics: [String: String] = [:]
        for field in fields {
            let text = String(decoding: field, as: UTF8.self)
            if field.isEmpty { throw .malformed(vector: vector, reason: "empty field") }
            let parts = field.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .malformed(vector: vector, reason: "malformed field \(text)") }
            let metric = String(decoding: parts[0], as: UTF8.self)
            let value = String(decoding: parts[1], as: UTF8.self)
            guard let values = allowed[metric] else {
                throw .malformed(vector: vector, reason: "unknown metric in \(text)")
            }
            guard values.contains(value) else { throw .malformed(vector: vector, reason: "unknown value in \(text)") }
            guard metrics.updateValue(value, forKey: metric) == nil else {
                throw .malformed(vector: vector, reason: "duplicate metric \(metric)")
            }
        }
        return metrics
    }

    /// The vector's `/`-separated fields after checks common to every version.
    static func fields(_ vector: String, _ bytes: [UInt8]) throws(CVSSError) -> [[UInt8]] {
        if bytes.isEmpty { throw .malformed(vector: vector, reason: "empty vector") }
        if bytes.last == UInt8(ascii: "/") { throw .malformed(vector: vector, reason: "trailing /") }
        return bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    }

    static func requireMandatory(_ vector: String, _ metrics: [String: String], _ mandatory: [String])
        throws(CVSSError)
    {
        let missing = mandatory.filter { metrics[$0] == nil }
        if !missing.isEmpty { throw .missingMetrics(vector: vector, metrics: missing) }
    }

    /// A decimal constant (the tables are written as the specification writes them).
    static func decimal(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    /// Rounds a non-negative decimal to one place (`.plain`: half up; `.up`: the v3 "Round up") and returns
    /// the nearest `Double`, as Python's `float(Decimal)` does.
    static func oneDecimal(_ value: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Double {
        var input = value * 10
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 0, mode)
        return Double(NSDecimalNumber(decimal: rounded).intValue) / 10
    }
}

/// CVSS v2 (`cvss2.py`): base score only; v2 has no prefix.
enum CVSS2 {
    static let mandatory = ["AV", "AC", "Au", "C", "I", "A"]
    static let values: [String: [String: Decimal]] = [
        "AV": ["L": "0.395", "A": "0.646", "N": "1"], "AC": ["H": "0.35", "M": "0.61", "L": "0.71"],
        "Au": ["M": "0.45", "S": "0.56", "N": "0.704"], "C": ["N": "0", "P": "0.275", "C": "0.660"],
        "I": ["N": "0", "P": "0.275", "C": "0.660"], "A": ["N": "0", "P": "0.275", "C": "0.660"],
        "E": ["U": "0.85", "POC": "0.9", "F": "0.95", "H": "1", "ND": "1"],
        "RL": ["OF": "0.87", "TF": "0.90", "W": "0.95", "U": "1", "ND": "1"],
        "RC": ["UC": "0.9", "UR": "0.95", "C": "1", "ND": "1"],
        "CDP": ["N": "0", "L": "0.1", "LM": "0.3", "MH": "0.4", "H": "0.5", "ND": "0"],
        "TD": ["N": "0", "L": "0.25", "M": "0.75", "H": "1", "ND": "1"],
        "CR": ["L": "0.5", "M": "1", "H": "1.51", "ND": "1"],
        "IR": ["L": "0.5", "M": "1", "H": "1.51", "ND": "1"], "AR": ["L": "0.5", "M": "1", "H": "1.51", "ND": "1"],
    ].mapValues { $0.mapValues(CVSS.decimal) }
    static let allowed = values.mapValues { Set($0.keys) }

    // Decimal constants, parsed once.
    static let d10_41 = CVSS.decimal("10.41")
    static let d1_176 = CVSS.decimal("1.176")
    static let d0_6 = CVSS.decimal("0.6")
    static let d0_4 = CVSS.decimal("0.4")
    static let d1_5 = CVSS.decimal("1.5")

    static func score(_ vector: String, _ bytes: [UInt8]) throws(CVSSError) -> CVSSScore {
        let fields = try CVSS.fields(vector, bytes)
        let metrics = try CVSS.metrics(vector, fields: fields[...], allowed: allowed)
        try CVSS.requireMandatory(vector, metrics, mandatory)
        func value(_ metric: String) -> Decimal { values[metric]![metrics[metric]!]! }

        let one = Decimal(1)
        let impact = Self.d10_41 * (one - (one - value("C")) * (one - value("I")) * (one - value("A")))
        let exploitability = Decimal(20) * value("AV") * value("AC") * value("Au")
        let fImpact = impact == 0 ? Decimal(0) : Self.d1_176
        let raw = ((Self.d0_6 * impact) + (Self.d0_4 * exploitability) - Self.d1_5) * fImpact
        let score = max(0, CVSS.oneDecimal(raw, .plain))
        // NVD's v2 ranges, as the library's `severities()`.
        let rating: CVSSRating = score <= 3.9 ? .low : (score <= 6.9 ? .medium : .high)
        return CVSSScore(version: .v2, baseScore: score, rating: rating)
    }
}

/// CVSS v3.0 and v3.1 (`cvss3.py`): base score only; temporal and environmental metrics are validated, not used.
/// The library rounds up in exact decimal arithmetic for both minor versions, so they score alike.
enum CVSS3 {
    static let mandatory = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
    static let values: [String: [String: Decimal]] = [
        "AV": ["N": "0.85", "A": "0.62", "L": "0.55", "P": "0.2"], "AC": ["L": "0.77", "H": "0.44"],
        "PR": ["N": "0.85", "L": "0.62", "H": "0.27"], "UI": ["N": "0.85", "R": "0.62"],
        "C": ["H": "0.56", "L": "0.22", "N": "0"], "I": ["H": "0.56", "L": "0.22", "N": "0"],
        "A": ["H": "0.56", "L": "0.22", "N": "0"],
    ].mapValues { $0.mapValues(CVSS.decimal) }
    /// Privileges Required when the scope is changed.
    static let changedScopePR: [String: Decimal] = ["N": "0.85", "L": "0.68", "H": "0.50"].mapValues(CVSS.decimal)
    static let allowed: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"], "S": ["C", "U"],
        "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"], "E": ["X", "H", "F", "P", "U"],
        "RL": ["X", "U", "W", "T", "O"], "RC": ["X", "C", "R", "U"], "CR": ["X", "H", "M", "L"],
        "IR": ["X", "H", "M", "L"], "AR": ["X", "H", "M", "L"], "MAV": ["X", "N", "A", "L", "P"],
        "MAC": ["X", "L", "H"], "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "R"], "MS": ["X", "C", "U"],
        "MC": ["X", "H", "L", "N"], "MI": ["X", "H", "L", "N"], "MA": ["X", "H", "L", "N"],
    ]

    // Decimal constants, parsed once.
    static let d7_52 = CVSS.decimal("7.52")
    static let d0_029 = CVSS.decimal("0.029")
    static let d3_25 = CVSS.decimal("3.25")
    static let d0_02 = CVSS.decimal("0.02")
    static let d6_42 = CVSS.decimal("6.42")
    static let d8_22 = CVSS.decimal("8.22")
    static let d1_08 = CVSS.decimal("1.08")

    static func score(_ vector: String, _ bytes: [UInt8]) throws(CVSSError) -> CVSSScore {
        let version: CVSSVersion
        if bytes.starts(with: "CVSS:3.0/".utf8) {
            version = .v3_0
        } else if bytes.starts(with: "CVSS:3.1/".utf8) {
            version = .v3_1
        } else {
            throw .malformed(vector: vector, reason: "unsupported CVSS version (expected CVSS:3.0/ or CVSS:3.1/)")
        }
        let fields = try CVSS.fields(vector, bytes)
        let metrics = try CVSS.metrics(vector, fields: fields.dropFirst(), allowed: allowed)
        try CVSS.requireMandatory(vector, metrics, mandatory)
        func value(_ metric: String) -> Decimal { values[metric]![metrics[metric]!]! }

        let changed = metrics["S"] == "C"
        let one = Decimal(1)
        let iscBase = one - (one - value("C")) * (one - value("I")) * (one - value("A"))
        let isc =
            changed
            ? Self.d7_52 * (iscBase - Self.d0_029) - Self.d3_25
                * pow(iscBase - Self.d0_02, 15)
            : Self.d6_42 * iscBase
        let privileges = changed ? changedScopePR[metrics["PR"]!]! : value("PR")
        let esc = Self.d8_22 * value("AV") * value("AC") * privileges * value("UI")
        let score: Double
        if isc <= 0 {
            score = 0
        } else {
            let sum = changed ? Self.d1_08 * (isc + esc) : isc + esc
            score = CVSS.oneDecimal(min(sum, 10), .up)
        }
        return CVSSScore(version: version, baseScore: score, rating: rating(score))
    }

    /// The v3 and v4 qualitative ratings.
    static func rating(_ score: Double) -> CVSSRating {
        if score == 0 { return .none }
        if score <= 3.9 { return .low }
        if score <= 6.9 { return .medium }
        if score <= 8.9 { return .high }
        return .critical
    }
}
