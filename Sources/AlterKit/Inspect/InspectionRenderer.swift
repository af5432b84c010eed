import Foundation
import PythonCodeAnalysis

/// What `alterks inspect` prints: pure functions of the inspection (and diff).
package enum InspectionRenderer {
    /// The JSON document: the inspection, the diff against the previous release when one was made, and the code
    /// factor they give.
    package static func json(_ inspection: ArtifactInspection, diff: ReleaseDiff? = nil) -> String {
        struct Document: Encodable {
            var inspection: ArtifactInspection
            var diff: ReleaseDiff?
            var factor: RiskFactor
            var critical: Bool
        }
        let document = Document(
            inspection: inspection, diff: diff, factor: CodeFactor.factor(inspection, diff: diff),
            critical: CodeFactor.isCritical(inspection, diff: diff))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A table for people: one row per finding, most severe first, then a summary line.
    package static func table(_ inspection: ArtifactInspection, diff: ReleaseDiff? = nil, width: Int = 100) -> String {
        var lines: [String] = []
        var header = "\(inspection.artifact) (\(inspection.format.rawValue)"
        if let project = inspection.project { header += ", \(project) \(inspection.version ?? "")" }
        header += ", \(inspection.fileCount) files, \(byteCount(inspection.totalBytes))"
        if let sha = inspection.sha256 { header += ", sha256 \(sha.prefix(12))…" }
        header += ")"
        lines.append(header)
        if !inspection.complete {
            lines.append("INCOMPLETE: a reading limit stopped the inspection (see archive-limit)")
        }
        if !inspection.hooks.isEmpty {
            lines.append("runs at install/start-up: " + inspection.hooks.joined(separator: "; "))
        }
        let findings = (inspection.findings + (diff?.findings ?? [])).normalized()
        if findings.isEmpty {
            lines.append("no findings")
        } else {
            let locationWidth = min(40, findings.map { $0.location.count }.max() ?? 8)
            let kindWidth = findings.map { $0.kind.rawValue.count }.max() ?? 4
            let evidenceWidth = max(20, width - 10 - kindWidth - locationWidth - 6)
            lines.append(
                pad("SEVERITY", 9) + " " + pad("KIND", kindWidth) + " " + pad("LOCATION", locationWidth) + " EVIDENCE")
            for f in findings {
                lines.append(
                    pad(f.severity.rawValue, 9) + " " + pad(f.kind.rawValue, kindWidth) + " "
                        + pad(clipLeft(f.location, locationWidth), locationWidth) + " "
                        + Evidence.clip(f.evidence, limit: evidenceWidth))
            }
        }
        if let diff {
            let against = diff.previousVersion.map { "compared with \($0)" } ?? "compared with the previous release"
            lines.append(diff.isEmpty ? "\(against): nothing new" : "\(against): \(diff.findings.count) new item(s)")
        }
        let counts = Severity.allCases.reversed().compactMap { s -> String? in
            let n = findings.filter { $0.severity == s }.count
            return n > 0 ? "\(n) \(s.rawValue)" : nil
        }
        let factor = CodeFactor.factor(inspection, diff: diff)
        lines.append(
            "\(findings.count) finding(s)\(counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")); "
                + "code factor \(factor.score.map { String(format: "%.1f", $0) } ?? "unknown")"
                + (CodeFactor.isCritical(inspection, diff: diff) ? " (critical: quarantine by default)" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func clipLeft(_ s: String, _ width: Int) -> String {
        s.count <= width ? s : "…" + s.suffix(width - 1)
    }

    static func byteCount(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / Double(1 << 10)) }
        return "\(n) B"
    }
}
