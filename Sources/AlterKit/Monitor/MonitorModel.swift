import Foundation

/// What one monitor run watches: an installed environment (an interpreter) or a requirements/lock file.
package enum MonitorTarget: Sendable, Hashable, CustomStringConvertible {
    case python(String)
    case file(String)

    /// Stable key in the state database.
    package var id: String {
        switch self {
        case .python(let path): "python:\(path)"
        case .file(let path): "file:\(path)"
        }
    }

    package var description: String { id }
}

/// One finding as the monitor tracks it between runs. Its `key` identifies it across cycles: the same
/// vulnerability on the same package version of the same target is the same finding.
package struct MonitorFinding: Sendable, Hashable, Codable {
    /// `vulnerability`, `malicious`, `risk`, or `verdict` (a package whose verdict got worse).
    package var kind: String
    package var target: String
    package var package: String
    package var version: String
    /// Vulnerability id, risk factor name, or the new verdict for `verdict`.
    package var id: String
    package var aliases: [String]
    /// The action the policy gives the package.
    package var action: Action
    package var severity: Severity?
    package var summary: String?
    package var fixedIn: String?
    /// For `verdict` findings: the verdict it had before.
    package var previousAction: Action?

    package init(
        kind: String, target: String, package: String, version: String, id: String, aliases: [String] = [],
        action: Action, severity: Severity? = nil, summary: String? = nil, fixedIn: String? = nil,
        previousAction: Action? = nil
    ) {
        self.kind = kind
        self.target = target
        self.package = package
        self.version = version
        self.id = id
        self.aliases = aliases
        self.action = action
        self.severity = severity
        self.summary = summary
        self.fixedIn = fixedIn
        self.previousAction = previousAction
    }

    package var key: String { [kind, target, package, version, id].joined(separator: "\u{1F}") }

    enum CodingKeys: String, CodingKey {
        case kind, target, package, version, id, aliases, action, severity, summary
        case fixedIn = "fixed_in"
        case previousAction = "previous_action"
    }
}

/// How one target fared in a cycle.
package struct MonitorTargetStatus: Sendable, Hashable, Codable {
    package var target: String
    /// `ok` or `failed`.
    package var status: String
    package var packages: Int
    /// Why the target (or some of its packages) could not be checked.
    package var errors: [String]
    /// Which data sources answered, with their data dates.
    package var sources: [SourceInfo]
}

/// One cycle's report: the JSON object appended to `--json-output` and POSTed to the webhook.
/// Schema documented in docs/monitor.md; `schema_version` changes on any incompatible change.
package struct MonitorCycleReport: Sendable, Hashable, Codable {
    package var schemaVersion: Int = 1
    /// A unique id per cycle; receivers can use it to drop a re-delivered report.
    package var cycle: String
    package var time: Date
    /// `ok`, or `failed` when a data source could not answer for some target (never reported as clean).
    package var status: String
    package var targets: [MonitorTargetStatus]
    package var counts: Counts
    package var new: [MonitorFinding]
    package var resolved: [MonitorFinding]
    /// Every current finding, new or not.
    package var findings: [MonitorFinding]

    package struct Counts: Sendable, Hashable, Codable {
        package var targets: Int
        package var packages: Int
        package var findings: Int
        package var new: Int
        package var resolved: Int
        package var failedTargets: Int

        enum CodingKeys: String, CodingKey {
            case targets, packages, findings, new, resolved
            case failedTargets = "failed_targets"
        }
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case cycle, time, status, targets, counts, new, resolved, findings
    }

    /// The report as one line of JSON (sorted keys, ISO 8601 times, no newline inside).
    package func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
