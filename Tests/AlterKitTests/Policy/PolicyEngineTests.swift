import Foundation
import Testing

@testable import AlterKit

/// One row of the decision table.
struct PolicyCase: Sendable, CustomTestStringConvertible {
    var label: String
    var dependency = Dependency(name: "demo", version: "1.0")
    var vulnerabilities: [VulnerabilityFinding] = []
    var risk: RiskAssessment? = nil
    var failures: [SourceFailure] = []
    var config = Configuration.defaults
    var mode = PolicyMode.scan
    /// The expected verdict action.
    var action: Action
    /// Expected (kind, action, subject) of every reason, in order.
    var reasons: [Reason.Kind]
    /// A substring each expected note must contain, in order.
    var notes: [String] = []

    var testDescription: String { label }
}

private let now = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21
private func vuln(_ id: String, _ severity: Severity, malicious: Bool = false, aliases: [String] = [])
    -> VulnerabilityFinding
{
    VulnerabilityFinding(
        id: id, aliases: aliases, summary: "summary of \(id)", severity: severity, score: severity == .high ? 7.5 : nil,
        nearestFix: malicious ? nil : "2.0", isMalicious: malicious)
}
private func config(_ change: (inout Configuration) -> Void) -> Configuration {
    var c = Configuration.defaults
    change(&c)
    return c
}
private func entry(_ text: String) -> PackageListEntry { ConfigTableReader.parseListEntry(text)! }
private func ignore(_ id: String, until: String, package: String? = nil) -> IgnoreRule {
    let day = ConfigTableReader.parseDay(until)!
    return IgnoreRule(
        id: id, reason: "accepted risk", untilText: until, expires: ConfigTableReader.startOfDayAfter(day)!,
        package: package)
}
private func risk(_ composite: Double?, _ factors: [(String, Double?)]) -> RiskAssessment {
    RiskAssessment(
        factors: factors.map { RiskFactor(name: $0.0, score: $0.1, reason: "\($0.0) reason") }, composite: composite)
}

