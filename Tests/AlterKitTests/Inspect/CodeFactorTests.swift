import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

/// The code factor, and what the policy makes of it: a critical finding quarantines on its own at install.
@Suite struct CodeFactorTests {
    @Test(arguments: [(Severity.critical, 1.0), (.high, 0.8), (.medium, 0.4), (.low, 0.1)])
    func scorePerSeverity(severity: Severity, score: Double) {
        let inspection = ArtifactInspection(
            artifact: "x.whl", format: .wheel,
            findings: [
                InspectionFinding(kind: .network, severity: severity, file: "setup.py", line: 3, evidence: "urlopen(u)")
            ])
        let factor = CodeFactor.factor(inspection)
        #expect(factor.name == "code")
        #expect(factor.score == score)
        #expect(factor.reason.contains("setup.py:3"))
        #expect(CodeFactor.isCritical(inspection) == (severity == .critical))
    }

    @Test func cleanAndUnavailable() {
        #expect(CodeFactor.factor(ArtifactInspection(artifact: "x.whl", format: .wheel, fileCount: 3)).score == 0)
        let unknown = CodeFactor.unavailable("HTTP 503")
        #expect(unknown.score == nil)
        #expect(unknown.reason.contains("HTTP 503"))
    }

    @Test func perfectMetadataWithAPthPayloadIsQuarantinedAtInstall() throws {
        // Every other factor is reassuring; the artifact alone gives it away.
        let wheel = ArtifactReaderTests.maliciousWheel()
        let inspection = try ArtifactReader.inspect(data: wheel.wheelData(), name: wheel.wheelFileName)
        let factors = [
            RiskFactor(name: "typosquatting", score: 0, reason: "the real project"),
            RiskFactor(name: "package_age", score: 0, reason: "14 years old"),
            RiskFactor(name: "maintainer_count", score: 0, reason: "an organization"),
            CodeFactor.factor(inspection),
        ]
        let risk = RiskAssessment(factors: factors, composite: 25)
        let decision = PolicyEngine.decide(
            dependency: Dependency(name: "requests", version: "2.99.0"), vulnerabilities: [], risk: risk, failures: [],
            config: .defaults, mode: .install, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(decision.verdict.action == .quarantine)
        #expect(decision.verdict.reasons.contains { $0.kind == .code })
        // The benign twin stays allowed.
        var twin = ArtifactBuilder(name: "requests", version: "2.99.0")
        twin.add("requests/__init__.py", "from .api import get\n")
        let clean = try ArtifactReader.inspect(data: twin.wheelData(), name: twin.wheelFileName)
        let cleanRisk = RiskAssessment(factors: Array(factors.dropLast()) + [CodeFactor.factor(clean)], composite: 0)
        let allowed = PolicyEngine.decide(
            dependency: Dependency(name: "requests", version: "2.99.0"), vulnerabilities: [], risk: cleanRisk,
            failures: [], config: .defaults, mode: .install, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(allowed.verdict.action == .allow)
    }

    /// A critical code finding is QUARANTINE in a scan too (where `risk_action` is ALERT by default); a stricter
    /// `risk_action` still wins, and lower severities follow `risk_action` as before.
    @Test func criticalCodeIsQuarantineInAScanAndAStricterActionWins() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func decide(_ score: Double, _ config: Configuration = .defaults) -> Action {
            let risk = RiskAssessment(
                factors: [RiskFactor(name: "code", score: score, reason: "critical: pth-code at x.pth")], composite: 30)
            return PolicyEngine.decide(
                dependency: Dependency(name: "x", version: "1.0"), vulnerabilities: [], risk: risk, failures: [],
                config: config, mode: .scan, now: now
            ).verdict.action
        }
        #expect(decide(1.0) == .quarantine)
        // High findings never pass silently either; medium ones are listed without changing the action.
        #expect(decide(0.8) == .quarantine)
        #expect(decide(0.4) == .allow)
        var strict = Configuration.defaults
        strict.signalActions[.code] = .block
        #expect(decide(1.0, strict) == .block)
    }
}
