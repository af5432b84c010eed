import Foundation

@testable import AlterKit

/// The four report scenarios every format is snapshotted in: clean, vulnerable, risky, source failure.
enum ReportScenario: String, CaseIterable, Sendable {
    case clean, vulnerable, risky, sourceFailure = "source-failure"

    static let generatedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T09:46:40Z
    static let dataDate = Date(timeIntervalSince1970: 1_728_518_400)  // 2024-10-10
    static let base = "/work/project"

    var report: ScanReport {
        let config = Configuration.defaults
        let sources = [
            SourceInfo(name: "osv", location: "https://api.osv.dev", dataDate: Self.dataDate)
        ]
        func result(
            _ name: String, _ version: String?, line: Int, specifier: String = "",
            vulnerabilities: [VulnerabilityFinding] = [], risk: RiskAssessment? = nil, failures: [SourceFailure] = []
        ) -> PackageResult {
            let dependency = Dependency(
                name: name, version: version,
                specifier: specifier.isEmpty ? version.map { "==\($0)" } ?? "" : specifier,
                location: SourceLocation(file: Self.base + "/requirements.txt", line: line), direct: true)
            let decision = PolicyEngine.decide(
                dependency: dependency, vulnerabilities: vulnerabilities, risk: risk, failures: failures,
                config: config, mode: .scan, now: Self.generatedAt)
            return PackageResult(
                dependency: dependency, vulnerabilities: vulnerabilities, risk: risk, verdict: decision.verdict,
                failures: failures)
        }
        let cleanRisk = RiskAssessment(
            factors: [
                RiskFactor(name: "typosquatting", score: 0, reason: "not similar to a popular project"),
                RiskFactor(name: "package_age", score: 0.05, reason: "first upload 14 years ago"),
            ], composite: 2.3)
        switch self {
        case .clean:
            return ScanReport(
                toolVersion: "0.1.0", generatedAt: Self.generatedAt, targets: [Self.base + "/requirements.txt"],
                sources: sources,
                results: [
                    result("requests", "2.32.3", line: 1, risk: cleanRisk),
                    result("Jinja2", "3.1.4", line: 2, risk: cleanRisk),
                ])
        case .vulnerable:
            let django = VulnerabilityFinding(
                id: "PYSEC-2024-56", aliases: ["CVE-2024-38875", "GHSA-qg2p-9jwr-mmqf"],
                summary: "Django urlize() and urlizetrunc() are subject to a denial of service | via brackets",
                severity: .high, score: 7.5, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                fixedVersions: ["4.2.14", "5.0.7"], nearestFix: "4.2.14",
                published: Date(timeIntervalSince1970: 1_720_000_000),
                modified: Date(timeIntervalSince1970: 1_721_000_000),
                references: ["https://www.djangoproject.com/weblog/2024/jul/09/security-releases/"])
            let djangoLow = VulnerabilityFinding(
                id: "GHSA-xxxx-low", summary: "A low one", severity: .low, fixedVersions: ["4.2.15"],
                nearestFix: "4.2.15")
            let malicious = VulnerabilityFinding(
                id: "MAL-2024-1234", summary: "Malicious code in reqeusts (PyPI)", severity: .unknown, isMalicious: true
            )
            return ScanReport(
                toolVersion: "0.1.0", generatedAt: Self.generatedAt, targets: [Self.base + "/requirements.txt"],
                sources: sources,
                results: [
                    result("Django", "4.2.0", line: 3, vulnerabilities: [django, djangoLow]),
                    result("reqeusts", "1.0.0", line: 5, vulnerabilities: [malicious]),
                    result("requests", "2.32.3", line: 1, risk: cleanRisk),
                ],
                skipped: [
                    SkippedDependency(
                        dependency: Dependency(
                            name: "flask", specifier: ">=2",
                            location: SourceLocation(file: Self.base + "/requirements.txt", line: 7)),
                        reason: "not pinned: no exact version to check")
                ])
        case .risky:
            let squat = RiskAssessment(
                factors: [
                    RiskFactor(name: "typosquatting", score: 0.95, reason: "one edit from \"requests\" (rank 4), swap"),
                    RiskFactor(name: "package_age", score: 0.9, reason: "first upload 2 days ago"),
                    RiskFactor(name: "maintainer_count", score: 0.7, reason: "one owner, no organization"),
                    RiskFactor(name: "provenance", score: nil, reason: "integrity API unavailable"),
                ], composite: 84.5)
            return ScanReport(
                toolVersion: "0.1.0", generatedAt: Self.generatedAt, targets: [Self.base + "/requirements.txt"],
                sources: sources + [SourceInfo(name: "pypi-metadata", location: "https://pypi.org")],
                results: [
                    result("reqeusts", "2.32.3", line: 2, risk: squat),
                    result("requests", "2.32.3", line: 1, risk: cleanRisk),
                ])
        case .sourceFailure:
            return ScanReport(
                toolVersion: "0.1.0", generatedAt: Self.generatedAt, targets: [Self.base + "/requirements.txt"],
                sources: [
                    SourceInfo(
                        name: "osv", location: "https://api.osv.dev",
                        note: "unreachable after 4 attempts; no offline database to fall back on")
                ],
                results: [
                    result(
                        "requests", "2.32.3", line: 1,
                        failures: [SourceFailure(source: "osv", message: "timed out after 30 s")]),
                    result(
                        "urllib3", "2.2.2", line: 2,
                        failures: [SourceFailure(source: "osv", message: "timed out after 30 s")]),
                ])
        }
    }
}