private let cases: [PolicyCase] = [
    PolicyCase(label: "nothing found → allow", action: .allow, reasons: []),
    PolicyCase(
        label: "critical → block", vulnerabilities: [vuln("PYSEC-1", .critical)], action: .block,
        reasons: [.vulnerability]),
    PolicyCase(
        label: "medium → alert", vulnerabilities: [vuln("PYSEC-1", .medium)], action: .alert, reasons: [.vulnerability]),
    PolicyCase(
        label: "low → allow, still reported", vulnerabilities: [vuln("PYSEC-1", .low)], action: .allow,
        reasons: [.vulnerability]),
    PolicyCase(
        label: "unknown severity → what high gets", vulnerabilities: [vuln("PYSEC-1", .unknown)],
        config: config {
            $0.severityActions[.high] = .quarantine; $0.severityActions[.unknown] = .quarantine
        },
        action: .quarantine, reasons: [.vulnerability]),
    PolicyCase(
        label: "strictest wins, every reason kept, strictest first",
        vulnerabilities: [vuln("PYSEC-1", .low), vuln("PYSEC-2", .medium), vuln("PYSEC-3", .critical)],
        action: .block, reasons: [.vulnerability, .vulnerability, .vulnerability]),
    PolicyCase(
        label: "MAL record → malicious_action whatever its severity",
        vulnerabilities: [vuln("MAL-2024-1", .low, malicious: true)],
        config: config { $0.maliciousAction = .quarantine }, action: .quarantine, reasons: [.malicious]),
    PolicyCase(
        label: "blocklist → block whatever else", dependency: Dependency(name: "Evil_Pkg", version: "1.0"),
        config: config {
            $0.blocklist = [entry("evil-pkg")]; $0.allowlist = [entry("evil-pkg")]
        },
        action: .block, reasons: [.blocklist]),
    PolicyCase(
        label: "blocklist specifier covers the version", dependency: Dependency(name: "Django", version: "3.2.0"),
        config: config { $0.blocklist = [entry("django<4")] }, action: .block, reasons: [.blocklist]),
    PolicyCase(
        label: "blocklist specifier outside the version", dependency: Dependency(name: "Django", version: "4.2.0"),
        config: config { $0.blocklist = [entry("django<4")] }, action: .allow, reasons: []),
    PolicyCase(
        label: "blocklist specifier blocks an unpinned dependency",
        dependency: Dependency(name: "django", specifier: ">=3"), config: config { $0.blocklist = [entry("django<4")] },
        action: .block, reasons: [.blocklist]),
    PolicyCase(
        label: "allowlist specifier does not cover an unpinned dependency",
        dependency: Dependency(name: "requests", specifier: ">=2"), risk: risk(90, [("maintainer_count", 0.9)]),
        config: config { $0.allowlist = [entry("requests>=2.31")] }, action: .alert, reasons: [.risk, .risk]),
    PolicyCase(
        label: "allowlist specifier covers the version", dependency: Dependency(name: "requests", version: "2.32.3"),
        risk: risk(90, [("maintainer_count", 0.9)]), config: config { $0.allowlist = [entry("requests>=2.31")] },
        action: .allow, reasons: [.allowlist]),
    PolicyCase(
        label: "allowlist → allow, vulnerabilities reported as allowed, no risk",
        dependency: Dependency(name: "Requests", version: "2.0"),
        vulnerabilities: [vuln("PYSEC-9", .critical)], risk: risk(99, [("maintainer_count", 1)]),
        config: config { $0.allowlist = [entry("requests")] }, action: .allow, reasons: [.allowlist, .vulnerability]),
    PolicyCase(
        label: "allowlist keeps failures visible",
        dependency: Dependency(name: "requests", version: "2.0"),
        failures: [SourceFailure(source: "osv", message: "timed out")],
        config: config { $0.allowlist = [entry("requests")] }, action: .allow, reasons: [.allowlist, .sourceFailure]),
    PolicyCase(
        label: "active ignore → allow with its reason", vulnerabilities: [vuln("PYSEC-1", .critical)],
        config: config { $0.ignores = [ignore("pysec-1", until: "2026-12-31")] }, action: .allow, reasons: [.ignored],
        notes: ["PYSEC-1 ignored until 2026-12-31"]),
    PolicyCase(
        label: "ignore by alias", vulnerabilities: [vuln("PYSEC-1", .critical, aliases: ["CVE-2024-1"])],
        config: config { $0.ignores = [ignore("CVE-2024-1", until: "2026-12-31")] }, action: .allow,
        reasons: [.ignored],
        notes: ["ignored until"]),
    PolicyCase(
        label: "ignore applies through its last day", vulnerabilities: [vuln("PYSEC-1", .critical)],
        config: config { $0.ignores = [ignore("PYSEC-1", until: "2026-09-21")] }, action: .allow, reasons: [.ignored],
        notes: ["ignored until 2026-09-21"]),
    PolicyCase(
        label: "expired ignore stops applying and says so", vulnerabilities: [vuln("PYSEC-1", .critical)],
        config: config { $0.ignores = [ignore("PYSEC-1", until: "2026-09-20")] }, action: .block,
        reasons: [.vulnerability], notes: ["expired after 2026-09-20"]),
    PolicyCase(
        label: "ignore scoped to another package does not apply", vulnerabilities: [vuln("PYSEC-1", .critical)],
        config: config { $0.ignores = [ignore("PYSEC-1", until: "2026-12-31", package: "other")] }, action: .block,
        reasons: [.vulnerability]),
    PolicyCase(
        label: "risk over threshold → scan alert, naming factors",
        risk: risk(72, [("maintainer_count", 0.9), ("package_age", 0.2)]),
        action: .alert, reasons: [.risk, .risk]),
    PolicyCase(
        label: "risk over threshold → install quarantine", risk: risk(60, [("maintainer_count", 0.9)]), mode: .install,
        action: .quarantine, reasons: [.risk, .risk]),
    PolicyCase(
        label: "risk under threshold → allow", risk: risk(59.9, [("maintainer_count", 0.9)]), mode: .install,
        action: .allow, reasons: []),
    PolicyCase(
        label: "critical code factor acts alone", risk: risk(30, [("code", 1.0)]), mode: .install,
        action: .quarantine, reasons: [.code]),
    PolicyCase(
        label: "high code finding acts alone, in a scan too", risk: risk(5, [("code", 0.8)]), action: .quarantine,
        reasons: [.code]),
    PolicyCase(
        label: "medium code finding is listed without changing the action", risk: risk(5, [("code", 0.4)]),
        mode: .install, action: .allow, reasons: [.code]),
    PolicyCase(
        label: "code signal follows signal_actions.code", risk: risk(5, [("code", 1.0)]),
        config: config { $0.signalActions[.code] = .block }, mode: .install, action: .block, reasons: [.code]),
    PolicyCase(
        label: "entry point shadowing a command → quarantine", risk: risk(5, [("entry_point_shadow", 1.0)]),
        mode: .install, action: .quarantine, reasons: [.code]),
    PolicyCase(
        label: "a file PyPI did not publish → block",
        dependency: Dependency(name: "six", version: "1.17.0"), risk: risk(5, [("artifact_hash", 1.0)]),
        mode: .install, action: .block, reasons: [.risk]),
    PolicyCase(
        label: "a version PyPI does not have → block", risk: risk(5, [("index_confusion", 1.0)]), mode: .install,
        action: .block, reasons: [.risk]),
    PolicyCase(
        label: "a rebuilt file from a trusted rebuild index is listed, not held",
        dependency: {
            var d = Dependency(name: "six", version: "1.17.0")
            d.artifactURL = "https://build.example/simple/six/six-1.17.0-py3-none-any.whl"
            return d
        }(), risk: risk(5, [("artifact_hash", 1.0)]),
        config: config { $0.trustedRebuildIndexes = ["https://build.example/simple"] }, mode: .install,
        action: .allow, reasons: [.risk]),
    PolicyCase(
        label: "another index is not trusted by a prefix that only looks alike",
        dependency: {
            var d = Dependency(name: "six", version: "1.17.0")
            d.artifactURL = "https://build.example/simple-evil/six-1.17.0-py3-none-any.whl"
            return d
        }(), risk: risk(5, [("artifact_hash", 1.0)]),
        config: config { $0.trustedRebuildIndexes = ["https://build.example/simple"] }, mode: .install,
        action: .block, reasons: [.risk]),
    PolicyCase(
        label: "obvious squat → quarantine whatever the composite", risk: risk(5, [("typosquatting", 1.0)]),
        action: .quarantine, reasons: [.risk]),
    PolicyCase(
        label: "weaker squat shape → alert", risk: risk(5, [("typosquatting", 0.6)]), mode: .install, action: .alert,
        reasons: [.risk]),
    PolicyCase(
        label: "typosquatting weight 0 switches the signal off", risk: risk(5, [("typosquatting", 1.0)]),
        config: config { $0.heuristicWeights["typosquatting"] = 0 }, mode: .install, action: .allow, reasons: []),
    PolicyCase(
        label: "a decisive factor not computed is shown",
        risk: risk(5, [("code", nil)]), mode: .install, action: .alert, reasons: [.code]),
    PolicyCase(
        label: "a decisive factor not computed because a source failed follows on_source_error",
        risk: RiskAssessment(
            factors: [RiskFactor(name: "artifact_hash", score: nil, reason: "PyPI down")], composite: 5,
            failures: [SourceFailure(source: "pypi-metadata", message: "HTTP 503")]),
        failures: [SourceFailure(source: "pypi-metadata", message: "HTTP 503")], mode: .install, action: .block,
        reasons: [.risk, .sourceFailure]),
    PolicyCase(
        label: "allowlist never beats a MAL- record", dependency: Dependency(name: "corp-internal", version: "1.0"),
        vulnerabilities: [vuln("MAL-2025-7", .unknown, malicious: true)],
        config: config { $0.allowlist = [entry("corp-internal")] }, action: .block,
        reasons: [.malicious, .allowlist], notes: ["known-malicious"]),
    PolicyCase(
        label: "only an ignore naming the MAL- id lets it through, and says so",
        dependency: Dependency(name: "corp-internal", version: "1.0"),
        vulnerabilities: [vuln("MAL-2025-7", .unknown, malicious: true, aliases: ["GHSA-xxxx"])],
        config: config {
            $0.allowlist = [entry("corp-internal")]; $0.ignores = [ignore("MAL-2025-7", until: "2026-12-31")]
        }, action: .allow, reasons: [.allowlist, .ignored], notes: ["MAL-2025-7 ignored until 2026-12-31"]),
    PolicyCase(
        label: "an ignore naming a MAL- record's alias does not let it through",
        vulnerabilities: [vuln("MAL-2025-7", .unknown, malicious: true, aliases: ["GHSA-xxxx"])],
        config: config { $0.ignores = [ignore("GHSA-xxxx", until: "2026-12-31")] }, action: .block,
        reasons: [.malicious]),
    PolicyCase(
        label: "critical factor with weight 0 is off", risk: risk(30, [("dependency_confusion", 1.0)]),
        config: config { $0.heuristicWeights["dependency_confusion"] = 0 }, mode: .install, action: .allow, reasons: []),
    PolicyCase(
        label: "unknown factors are noted", risk: risk(10, [("provenance", nil), ("package_age", 0.1)]),
        action: .allow, reasons: [], notes: ["not computed", "provenance"]),
    PolicyCase(
        label: "source failure → block by default", failures: [SourceFailure(source: "osv", message: "HTTP 503")],
        action: .block, reasons: [.sourceFailure]),
    PolicyCase(
        label: "source failure → alert only when the policy says so",
        failures: [SourceFailure(source: "osv", message: "HTTP 503")], config: config { $0.onSourceError = .alert },
        action: .alert, reasons: [.sourceFailure]),
    PolicyCase(
        label: "source failure with a found vulnerability keeps both",
        vulnerabilities: [vuln("PYSEC-1", .medium)],
        failures: [SourceFailure(source: "pypi-metadata", message: "HTTP 429")],
        action: .block, reasons: [.sourceFailure, .vulnerability]),
]

