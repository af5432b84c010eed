import Foundation

/// The JSON report, schema version 1 (docs/json-schema.md). Keys always present (null when unknown), in a fixed
/// order; results sorted by normalised name and version.
package enum JSONReport {
    package static let schemaVersion = 1

    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        var w = JSONWriter(capacity: 1_024 + 2_048 * report.results.count)
        w.beginObject()
        w.key("schema_version")
        w.int(schemaVersion)
        w.key("tool")
        w.beginObject()
        w.key("name")
        w.string("alterks")
        w.key("version")
        w.string(report.toolVersion)
        w.endObject()
        w.key("generated_at")
        w.string(ReportText.timestamp(report.generatedAt))
        w.key("targets")
        w.strings(report.targets)
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
        for result in report.orderedResults {
            w.element()
            write(result, options: options, to: &w)
        }
        w.endArray()
        w.key("skipped")
        w.beginArray()
        for skip in report.orderedSkipped {
            w.element()
            w.beginObject()
            dependencyHead(skip.dependency, options: options, to: &w)
            w.key("reason")
            w.string(skip.reason)
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
        w.key("name")
        w.string(source.name)
        w.key("location")
        w.optional(source.location)
        w.key("data_date")
        w.optional(source.dataDate.map(ReportText.timestamp))
        w.key("note")
        w.optional(source.note)
        w.endObject()
    }

    /// `name`, `normalized_name`, `version`, `specifier`, `location`: what results and skipped entries share.
    static func dependencyHead(_ dependency: Dependency, options: ReportOptions, to w: inout JSONWriter) {
        w.key("name")
        w.string(dependency.name)
        w.key("normalized_name")
        w.string(dependency.normalizedName)
        w.key("version")
        w.optional(dependency.version)
        w.key("specifier")
        w.string(dependency.specifier)
        w.key("location")
        if let location = dependency.location {
            w.beginObject()
            w.key("file")
            w.string(ReportText.relative(location.file, to: options.baseDirectory))
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
        w.key("action")
        w.string(result.verdict.action.rawValue)
        w.key("reasons")
        w.beginArray()
        for reason in result.verdict.reasons {
            w.element()
            w.beginObject()
            w.key("kind")
            w.string(reason.kind.rawValue)
            w.key("action")
            w.string(reason.action.rawValue)
            w.key("subject")
            w.optional(reason.subject)
            w.key("message")
            w.string(reason.message)
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
            w.key("source")
            w.string(failure.source)
            w.key("message")
            w.string(failure.message)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func write(_ finding: VulnerabilityFinding, to w: inout JSONWriter) {
        w.beginObject()
        w.key("id")
        w.string(finding.id)
        w.key("aliases")
        w.strings(finding.aliases)
        w.key("summary")
        w.optional(finding.summary)
        w.key("severity")
        w.string(finding.severity.rawValue)
        w.key("score")
        w.optional(finding.score)
        w.key("vector")
        w.optional(finding.vector)
        w.key("malicious")
        w.bool(finding.isMalicious)
        w.key("fixed_versions")
        w.strings(finding.fixedVersions)
        w.key("nearest_fix")
        w.optional(finding.nearestFix)
        w.key("published")
        w.optional(finding.published.map(ReportText.timestamp))
        w.key("modified")
        w.optional(finding.modified.map(ReportText.timestamp))
        w.key("references")
        w.strings(finding.references)
        w.endObject()
    }

    static func write(_ risk: RiskAssessment, to w: inout JSONWriter) {
        w.beginObject()
        w.key("composite")
        w.optional(risk.composite)
        w.key("factors")
        w.beginArray()
        for factor in risk.factors {
            w.element()
            w.beginObject()
            w.key("name")
            w.string(factor.name)
            w.key("score")
            w.optional(factor.score)
            w.key("reason")
            w.string(factor.reason)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
