import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// One verdict at a glance: the headline and the way out, from the real policy over real findings.
@Suite struct VerdictGlanceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15

    /// Findings from the bundled OSV data (the real PYSEC records), through the real matcher and builder.
    static func findings(_ name: String, _ version: String) throws -> [VulnerabilityFinding] {
        let matcher = OSVMatcher(records: try OSVTestData.bundledRecords)
        return FindingBuilder().findings(
            for: matcher.matchingRecords(name: name, version: version), package: name, version: version)
    }

    static func glance(
        _ dependency: Dependency, _ findings: [VulnerabilityFinding], config: Configuration = .defaults,
        risk: RiskAssessment? = nil
    ) -> VerdictGlance {
        let decision = PolicyEngine.decide(
            dependency: dependency, vulnerabilities: findings, risk: risk, failures: [], config: config,
            mode: .install, now: now)
        return VerdictGlance(dependency: dependency, verdict: decision.verdict, vulnerabilities: findings)
    }

    @Test func anOldRequestsIsOneLineAndAFixedVersion() throws {
        let findings = try Self.findings("requests", "2.19.1")
        #expect(findings.map(\.id) == ["PYSEC-2018-28", "PYSEC-2023-74"])
        let glance = Self.glance(Dependency(name: "requests", version: "2.19.1"), findings)
        #expect(
            glance.headline()
                == "BLOCKED requests 2.19.1: 2 vulnerabilities (PYSEC-2018-28, PYSEC-2023-74) with no severity in "
                + "any record (severity_actions.unknown = block); fixed in 2.31.0")
        #expect(glance.wayOut(now: Self.now) == "pip install \"requests>=2.31.0\"")
        // The full reasons still say the same, summary included, and never a bare "unknown".
        let first = try #require(glance.verdict.reasons.first)
        #expect(
            first.message.hasPrefix("PYSEC-2018-28 (no severity in any record; severity_actions.unknown = block): "))
        #expect(!glance.verdict.reasons.contains { $0.message.contains("(unknown") })
    }

    @Test func aScoredVulnerabilityNamesItsSeverityAndTheRuleOnlyForTheUnscored() {
        let findings = [
            VulnerabilityFinding(id: "GHSA-aaaa", summary: "bad", severity: .critical, score: 9.8, nearestFix: "1.4"),
            VulnerabilityFinding(id: "PYSEC-1", summary: "worse", nearestFix: "1.2"),
            VulnerabilityFinding(id: "PYSEC-2", summary: "minor", severity: .low, nearestFix: "9.0"),
        ]
        var config = Configuration.defaults
        config.severityActions[.unknown] = .quarantine
        let glance = Self.glance(Dependency(name: "Tiny_Lib", version: "1.0", direct: false), findings, config: config)
        // A low one is allowed by the policy: not counted, and its fix is not asked for.
        #expect(
            glance.headline(extra: " (a dependency)")
                == "BLOCKED Tiny_Lib 1.0 (a dependency): 2 vulnerabilities (GHSA-aaaa critical, PYSEC-1 unscored), "
                + "the unscored with no severity in any record (severity_actions.unknown = quarantine); fixed in 1.4")
        #expect(glance.wayOut(now: Self.now) == "pip install \"Tiny_Lib>=1.4\"")
    }

    @Test func noFixedVersionProposesAnIgnoreThatTheConfigurationAcceptsAndThatExpires() throws {
        let findings = [VulnerabilityFinding(id: "GHSA-nofix", summary: "no fix yet", severity: .high)]
        let dependency = Dependency(name: "Lonely", version: "3.0")
        let glance = Self.glance(dependency, findings)
        #expect(glance.headline() == "BLOCKED Lonely 3.0: 1 vulnerability (GHSA-nofix high); no fixed version")
        let wayOut = try #require(glance.wayOut(now: Self.now))
        #expect(
            wayOut
                == "to accept it until 2027-02-14, add to [tool.alterks]: ignore = [{ id = \"GHSA-nofix\", package = "
                + "\"lonely\", until = 2027-02-14, reason = \"why it is acceptable\" }]")
        // The proposed entry is real configuration: pasted in, it accepts the package until that day, not after.
        let entry = String(wayOut[wayOut.range(of: "ignore = ")!.lowerBound...])
        let config = try ConfigLoader(environment: [:], diagnostics: NullDiagnostics()).parse(
            text: "[tool.alterks]\n\(entry)\n", file: "pyproject.toml", baseDirectory: "/", pyproject: true,
            required: true)
        #expect(Self.glance(dependency, findings, config: config).verdict.action == .allow)
        let later = PolicyEngine.decide(
            dependency: dependency, vulnerabilities: findings, risk: nil, failures: [], config: config,
            mode: .install, now: Self.now.addingTimeInterval(31 * 86400))
        #expect(later.verdict.action == .block)
    }

    @Test func aKnownMaliciousReleaseHasNoWayOut() {
        let findings = [VulnerabilityFinding(id: "MAL-2024-1234", summary: "Malicious code", isMalicious: true)]
        let glance = Self.glance(Dependency(name: "reqeusts", version: "1.0.0"), findings)
        #expect(glance.headline() == "BLOCKED reqeusts 1.0.0: known malicious (MAL-2024-1234)")
        #expect(
            glance.wayOut(now: Self.now)
                == "none: MAL-2024-1234 says reqeusts 1.0.0 is malicious; remove it (and whatever requires it)")
    }

    @Test func riskIsNamedOnceByItsCompositeAndTheWayOutIsAnAllowlistEntryForThisVersion() {
        let risk = RiskAssessment(
            factors: [
                RiskFactor(name: "package_age", score: 0.9, reason: "first upload 2 days ago"),
                RiskFactor(name: "maintainer_count", score: 0.7, reason: "one owner, no organization"),
            ], composite: 84.5)
        let glance = Self.glance(Dependency(name: "quietcharts", version: "2.0"), [], risk: risk)
        #expect(
            glance.headline()
                == "QUARANTINED quietcharts 2.0: risk 84.5/100 at or above the threshold 60: package_age 0.9, "
                + "maintainer_count 0.7")
        #expect(
            glance.wayOut(now: Self.now)
                == "to accept this version, add to [tool.alterks]: allowlist = [\"quietcharts==2.0\"]")
    }

    @Test func theBlocklistAndAnUnansweredSourceSayWhatTheyAre() throws {
        var config = Configuration.defaults
        config.blocklist = [
            PackageListEntry(
                raw: "django<3.2.25", name: "django", specifierText: "<3.2.25", specifier: try SpecifierSet("<3.2.25"))
        ]
        let blocked = Self.glance(Dependency(name: "Django", version: "3.2.0"), [], config: config)
        #expect(blocked.headline() == "BLOCKED Django 3.2.0: on the blocklist (django<3.2.25)")
        #expect(
            blocked.wayOut(now: Self.now)
                == "your blocklist refuses it (\"django<3.2.25\"); to accept it, remove that entry")
        let dependency = Dependency(name: "urllib3", version: "2.2.2")
        let decision = PolicyEngine.decide(
            dependency: dependency, vulnerabilities: [], risk: nil,
            failures: [SourceFailure(source: "osv", message: "timed out after 30 s")], config: .defaults,
            mode: .install, now: Self.now)
        let unanswered = VerdictGlance(dependency: dependency, verdict: decision.verdict, vulnerabilities: [])
        #expect(
            unanswered.headline()
                == "BLOCKED urllib3 2.2.2: osv could not answer (timed out after 30 s): not checked, "
                + "on_source_error = block")
        #expect(unanswered.wayOut(now: Self.now) == "try again once osv answers")
    }
}

