import Foundation
import PythonPackaging

#if canImport(Glibc)
    import Glibc
#endif

/// Every output format of `scan` and `report`.
package enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    case table, json, markdown, sarif, cyclonedx
}

/// What a formatter may adapt to besides the report itself. Everything else comes from the report, which holds its
/// own timestamp and tool version, so rendering is a pure function.
package struct ReportOptions: Sendable, Hashable {
    /// Columns available to the table (the terminal width, or 100 when not a terminal).
    package var width: Int
    /// ANSI colour in the table (only on a terminal, never with --no-color/NO_COLOR: the caller decides).
    package var color: Bool
    /// Paths under this folder are written relative to it (SARIF locations must be repository-relative).
    package var baseDirectory: String?

    package init(width: Int = 100, color: Bool = false, baseDirectory: String? = nil) {
        self.width = width
        self.color = color
        self.baseDirectory = baseDirectory
    }
}

extension ScanReport {
    /// Renders this report in `format`.
    package func rendered(as format: ReportFormat, options: ReportOptions = ReportOptions()) -> String {
        switch format {
        case .table: TableReport.render(self, options: options)
        case .json: JSONReport.render(self, options: options)
        case .markdown: MarkdownReport.render(self, options: options)
        case .sarif: SARIFReport.render(self, options: options)
        case .cyclonedx: CycloneDXReport.render(self, options: options)
        }
    }

    /// Results in a stable order: normalised name, version, then where they were declared.
    package var orderedResults: [PackageResult] { resultOrder.map { results[$0] } }

    /// The indexes of `results` in report order (`orderedResults` without copying the results: a huge report
    /// holds its results once).
    package var resultOrder: [Int] {
        let results = self.results
        return results.indices.sorted { i, j in
            let x = results[i].dependency
            let y = results[j].dependency
            if x.normalizedName != y.normalizedName { return x.normalizedName < y.normalizedName }
            if (x.version ?? "") != (y.version ?? "") { return Self.versionOrder(x.version ?? "", y.version ?? "") }
            if x.specifier != y.specifier { return x.specifier < y.specifier }
            return (x.location?.description ?? "") < (y.location?.description ?? "")
        }
    }

    /// A total order: valid versions first in PEP 440 order (`9.0` before `10.0`; equal ones such as `1.0` and
    /// `1.0.0` by text), then anything that is not a valid version, by text.
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        switch (try? Version(a), try? Version(b)) {
        case (let x?, let y?): return x != y ? x < y : a < b
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }

    /// Skipped dependencies in a stable order.
    package var orderedSkipped: [SkippedDependency] {
        skipped.sorted {
            ($0.dependency.normalizedName, $0.dependency.location?.description ?? "", $0.reason)
                < ($1.dependency.normalizedName, $1.dependency.location?.description ?? "", $1.reason)
        }
    }

    /// How many packages got each action.
    package func count(_ action: Action) -> Int { results.filter { $0.verdict.action == action }.count }

    /// Packages for which some source could not answer.
    package var failedResults: [PackageResult] { results.filter { !$0.failures.isEmpty } }

    /// Distinct vulnerability ids over all packages.
    package var vulnerabilityCount: Int { results.reduce(0) { $0 + $1.vulnerabilities.count } }

    /// One line: "12 packages: 1 block, 2 alert, 9 allow; 3 vulnerabilities; 1 not checked".
    package var summaryLine: String {
        var parts: [String] = []
        for action in Action.allCases.reversed() where count(action) > 0 {
            parts.append("\(count(action)) \(action.rawValue)")
        }
        let packages = results.count == 1 ? "1 package" : "\(results.count) packages"
        var line = parts.isEmpty ? packages : "\(packages): \(parts.joined(separator: ", "))"
        let vulns = vulnerabilityCount
        line += "; \(vulns) \(vulns == 1 ? "vulnerability" : "vulnerabilities")"
        if !failedResults.isEmpty { line += "; \(failedResults.count) not fully checked (a source failed)" }
        if !skipped.isEmpty { line += "; \(skipped.count) skipped" }
        return line
    }
}

/// Shared formatting helpers of the formatters.
enum ReportText {
    /// ISO 8601, UTC, whole seconds: `2026-11-26T12:00:00Z`. Formatted by hand: a report of 1,000 packages holds
    /// thousands of dates, and a new `ISO8601DateFormatter` each (an ICU formatter built every time) was a third of
    /// a warm 1,000-package scan (bench/RESULTS.md).
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "Z"
    }

    /// `2024-10-10`.
    static func day(_ date: Date) -> String { String(timestamp(date).prefix(10)) }

    /// `name`, with `marker` after it when the package is a dependency of what was asked for (`direct == false`).
    static func name(_ dependency: Dependency, marker: String) -> String {
        dependency.direct == false ? dependency.name + marker : dependency.name
    }

    /// What the table's `*` after a name means.
    static let dependencyLegend = "* a dependency of what the files ask for (pip's resolution)"

    /// The version to show: the pin, or the specifier, or "(any)".
    static func version(_ dependency: Dependency) -> String {
        dependency.version ?? (dependency.specifier.isEmpty ? "(any)" : dependency.specifier)
    }

    /// `path` relative to `base` when it lies under it.
    static func relative(_ path: String, to base: String?) -> String {
        guard let base, !base.isEmpty else { return path }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// One sentence per source: "osv (https://api.osv.dev), data of 2024-10-10 — note".
    static func source(_ source: SourceInfo) -> String {
        var text = source.name
        if let location = source.location { text += " (\(location))" }
        if let date = source.dataDate { text += ", data of \(day(date))" }
        if let note = source.note { text += " — \(note)" }
        return text
    }
}
