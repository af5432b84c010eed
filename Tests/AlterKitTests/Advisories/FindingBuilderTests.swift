import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct FindingBuilderTests {
    typealias R = OSVRecords
    static let open = [R.range([("introduced", "0"), ("fixed", "1.2")])]

    /// A scorer that knows two vectors, so severity selection is tested without the real CVSS code.
    static let scorer = CVSSScorer { vector in
        switch vector {
        case "CVSS:4.0/AV:N": (9.3, .critical)
        case "CVSS:3.1/AV:N": (7.5, .high)
        case "CVSS:3.0/AV:N": (5.3, .medium)
        case "AV:N/AC:L": (2.1, .low)
        default: nil
        }
    }
    static let builder = FindingBuilder(severity: SeveritySelector(cvss: scorer))

    @Test func aliasesMergeIntoOneFindingListingEveryID() {
        let records = [
            R.record("GHSA-xxxx-yyyy-zzzz", ranges: Self.open, aliases: ["CVE-2024-1", "PYSEC-2024-9"]),
            R.record("PYSEC-2024-9", ranges: Self.open, aliases: ["CVE-2024-1"]),
            R.record("PYSEC-2024-10", ranges: Self.open),
        ]
        let findings = Self.builder.findings(for: records, package: "example", version: "1.0")
        #expect(findings.map(\.id) == ["PYSEC-2024-10", "PYSEC-2024-9"])
        #expect(findings[1].aliases == ["CVE-2024-1", "GHSA-xxxx-yyyy-zzzz"])
        #expect(findings[0].aliases.isEmpty)
    }

    @Test func aliasesAreTransitive() {
        // A—CVE-1—B and B—C: one vulnerability, though A and C never name each other.
        let records = [
            R.record("GHSA-a", ranges: Self.open, aliases: ["CVE-1"]),
            R.record("PYSEC-b", ranges: Self.open, aliases: ["CVE-1", "GHSA-c"]),
            R.record("GHSA-c", ranges: Self.open),
        ]
        let findings = Self.builder.findings(for: records.reversed(), package: "example", version: "1.0")
        #expect(findings.count == 1)
        #expect(findings.first?.id == "PYSEC-b")
        #expect(findings.first?.allIDs.sorted() == ["CVE-1", "GHSA-a", "GHSA-c", "PYSEC-b"])
    }

    @Test func relatedIsNotAnAlias() {
        var a = R.record("PYSEC-1", ranges: Self.open)
        a.related = ["PYSEC-2"]
        let findings = Self.builder.findings(
            for: [a, R.record("PYSEC-2", ranges: Self.open)], package: "example", version: "1.0")
        #expect(findings.count == 2)
    }

    @Test func theOrderOfRecordsDoesNotMatter() {
        let records = [
            R.record("GHSA-a", ranges: Self.open, aliases: ["CVE-1"], label: "HIGH"),
            R.record("PYSEC-b", ranges: [R.range([("introduced", "0"), ("fixed", "1.5")])], aliases: ["CVE-1"]),
            R.record("MAL-2024-1", ranges: Self.open),
        ]
        let one = Self.builder.findings(for: records, package: "example", version: "1.0")
        let other = Self.builder.findings(for: records.reversed(), package: "example", version: "1.0")
        #expect(one == other)
    }

    @Test func aRecordWithoutSeverityTakesItsAliasesSeverity() {
        let records = [
            R.record("PYSEC-2024-1", ranges: Self.open, aliases: ["GHSA-q"]),
            R.record("GHSA-q", ranges: Self.open, aliases: ["PYSEC-2024-1"], label: "MODERATE"),
        ]
        let finding = Self.builder.findings(for: records, package: "example", version: "1.0").first
        #expect(finding?.id == "PYSEC-2024-1")
        #expect(finding?.severity == .medium)
    }

    @Test func thePrimaryRecordsOwnSeverityWins() {
        let records = [
            R.record(
                "PYSEC-2024-1", ranges: Self.open, aliases: ["GHSA-q"],
                severity: [OSVSeverity(type: "CVSS_V3", score: "CVSS:3.0/AV:N")]),
            R.record("GHSA-q", ranges: Self.open, label: "CRITICAL"),
        ]
        let finding = Self.builder.findings(for: records, package: "example", version: "1.0").first
        #expect(finding?.severity == .medium)
        #expect(finding?.score == 5.3)
        #expect(finding?.vector == "CVSS:3.0/AV:N")
    }

    @Test func noSeverityAnywhereIsUnknown() {
        let finding = Self.builder.findings(
            for: [R.record("PYSEC-1", ranges: Self.open, aliases: ["CVE-1"])], package: "example", version: "1.0"
        ).first
        #expect(finding?.severity == .unknown)
        #expect(finding?.score == nil)
    }

    @Test func malRecordsAreMalicious() {
        let findings = Self.builder.findings(
            for: [
                R.record("MAL-2024-7", ranges: [R.range([("introduced", "0")])], label: "LOW"),
                R.record("PYSEC-1", ranges: Self.open),
            ], package: "example", version: "1.0")
        #expect(findings.map(\.isMalicious) == [true, false])
    }

    @Test func fixesAreMergedSortedAndTheNearestIsAboveTheScannedVersion() {
        let records = [
            R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "1.2")])], aliases: ["GHSA-1"]),
            R.record(
                "GHSA-1",
                ranges: [
                    R.range([("introduced", "0"), ("fixed", "1.2.0"), ("introduced", "2.0"), ("fixed", "2.1")]),
                    R.range([("introduced", "0"), ("fixed", "0123abcd")], type: "GIT"),
                ]),
        ]
        let low = Self.builder.findings(for: records, package: "example", version: "1.0").first
        #expect(low?.fixedVersions == ["1.2", "2.1"])
        #expect(low?.nearestFix == "1.2")
        let high = Self.builder.findings(for: records, package: "example", version: "2.0.5").first
        #expect(high?.nearestFix == "2.1")
        let unparseable = Self.builder.findings(for: records, package: "example", version: "x-y").first
        #expect(unparseable?.nearestFix == nil)
    }

    @Test func withdrawnRecordsAreSkipped() {
        let findings = Self.builder.findings(
            for: [R.record("PYSEC-1", ranges: Self.open, withdrawn: true)], package: "example", version: "1.0")
        #expect(findings.isEmpty)
    }

    @Test func summaryFallsBackToTheFirstLineOfDetails() {
        var record = R.record("PYSEC-1", ranges: Self.open)
        record.details = "\n  First line.  \nSecond line."
        let finding = Self.builder.findings(for: [record], package: "example", version: "1.0").first
        #expect(finding?.summary == "First line.")
        #expect(finding?.references == ["https://example.org/PYSEC-1"])
        #expect(finding?.published == OSVTimestamp.parse("2024-01-01T00:00:00Z"))
    }
}

