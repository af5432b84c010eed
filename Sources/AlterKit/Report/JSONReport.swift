import Foundation

/// The JSON report, schema version 1 (docs/json-schema.md). Keys always present (null when unknown), in a fixed
/// order; results sorted by normalised name and version.
package enum JSONReport {
    package static let schemaVersion = 1

    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        document(report, options: options).rendered()
    }

    package static func document(_ report: ScanReport, options: ReportOptions) -> JSONValue {
        .object([
            ("schema_version", .int(schemaVersion)),
            ("tool", .object([("name", .string("alterks")), ("version", .string(report.toolVersion))])),
            ("generated_at", .string(ReportText.timestamp(report.generatedAt))),
            ("targets", .strings(report.targets)),
            ("sources", .array(report.sources.map(source))),
            ("summary", summary(report)),
            ("results", results(report, options: options)),
            (
                "skipped",
                .array(
                    report.orderedSkipped.map { skip in
                        .object([
                            ("name", .string(skip.dependency.name)),
                            ("normalized_name", .string(skip.dependency.normalizedName)),
                            ("version", .optional(skip.dependency.version)),
                            ("specifier", .string(skip.dependency.specifier)),
                            ("location", location(skip.dependency.location, options: options)),
                            ("reason", .string(skip.reason)),
                        ])
                    })
            ),
        ])
    }

    /// The results in report order, each made as it is written (a huge scan never holds every result's tree).
    static func results(_ report: ScanReport, options: ReportOptions) -> JSONValue {
        let results = report.results
        let order = report.resultOrder
        return .generated(count: order.count) { result(results[order[$0]], options: options) }
    }

    static func summary(_ report: ScanReport) -> JSONValue {
        .object([
            ("packages", .int(report.results.count)),
            ("block", .int(report.count(.block))),
            ("quarantine", .int(report.count(.quarantine))),
            ("alert", .int(report.count(.alert))),
            ("allow", .int(report.count(.allow))),
            ("vulnerabilities", .int(report.vulnerabilityCount)),
            ("failed", .int(report.failedResults.count)),
            ("skipped", .int(report.skipped.count)),
        ])
    }

    static func source(_ source: SourceInfo) -> JSONValue {
        .object([
            ("name", .string(source.name)),
            ("location", .optional(source.location)),
            ("data_date", .optional(source.dataDate.map(ReportText.timestamp))),
            ("note", .optional(source.note)),
        ])
    }

    static func location(_ location: SourceLocation?, options: ReportOptions) -> JSONValue {
        guard let location else { return .null }
        return .object([
            ("file", .string(ReportText.relative(location.file, to: options.baseDirectory))),
            ("line", location.line.map { .int($0) } ?? .null),
        ])
    }

    static func result(_ result: PackageResult, options: ReportOptions) -> JSONValue {
        let dependency = result.dependency
        return .object([
            ("name", .string(dependency.name)),
            ("normalized_name", .string(dependency.normalizedName)),
            ("version", .optional(dependency.version)),
            ("specifier", .string(dependency.specifier)),
            ("location", location(dependency.location, options: options)),
            ("direct", dependency.direct.map { .bool($0) } ?? .null),
            (
                "verdict",
                .object([
                    ("action", .string(result.verdict.action.rawValue)),
                    (
                        "reasons",
                        .array(
                            result.verdict.reasons.map { reason in
                                .object([
                                    ("kind", .string(reason.kind.rawValue)),
                                    ("action", .string(reason.action.rawValue)),
                                    ("subject", .optional(reason.subject)),
                                    ("message", .string(reason.message)),
                                ])
                            })
                    ),
                ])
            ),
            ("vulnerabilities", .array(result.vulnerabilities.sorted { $0.id < $1.id }.map(vulnerability))),
            ("risk", result.risk.map(risk) ?? .null),
            (
                "failures",
                .array(
                    result.failures.map {
                        .object([("source", .string($0.source)), ("message", .string($0.message))])
                    })
            ),
        ])
    }

    static func vulnerability(_ finding: VulnerabilityFinding) -> JSONValue {
        .object([
            ("id", .string(finding.id)),
            ("aliases", .strings(finding.aliases)),
            ("summary", .optional(finding.summary)),
            ("severity", .string(finding.severity.rawValue)),
            ("score", .optional(finding.score)),
            ("vector", .optional(finding.vector)),
            ("malicious", .bool(finding.isMalicious)),
            ("fixed_versions", .strings(finding.fixedVersions)),
            ("nearest_fix", .optional(finding.nearestFix)),
            ("published", .optional(finding.published.map(ReportText.timestamp))),
            ("modified", .optional(finding.modified.map(ReportText.timestamp))),
            ("references", .strings(finding.references)),
        ])
    }

    static func risk(_ risk: RiskAssessment) -> JSONValue {
        .object([
            ("composite", .optional(risk.composite)),
            (
                "factors",
                .array(
                    risk.factors.map { factor in
                        .object([
                            ("name", .string(factor.name)),
                            ("score", .optional(factor.score)),
                            ("reason", .string(factor.reason)),
                        ])
                    })
            ),
        ])
    }
}
