import Foundation

/// The human report: one row per package fitting the given width, then every non-ALLOW package at a glance (what
/// flagged it, the way out) with all its reasons, what could not be checked, what was skipped, the sources and a one-line summary.
package enum TableReport {
    static let minimumWidth = 40

    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        let width = max(options.width, minimumWidth)
        // Rows in report order, read through their indexes: the results are never copied.
        let order = report.resultOrder
        let results = order.lazy.map { report.results[$0] }
        var lines: [String] = []

        if results.isEmpty {
            lines.append("No packages to check.")
        } else {
            let names = results.map { ReportText.name($0.dependency, marker: "*") }
            let versions = results.map { ReportText.version($0.dependency) }
            let nameWidth = min(max(7, names.map(\.count).max() ?? 0), 32)
            let versionWidth = min(max(7, versions.map(\.count).max() ?? 0), 20)
            let verdictWidth = 10
            let fixed = nameWidth + versionWidth + verdictWidth + 6
            let detailsWidth = width - fixed
            let showDetails = detailsWidth >= 12
            var header =
                pad("PACKAGE", nameWidth) + "  " + pad("VERSION", versionWidth) + "  " + pad("VERDICT", verdictWidth)
            if showDetails { header += "  DETAILS" }
            lines.append(trimTrailing(header))
            for (index, result) in results.enumerated() {
                let verdict = result.verdict.action.rawValue.uppercased()
                var row =
                    pad(truncate(names[index], nameWidth), nameWidth) + "  "
                    + pad(truncate(versions[index], versionWidth), versionWidth) + "  "
                    + paint(pad(verdict, verdictWidth), result.verdict.action, options.color)
                if showDetails {
                    row += "  " + truncate(details(result), detailsWidth)
                }
                lines.append(trimTrailing(row))
            }
            if results.contains(where: { $0.dependency.direct == false }) {
                lines.append(ReportText.dependencyLegend)
            }
        }

        let flagged = results.filter { result in
            result.verdict.action != .allow || result.verdict.reasons.contains { $0.kind == .ignored }
        }
        for result in flagged {
            lines.append("")
            // The package at a glance (what flagged it, the way out), then every reason in full.
            let glance = VerdictGlance(
                dependency: result.dependency, verdict: result.verdict, vulnerabilities: result.vulnerabilities)
            var extra = result.dependency.direct == false ? " (a dependency)" : ""
            if let location = result.dependency.location {
                extra += " (\(ReportText.relative(location.description, to: options.baseDirectory)))"
            }
            let label = VerdictGlance.label(result.verdict.action)
            var titleLines = wrap(glance.headline(extra: extra), width: width, indent: "")
            titleLines[0] = paint(label, result.verdict.action, options.color) + titleLines[0].dropFirst(label.count)
            lines.append(contentsOf: titleLines)
            if let wayOut = glance.wayOut(now: report.generatedAt) {
                lines.append(contentsOf: wrap("way out: " + wayOut, width: width, indent: "  "))
            }
            for reason in result.verdict.reasons {
                lines.append(
                    contentsOf: wrap("[\(reason.action.rawValue)] \(reason.message)", width: width, indent: "  - "))
            }
        }

        let failed = report.failedResults
        if !failed.isEmpty {
            lines.append("")
            lines.append(
                contentsOf: wrap(
                    "Not checked — a data source could not answer (never read this as clean):", width: width, indent: ""
                ))
            for result in results where !result.failures.isEmpty {
                for failure in result.failures {
                    lines.append(
                        contentsOf: wrap(
                            "\(result.dependency.name) \(ReportText.version(result.dependency)): \(failure)",
                            width: width, indent: "  - "))
                }
            }
        }
        if !report.skipped.isEmpty {
            lines.append("")
            lines.append("Skipped:")
            for skip in report.orderedSkipped {
                lines.append(
                    contentsOf: wrap(
                        "\(skip.dependency.name) \(ReportText.version(skip.dependency)): \(skip.reason)", width: width,
                        indent: "  - "))
            }
        }
        lines.append("")
        for source in report.sources {
            lines.append(contentsOf: wrap("Source: " + ReportText.source(source), width: width, indent: ""))
        }
        lines.append(contentsOf: wrap(report.summaryLine, width: width, indent: ""))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The strictest reason, and how many more there are.
    static func details(_ result: PackageResult) -> String {
        guard let first = result.verdict.reasons.first else {
            return result.failures.isEmpty ? "" : "not checked: \(result.failures[0])"
        }
        let more = result.verdict.reasons.count - 1
        return first.message + (more > 0 ? " (+\(more) more)" : "")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func truncate(_ text: String, _ width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }

    private static func trimTrailing(_ text: String) -> String {
        var text = text
        while text.last == " " { text.removeLast() }
        return text
    }

    /// Word-wraps `text` to `width`, the first line prefixed with `indent`, continuation lines aligned under it.
    static func wrap(_ text: String, width: Int, indent: String) -> [String] {
        let available = max(width - indent.count, 10)
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= available {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
            while current.count > available {
                lines.append(String(current.prefix(available)))
                word = String(current.dropFirst(available))
                current = word
            }
        }
        lines.append(current)
        let continuation = String(repeating: " ", count: indent.count)
        return lines.enumerated().map { ($0.offset == 0 ? indent : continuation) + $0.element }
    }

    static func paint(_ text: String, _ action: Action, _ color: Bool) -> String {
        guard color else { return text }
        let code =
            switch action {
            case .block: "1;31"
            case .quarantine: "1;35"
            case .alert: "33"
            case .allow: "32"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
