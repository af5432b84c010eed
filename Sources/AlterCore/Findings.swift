import Foundation

/// Severity labels, ordered from least to most severe for `Comparable`.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case unknown, low, medium, high, critical

    private var rank: Int {
        switch self {
        case .unknown: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One known vulnerability (or malicious-package record) affecting one package version.
/// Aliases are merged: one finding per vulnerability however many ids describe it.
public struct VulnerabilityFinding: Sendable, Hashable, Codable {
    /// The primary id (the first id seen, preferring PYSEC/GHSA/MAL over CVE).
    public var id: String
    /// Every other id that describes the same vulnerability (PYSEC, GHSA, CVE …), sorted.
    public var aliases: [String]
    public var summary: String?
    public var severity: Severity
    /// CVSS base score when one was computed from a vector or given as a number.
    public var score: Double?
    /// The CVSS vector the score came from, when any.
    public var vector: String?
    /// Real PEP 440 versions from ECOSYSTEM `fixed` events, sorted ascending.
    public var fixedVersions: [String]
    /// The nearest fixed version above the scanned one, when any.
    public var nearestFix: String?
    /// An OpenSSF `MAL-*` record: the package is malicious.
    public var isMalicious: Bool
    public var published: Date?
    public var modified: Date?
    /// Advisory URLs.
    public var references: [String]

    public init(
        id: String, aliases: [String] = [], summary: String? = nil, severity: Severity = .unknown,
        score: Double? = nil, vector: String? = nil, fixedVersions: [String] = [], nearestFix: String? = nil,
        isMalicious: Bool = false, published: Date? = nil, modified: Date? = nil, references: [String] = []
    ) {
        self.id = id
        self.aliases = aliases
        self.summary = summary
        self.severity = severity
        self.score = score
        self.vector = vector
        self.fixedVersions = fixedVersions
        self.nearestFix = nearestFix
        self.isMalicious = isMalicious
        self.published = published
        self.modified = modified
        self.references = references
    }

    /// Every id of this finding, primary first.
    public var allIDs: [String] { [id] + aliases }
}

/// One heuristic risk factor, 0–1, with a one-line reason. `score == nil` means it could not be computed
/// (metadata unavailable): it is reported as unknown and left out of the weighted mean.
public struct RiskFactor: Sendable, Hashable, Codable {
    public var name: String
    public var score: Double?
    public var reason: String

    public init(name: String, score: Double?, reason: String) {
        self.name = name
        self.score = score
        self.reason = reason
    }
}

/// The composite of all risk factors for one package.
public struct RiskAssessment: Sendable, Hashable, Codable {
    public var factors: [RiskFactor]
    /// 0–100 weighted mean of the known factors; `nil` when no factor could be computed.
    public var composite: Double?
    /// Sources that could not answer while assessing (PyPI metadata, the Integrity API): the factors they feed
    /// are unknown. Non-empty means the assessment is incomplete, never clean.
    public var failures: [SourceFailure]

    public init(factors: [RiskFactor], composite: Double?, failures: [SourceFailure] = []) {
        self.factors = factors
        self.composite = composite
        self.failures = failures
    }

    enum CodingKeys: String, CodingKey { case factors, composite, failures }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        factors = try c.decode([RiskFactor].self, forKey: .factors)
        composite = try c.decodeIfPresent(Double.self, forKey: .composite)
        failures = try c.decodeIfPresent([SourceFailure].self, forKey: .failures) ?? []
    }

    /// Names of factors that could not be computed.
    public var unknownFactors: [String] { factors.filter { $0.score == nil }.map(\.name) }
}

/// A data source that could not answer for a package. Never read as clean.
public struct SourceFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `osv`, `pypi`, `offline`, `pypi-metadata` …
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