/// A dependency that pip's resolution added (`direct == false`) is marked as such in every output format.
@Suite struct DependencyMarkingTests {
    @Test func everyFormatSaysWhichPackageIsADependency() throws {
        var report = ReportScenario.vulnerable.report
        let index = try #require(report.results.firstIndex { $0.dependency.name == "Django" })
        report.results[index].dependency.direct = false
        report.results[index].dependency.location = nil
        let options = ReportOptions(width: 100, color: false, baseDirectory: ReportScenario.base)
        let table = report.rendered(as: .table, options: options)
        #expect(table.contains("\nDjango*   4.2.0    BLOCK"), "\(table)")
        #expect(table.contains("\n* a dependency of what the files ask for (pip's resolution)\n"), "\(table)")
        #expect(table.contains("\nBLOCKED Django 4.2.0 (a dependency): 1 vulnerability"), "\(table)")
        #expect(!table.contains("requests*"))
        let markdown = report.rendered(as: .markdown, options: options)
        #expect(markdown.contains("| Django (dependency) | 4.2.0 |"), "\(markdown)")
        #expect(!markdown.contains("requests (dependency)"))
        let json = report.rendered(as: .json, options: options)
        #expect(json.contains("\"direct\": false") || json.contains("\"direct\":false"), "\(json)")
        let sarif = try JSONSerialization.jsonObject(with: Data(report.rendered(as: .sarif, options: options).utf8))
        let results = ((sarif as? [String: Any])?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]
        let properties = try #require(results?.compactMap { $0["properties"] as? [String: Any] })
        #expect(properties.contains { $0["package"] as? String == "django" && $0["direct"] as? Bool == false })
        #expect(!properties.contains { $0["package"] as? String != "django" && $0["direct"] != nil })
        let cyclonedx = report.rendered(as: .cyclonedx, options: options)
        #expect(cyclonedx.contains("\"alterks:direct\""), "\(cyclonedx)")
        #expect(cyclonedx.components(separatedBy: "\"alterks:direct\"").count == 2)
    }
}
