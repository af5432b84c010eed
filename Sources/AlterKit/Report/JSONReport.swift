import Foundation

/// The JSON report, schema version 1 (docs/json-schema.md). Keys always present (null when unknown), in a fixed
/// order; results sorted by normalised name and version.
package enum JSONReport {
    package static let schemaVersion = 1

    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        var w = JSONWriter(capacity: 1_024 + 2_048 * report.results.count)
        w.beginObject()
        w.member("schema_version", schemaVersion)
        w.key("tool")
        w.beginObject()
        w.member("name", "alterks")
        w.member("version", report.toolVersion)
        w.endObject()
        w.member("generated_at", ReportText.timestamp(report.generatedAt))
        w.member("targets", report.targets)
        w.key("sources")
        w.beginArray()
        for source in report.sources {
            w.element()
            write(source, to: &w)
        }
        w.endArray()
        w.key("summary")
        summary(report, to: &w)
        w.key("results")
        w.beginArray()
        // Through the sorted indexes: a huge report's results are not copied to be sorted.
        for index in report.resultOrder {
            w.element()
            write(report.results[index], options: options, to: &w)
        }
        w.endArray()
        w.key("skipped")
        w.beginArray()
        for skip in report.orderedSkipped {
            w.element()
            w.beginObject()
            dependencyHead(skip.dependency, options: options, to: &w)
            w.member("reason", skip.reason)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.document
    }

    static func summary(_ report: ScanReport, to w: inout JSONWriter) {
        w.beginObject()
        for (key, value) in [
            ("packages", report.results.count), ("block", report.count(.block)),
            ("quarantine", report.count(.quarantine)), ("alert", report.count(.alert)),
            ("allow", report.count(.allow)), ("vulnerabilities", report.vulnerabilityCount),
            ("failed", report.failedResults.count), ("skipped", report.skipped.count),
        ] {
            w.key(key)
            w.int(value)
        }
        w.endObject()
    }

    static func write(_ source: SourceInfo, to w: inout JSONWriter) {
        w.beginObject()
        w.member("name", source.name)
        w.member("location", source.location)
        w.member("data_date", source.dataDate.map(ReportText.timestamp))
        w.member("note", source.note)
        w.endObject()
    }

    /// `name`, `normalized_name`, `version`, `specifier`, `location`: what results and skipped entries share.
    static func dependencyHead(_ dependency: Dependency, options: ReportOptions, to w: inout JSONWriter) {
        w.member("name", dependency.name)
        w.member("normalized_name", dependency.normalizedName)
        w.member("version", dependency.version)
        w.member("specifier", dependency.specifier)
        w.key("location")
        if let location = dependency.location {
            w.beginObject()
            w.member("file", ReportText.relative(location.file, to: options.baseDirectory))
            w.key("line")
            if let line = location.line { w.int(line) } else { w.null() }
            w.endObject()
        } else {
            w.null()
        }
    }

    static func write(_ result: PackageResult, options: ReportOptions, to w: inout JSONWriter) {
        w.beginObject()
        dependencyHead(result.dependency, options: options, to: &w)
        w.key("direct")
        if let direct = result.dependency.direct { w.bool(direct) } else { w.null() }
        w.key("verdict")
        w.beginObject()
        w.member("action", result.verdict.action.rawValue)
        w.key("reasons")
        w.beginArray()
        for reason in result.verdict.reasons {
            w.element()
            w.beginObject()
            w.member("kind", reason.kind.rawValue)
            w.member("action", reason.action.rawValue)
            w.member("subject", reason.subject)
            w.member("message", reason.message)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.key("vulnerabilities")
        w.beginArray()
        for finding in result.vulnerabilities.sorted(by: { $0.id < $1.id }) {
            w.element()
            write(finding, to: &w)
        }
        w.endArray()
        w.key("risk")
        if let risk = result.risk { write(risk, to: &w) } else { w.null() }
        w.key("failures")
        w.beginArray()
        for failure in result.failures {
            w.element()
            w.beginObject()
            w.member("source", failure.source)
            w.member("message", failure.message)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func write(_ finding: VulnerabilityFinding, to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", finding.id)
        w.member("aliases", finding.aliases)
        w.member("summary", finding.summary)
        w.member("severity", finding.severity.rawValue)
        w.member("score", finding.score)
        w.member("vector", finding.vector)
        w.member("malicious", finding.isMalicious)
        w.member("fixed_versions", finding.fixedVersions)
        w.member("nearest_fix", finding.nearestFix)
        w.member("published", finding.published.map(ReportText.timestamp))
        w.member("modified", finding.modified.map(ReportText.timestamp))
        w.member("references", finding.references)
        w.endObject()
    }

    static func write(_ risk: RiskAssessment, to w: inout JSONWriter) {
        w.beginObject()
        w.member("composite", risk.composite)
        w.key("factors")
        w.beginArray()
        for factor in risk.factors {
            w.element()
            w.beginObject()
            w.member("name", factor.name)
            w.member("score", factor.score)
            w.member("reason", factor.reason)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