@Suite struct PolicyEngineTests {
    @Test(arguments: cases)
    func decides(_ c: PolicyCase) {
        let decision = PolicyEngine.decide(
            dependency: c.dependency, vulnerabilities: c.vulnerabilities, risk: c.risk, failures: c.failures,
            config: c.config, mode: c.mode, now: now)
        #expect(decision.verdict.action == c.action)
        #expect(decision.verdict.reasons.map(\.kind) == c.reasons, "\(decision.verdict.reasons)")
        #expect(decision.verdict.action == (decision.verdict.reasons.map(\.action).max() ?? .allow))
        #expect(decision.notes.count >= (c.notes.isEmpty ? 0 : 1))
        for note in c.notes { #expect(decision.notes.contains { $0.contains(note) }, "\(decision.notes)") }
        if c.notes.isEmpty { #expect(decision.notes.isEmpty, "\(decision.notes)") }
    }

    @Test func neverAllowsASourceFailureSilently() {
        for action in [Action.block, .alert] {
            let decision = PolicyEngine.decide(
                dependency: Dependency(name: "x", version: "1"), vulnerabilities: [], risk: nil,
                failures: [SourceFailure(source: "osv", message: "down")], config: config { $0.onSourceError = action },
                mode: .install, now: now)
            #expect(decision.verdict.action == action)
            #expect(decision.verdict.reasons.first?.message.contains("osv could not answer (down)") == true)
        }
    }

    @Test func messagesNameWhatMatters() {
        let decision = PolicyEngine.decide(
            dependency: Dependency(name: "demo", version: "1.0"), vulnerabilities: [vuln("PYSEC-1", .high)],
            risk: risk(72, [("release_pattern", 0.9), ("package_age", 0.2), ("maintainer_count", 0.6)]), failures: [],
            config: .defaults, mode: .scan, now: now)
        let messages = decision.verdict.reasons.map(\.message)
        #expect(messages[0] == "PYSEC-1 (high 7.5): summary of PYSEC-1; fixed in 2.0")
        #expect(messages[1] == "risk 72/100 at or above the threshold 60: release_pattern 0.9, maintainer_count 0.6")
        #expect(messages[2] == "release_pattern 0.9: release_pattern reason")
        #expect(messages[3] == "maintainer_count 0.6: maintainer_count reason")
        #expect(decision.verdict.reasons[2].subject == "release_pattern")
    }

    @Test func activeIgnoreLimitsHowLongTheVerdictHolds() {
        let rule = ignore("PYSEC-1", until: "2026-12-31")
        let decision = PolicyEngine.decide(
            dependency: Dependency(name: "demo", version: "1.0"), vulnerabilities: [vuln("PYSEC-1", .critical)],
            risk: nil, failures: [], config: config { $0.ignores = [rule] }, mode: .scan, now: now)
        #expect(decision.validUntil == rule.expires)
    }

    @Test func skipsHeuristicsOnlyForAllowlistedAndNotBlocked() {
        let c = config {
            $0.allowlist = [entry("a"), entry("b")]; $0.blocklist = [entry("b")]
        }
        #expect(PolicyEngine.skipsHeuristics(Dependency(name: "A", version: "1"), config: c))
        #expect(!PolicyEngine.skipsHeuristics(Dependency(name: "b", version: "1"), config: c))
        #expect(!PolicyEngine.skipsHeuristics(Dependency(name: "c", version: "1"), config: c))
    }

    @Test func releaseAge() {
        let young = PolicyEngine.releaseAgeReason(
            uploaded: now.addingTimeInterval(-3 * 3600), config: .defaults, now: now)
        #expect(young?.kind == .releaseAge)
        #expect(young?.action == .quarantine)
        #expect(young?.message == "released 3 h ago, younger than min_release_age (48 h)")
        #expect(
            PolicyEngine.releaseAgeReason(uploaded: now.addingTimeInterval(-49 * 3600), config: .defaults, now: now)
                == nil)
        #expect(PolicyEngine.releaseAgeReason(uploaded: nil, config: .defaults, now: now) == nil)
        let off = config { $0.minReleaseAge = 0 }
        #expect(PolicyEngine.releaseAgeReason(uploaded: now, config: off, now: now) == nil)
    }

    @Test(arguments: [(7.5, "7.5"), (60, "60"), (0.9, "0.9"), (72.456, "72.46"), (0.125, "0.13")])
    func scoresAreShort(value: Double, text: String) {
        #expect(PolicyEngine.formatScore(value) == text)
    }
}