@Suite struct SeveritySelectorTests {
    typealias R = OSVRecords
    let selector = SeveritySelector(cvss: FindingBuilderTests.scorer)

    @Test func prefersTheMostRecentCVSSVersion() {
        let record = R.record(
            "A",
            severity: [
                OSVSeverity(type: "CVSS_V2", score: "AV:N/AC:L"),
                OSVSeverity(type: "CVSS_V3", score: "CVSS:3.0/AV:N"),
                OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:N"),
                OSVSeverity(type: "CVSS_V4", score: "CVSS:4.0/AV:N"),
            ])
        #expect(
            selector.assess(record, package: "example")
                == SeverityAssessment(
                    severity: .critical, score: 9.3, vector: "CVSS:4.0/AV:N"))
        var noV4 = record
        noV4.severity.removeLast()
        #expect(selector.assess(noV4, package: "example")?.vector == "CVSS:3.1/AV:N")
        noV4.severity.removeLast()
        #expect(selector.assess(noV4, package: "example")?.vector == "CVSS:3.0/AV:N")
        noV4.severity.removeLast()
        #expect(selector.assess(noV4, package: "example")?.severity == .low)
    }

    @Test func anInvalidVectorFallsThroughToTheNextEvidence() {
        let record = R.record(
            "A", severity: [OSVSeverity(type: "CVSS_V4", score: "CVSS:4.0/garbage")], label: "HIGH")
        #expect(selector.assess(record, package: "example") == SeverityAssessment(severity: .high))
    }

    @Test(arguments: [("9.8", Severity.critical), ("7.0", .high), ("6.9", .medium), ("0.1", .low), ("0.0", .low)])
    func numericScoresUseTheQualitativeScale(score: String, expected: Severity) {
        let record = R.record("A", severity: [OSVSeverity(type: "CVSS_V3", score: score)])
        #expect(selector.assess(record, package: "example")?.severity == expected)
        #expect(selector.assess(record, package: "example")?.score == Double(score))
    }

    @Test(arguments: [
        ("LOW", Severity.low), ("MODERATE", .medium), ("moderate", .medium), ("HIGH", .high), ("CRITICAL", .critical),
    ])
    func ghsaLabels(label: String, expected: Severity) {
        #expect(selector.assess(R.record("A", label: label), package: "example")?.severity == expected)
    }

    @Test func unknownLabelsAndNoEvidenceGiveNothing() {
        #expect(selector.assess(R.record("A", label: "SEVERE-ISH"), package: "example") == nil)
        #expect(selector.assess(R.record("A"), package: "example") == nil)
    }

    @Test func perPackageSeverityCountsForThatPackageOnly() {
        var record = R.record("A", package: "one")
        record.affected.append(
            OSVAffected(
                package: OSVPackage(ecosystem: "PyPI", name: "two"),
                severity: [OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:N")]))
        #expect(selector.assess(record, package: "one") == nil)
        #expect(selector.assess(record, package: "two")?.severity == .high)
    }
}
