import Foundation
import PythonPackaging

/// Which command a verdict is for: a scan reports, an install gates. Some actions differ between the two
/// (`risk_action` defaults to ALERT for a scan and QUARANTINE for an install).
package enum PolicyMode: String, Sendable, Hashable, Codable, CaseIterable {
    case scan, install
}

/// Which vulnerability data source answers (`source` in config, `--source` on the command line).
package enum AdvisorySourceChoice: String, Sendable, Hashable, Codable, CaseIterable {
    case osv, pypi, offline, auto
}

/// One `allowlist`/`blocklist` entry: a PEP 503-normalised name and an optional version specifier
/// (`"django<4"`). An entry without a specifier covers every version.
package struct PackageListEntry: Sendable, Hashable, CustomStringConvertible {
    /// The entry as written in the configuration.
    package var raw: String
    /// PEP 503-normalised name.
    package var name: String
    /// The specifier part as written (`<4`), empty for every version.
    package var specifierText: String
    /// The parsed specifier; `nil` for every version.
    package var specifier: SpecifierSet?

    package init(raw: String, name: String, specifierText: String, specifier: SpecifierSet?) {
        self.raw = raw
        self.name = name
        self.specifierText = specifierText
        self.specifier = specifier
    }

    /// How an entry applies to one dependency.
    package enum Match: Sendable, Hashable {
        /// The name matches and the version is inside the specifier (or there is none).
        case matches
        /// The name matches but the dependency names no exact version, so whether the specifier holds is unknown.
        case versionUnknown
        case noMatch
    }

    /// Whether this entry covers `name` (already normalised) at `version`.
    package func match(name other: String, version: String?) -> Match {
        guard other == name else { return .noMatch }
        guard let specifier else { return .matches }
        guard let version else { return .versionUnknown }
        return specifier.contains(version, prereleases: true) ? .matches : .noMatch
    }

    package var description: String { name + specifierText }
}

/// An `ignore` entry: a vulnerability id the user has decided to accept, with a reason and an expiry.
package struct IgnoreRule: Sendable, Hashable {
    /// The vulnerability id (any of its aliases matches), as written.
    package var id: String
    /// Why it is accepted. Required.
    package var reason: String
    /// The last day (UTC) the ignore applies, as written (`2027-01-31`).
    package var untilText: String
    /// The instant the ignore stops applying: the start of the day after `until`, UTC.
    package var expires: Date
    /// When set, the ignore applies to this package only (PEP 503-normalised).
    package var package: String?

    package init(id: String, reason: String, untilText: String, expires: Date, package: String? = nil) {
        self.id = id
        self.reason = reason
        self.untilText = untilText
        self.expires = expires
        self.package = package
    }

    /// Whether this rule names `finding` (its primary id or any alias, case-insensitively) for `packageName`.
    package func covers(_ finding: VulnerabilityFinding, packageName: String) -> Bool {
        if let package, package != packageName { return false }
        let wanted = id.uppercased()
        return finding.allIDs.contains { $0.uppercased() == wanted }
    }
}

/// One configuration file a run read, and how much of it applied.
package struct PolicyFile: Sendable, Hashable, Codable {
    /// Where it came from: `system`, `user`, `project` (the nearest pyproject.toml) or `explicit` (`--config`).
    package enum Role: String, Sendable, Hashable, Codable {
        case system, user, project, explicit
    }
    package var path: String
    package var role: Role
    /// Whether its loosening settings applied (root files and `--config` always; a project file once trusted).
    package var trusted: Bool
    /// The loosening keys that were ignored because the file is not trusted.
    package var ignored: [String]

    package init(path: String, role: Role, trusted: Bool, ignored: [String] = []) {
        self.path = path
        self.role = role
        self.trusted = trusted
        self.ignored = ignored
    }

    /// One line for reports: `project /repo/pyproject.toml (not trusted: ignored allowlist, cache_dir)`.
    package var summary: String {
        var text = "\(role.rawValue) \(path)"
        if role == .project {
            text += trusted ? " (trusted)" : " (not trusted"
            if !trusted {
                text += ignored.isEmpty ? ": nothing to ignore)" : ": ignored \(ignored.joined(separator: ", ")))"
            }
        }
        return text
    }
}

