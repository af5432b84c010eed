import Foundation

/// Which data source answered a scan, and how old its data is. Every report states this.
public struct SourceInfo: Sendable, Hashable, Codable {
    /// `osv`, `offline`, `pypi`, `pypi-metadata` …
    public var name: String
    /// Where it was reached (base URL or database path).
    public var location: String?
    /// The newest `modified` stamp of the data, or when it was fetched, when known.
    public var dataDate: Date?
    /// A note such as "OSV API unreachable; answered from the offline database of 2024-10-10".
    public var note: String?

    public init(name: String, location: String? = nil, dataDate: Date? = nil, note: String? = nil) {
        self.name = name
        self.location = location
        self.dataDate = dataDate
        self.note = note
    }
}

/// Everything the engine found and decided about one package.
public struct PackageResult: Sendable, Hashable, Codable {
    public var dependency: Dependency
    public var vulnerabilities: [VulnerabilityFinding]
    public var risk: RiskAssessment?
    public var verdict: Verdict
    /// Sources that could not answer for this package. Non-empty means the result is not clean.
    public var failures: [SourceFailure]

    public init(
        dependency: Dependency, vulnerabilities: [VulnerabilityFinding] = [], risk: RiskAssessment? = nil,
        verdict: Verdict = Verdict(reasons: []), failures: [SourceFailure] = []
    ) {
        self.dependency = dependency
        self.vulnerabilities = vulnerabilities
        self.risk = risk
        self.verdict = verdict
        self.failures = failures
    }
}

/// A whole scan: what was scanned, which sources answered, and one result per package.
/// Report formatters are pure functions of this value, which holds its own timestamp and tool version.
public struct ScanReport: Sendable, Hashable, Codable {
    public var toolVersion: String
    public var generatedAt: Date
    /// What was scanned: file paths or an interpreter path.
    public var targets: [String]
    public var sources: [SourceInfo]
    public var results: [PackageResult]
    public var skipped: [SkippedDependency]

    public init(
        toolVersion: String, generatedAt: Date, targets: [String], sources: [SourceInfo],
        results: [PackageResult], skipped: [SkippedDependency] = []
    ) {
        self.toolVersion = toolVersion
        self.generatedAt = generatedAt
        self.targets = targets
        self.sources = sources
        self.results = results
        self.skipped = skipped
    }
}

/// The product's version, reported by `--version` and in every report.
public enum AlterKSVersion {
    public static let current = "0.1.0"
}