/// A signal that decides on its own, whatever the weighted risk composite says (`[tool.alterks.signal_actions]`).
package enum Signal: String, Sendable, Hashable, CaseIterable {
    /// Code that runs without being called: a `.pth` line doing more than path setup, exec of decoded data,
    /// network, process spawning or credential reads at install or import time (a high or critical finding).
    case code
    /// A console script or entry point named like a common command (`pip`, `python`, `sudo`, `git`, `ls` …).
    case entryPointShadow = "entry_point_shadow"
    /// A file from another index or URL whose sha256 is not among PyPI's files for that release.
    case artifactHash = "artifact_hash"
    /// A version PyPI does not have, served by another index under a PyPI project's name.
    case indexConfusion = "index_confusion"
    /// An obvious typosquat: one edit or an added generic word from a much more popular name, young or with few
    /// releases, not the target's own family.
    case typosquat
    /// A weaker squat shape (an established project, an organisation-owned look-alike, a lower score).
    case typosquatWeak = "typosquat_weak"
}

/// The `[tool.alterks]` table, validated, with every key it does not set at its default.
/// Build it with `ConfigLoader`; `Configuration.defaults` is the built-in policy.
package struct Configuration: Sendable, Hashable {
    /// Every heuristic factor a weight can be given to, in report order.
    package static let heuristicFactors: [String] = [
        "typosquatting", "package_age", "maintainer_count", "release_pattern", "metadata_quality", "provenance",
        "dependency_confusion", "code",
    ]

    /// Default weights. `code` was `code_patterns` in the Python AlterKS; both spellings are accepted.
    package static let defaultHeuristicWeights: [String: Double] = [
        "typosquatting": 0.25, "package_age": 0.15, "maintainer_count": 0.10, "release_pattern": 0.10,
        "metadata_quality": 0.15, "provenance": 0.15, "dependency_confusion": 0.25, "code": 0.25,
    ]

    /// Action per severity. `unknown` defaults to whatever `high` gets: an unscored known vulnerability is not a
    /// reason to let it in.
    package var severityActions: [Severity: Action]
    /// 0–100; a composite risk score at or above it triggers `riskAction`.
    package var riskThreshold: Double
    /// Action for a risk score at or above the threshold, per mode.
    package var riskActions: [PolicyMode: Action]
    /// Action for an OpenSSF `MAL-*` record (a malicious package). Never `allow`.
    package var maliciousAction: Action
    package var allowlist: [PackageListEntry]
    package var blocklist: [PackageListEntry]
    /// Weight 0–1 per heuristic factor; every factor of `heuristicFactors` is present.
    package var heuristicWeights: [String: Double]
    package var ignores: [IgnoreRule]
    /// Private package names (normalised) that must never come from the public index.
    package var internalPackages: [String]
    /// A release younger than this (seconds) is not installed; 0 turns the check off.
    package var minReleaseAge: TimeInterval
    /// What a data source that could not answer leads to: `block` (default) or `alert`.
    package var onSourceError: Action
    package var source: AdvisorySourceChoice
    package var osvURL: String
    package var pypiURL: String
    /// Where `alterks db update` downloads the OSV PyPI zip from.
    package var osvDatabaseURL: String
    /// Overrides `$XDG_CACHE_HOME/alterks`; relative paths are resolved against the configuration file's folder.
    package var cacheDirectory: String?
    package var verdictTTL: TimeInterval
    package var metadataTTL: TimeInterval
    package var advisoryTTL: TimeInterval
    /// One HTTP request, seconds.
    package var httpTimeout: TimeInterval
    /// All attempts of one request including retries, seconds.
    package var httpTotalTimeout: TimeInterval
    package var maxConcurrency: Int
    package var webhookURL: String?
    /// HMAC secret for webhook signatures; `ALTERKS_WEBHOOK_SECRET` takes precedence over the file.
    package var webhookSecret: String?
    /// The least action that makes `scan` exit 1.
    package var failOn: Action
    /// The file the configuration was read from; `nil` for the built-in defaults.
    package var origin: String?
    /// Let the install gate's dry run build source distributions from the index, which runs their setup.py or
    /// build backend before the gate has decided (`allow_source_builds`, default false). Not part of the policy
    /// fingerprint: it changes what pip may run, not a verdict.
    package var allowSourceBuilds: Bool = false
    /// Answers from the offline database whose data is older than this (seconds) count as a source that could not
    /// answer (`on_source_error`), so a stale snapshot blocks instead of silently passing (`max_offline_age`,
    /// default 7 days).
    package var maxOfflineAge: TimeInterval = 7 * 86400
    /// The policy files this configuration was built from, root first (system, user, then the project file), each
    /// with how it was applied. Not part of the policy fingerprint; reports name them.
    package var policyFiles: [PolicyFile] = []
    /// Action per decisive signal (`signal_actions`); every signal of `Signal` is present.
    package var signalActions: [Signal: Action] = Configuration.defaultSignalActions
    /// Index URL prefixes the user trusts to serve files rebuilt from PyPI projects (`trusted_rebuild_indexes`):
    /// an artifact from one is not held for a sha256 or a version PyPI does not have.
    package var trustedRebuildIndexes: [String] = []

    /// Defaults for `signal_actions`.
    package static let defaultSignalActions: [Signal: Action] = [
        .code: .quarantine, .entryPointShadow: .quarantine, .artifactHash: .block, .indexConfusion: .block,
        .typosquat: .quarantine, .typosquatWeak: .alert,
    ]

    /// The built-in policy, used for every key a configuration does not set.
    package static let defaults = Configuration(
        severityActions: [.critical: .block, .high: .block, .medium: .alert, .low: .allow, .unknown: .block],
        riskThreshold: 60, riskActions: [.scan: .alert, .install: .quarantine], maliciousAction: .block,
        allowlist: [], blocklist: [], heuristicWeights: defaultHeuristicWeights, ignores: [], internalPackages: [],
        minReleaseAge: 48 * 3600, onSourceError: .block, source: .auto, osvURL: "https://api.osv.dev",
        pypiURL: "https://pypi.org",
        osvDatabaseURL: "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip",
        cacheDirectory: nil, verdictTTL: 24 * 3600, metadataTTL: 24 * 3600, advisoryTTL: 6 * 3600,
        httpTimeout: 30, httpTotalTimeout: 120, maxConcurrency: 16, webhookURL: nil, webhookSecret: nil,
        failOn: .block, origin: nil)

    /// The action for a vulnerability of `severity`.
    package func action(for severity: Severity) -> Action {
        severityActions[severity] ?? severityActions[.high] ?? .block
    }

    /// The action for a risk score at or above the threshold in `mode`.
    package func riskAction(for mode: PolicyMode) -> Action {
        riskActions[mode] ?? (mode == .install ? .quarantine : .alert)
    }

    /// The action a decisive signal calls for.
    package func action(for signal: Signal) -> Action {
        signalActions[signal] ?? Configuration.defaultSignalActions[signal] ?? .quarantine
    }

    /// Whether `url` (an artifact's origin) lies under one of `trustedRebuildIndexes`.
    package func trustsRebuilt(_ url: String?) -> Bool {
        guard let url else { return false }
        return trustedRebuildIndexes.contains { prefix in
            url == prefix || url.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
        }
    }

    /// The weight of a heuristic factor; 0 for a factor the configuration does not know.
    package func weight(for factor: String) -> Double { heuristicWeights[factor] ?? 0 }
}
