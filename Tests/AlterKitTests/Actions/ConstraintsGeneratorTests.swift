import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

@testable import AlterKit

@Suite struct ConstraintsGeneratorTests {
    typealias R = OSVRecords

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var records: [OSVRecord]
        var blocking: Set<String>
        var expected: String?
        var known: [String] = []
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "everything below the fix",
            records: [R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "3.2.25")])])],
            blocking: ["PYSEC-1"], expected: ">=3.2.25"),
        Case(
            name: "several records: the highest contiguous fix from the bottom",
            records: [
                R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "1.2")])]),
                R.record("PYSEC-2", ranges: [R.range([("introduced", "1.1"), ("fixed", "1.4")])]),
            ],
            blocking: ["PYSEC-1", "PYSEC-2"], expected: ">=1.4"),
        Case(
            name: "islands on other branches become !=",
            records: [
                R.record(
                    "PYSEC-1",
                    ranges: [
                        R.range([("introduced", "0"), ("fixed", "1.2"), ("introduced", "2.0"), ("fixed", "2.0.2")])
                    ], versions: ["1.0", "1.1", "2.0", "2.0.1"])
            ],
            blocking: ["PYSEC-1"], expected: ">=1.2,!=2.0,!=2.0.1"),
        Case(
            name: "no fix: everything from the introduction up",
            records: [R.record("PYSEC-1", ranges: [R.range([("introduced", "1.0")])], versions: ["1.0", "1.1"])],
            blocking: ["PYSEC-1"], expected: "<1.0"),
        Case(
            name: "no fix, plus an older range: both ends",
            records: [
                R.record(
                    "PYSEC-1",
                    ranges: [R.range([("introduced", "0"), ("fixed", "0.5"), ("introduced", "2.0")])],
                    versions: ["0.4", "2.0", "2.1"])
            ],
            blocking: ["PYSEC-1"], expected: ">=0.5,<2.0"),
        Case(
            name: "every version (a malicious package)",
            records: [R.record("MAL-2024-1", ranges: [R.range([("introduced", "0")])])],
            blocking: ["MAL-2024-1"], expected: "<0"),
        Case(
            name: "last_affected with nothing above",
            records: [R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("last_affected", "1.5")])])],
            blocking: ["PYSEC-1"], expected: ">1.5"),
        Case(
            name: "listed versions only: older unlisted ones may be safe",
            records: [R.record("PYSEC-1", versions: ["1.0", "1.1"])],
            blocking: ["PYSEC-1"], expected: "!=1.0,!=1.1"),
        Case(
            name: "known releases from the caller name the versions inside a middle range",
            records: [R.record("PYSEC-1", ranges: [R.range([("introduced", "2.0"), ("fixed", "2.2")])])],
            blocking: ["PYSEC-1"], expected: "!=2.0,!=2.1", known: ["1.0", "2.0", "2.1", "2.2", "3.0"]),
        Case(
            name: "a blocking alias id selects the record",
            records: [
                R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "1.0")])], aliases: ["CVE-1"])
            ],
            blocking: ["CVE-1"], expected: ">=1.0"),
        Case(
            name: "non-blocking records give no line",
            records: [R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "1.0")])])],
            blocking: ["PYSEC-9"], expected: nil),
        Case(
            name: "withdrawn records give no line",
            records: [
                R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "1.0")])], withdrawn: true)
            ],
            blocking: ["PYSEC-1"], expected: nil),
        Case(
            name: "non-blocking records still contribute known versions",
            records: [
                R.record("PYSEC-1", ranges: [R.range([("introduced", "1.5"), ("fixed", "1.7")])]),
                R.record("PYSEC-2", versions: ["1.5", "1.6", "1.6.1", "1.8"]),
            ],
            blocking: ["PYSEC-1"], expected: "!=1.5,!=1.6,!=1.6.1"),
    ]

    @Test(arguments: cases)
    func tightestCorrectSpecifier(testCase: Case) throws {
        let line = ConstraintsGenerator.constraint(
            for: "Example", records: testCase.records, blocking: testCase.blocking, knownVersions: testCase.known)
        #expect(line?.specifier == testCase.expected)
        guard let line else { return }
        #expect(line.name == "example")
        // It parses, and excludes every affected version the records know.
        let specifier = try SpecifierSet(line.specifier)
        for record in testCase.records where !testCase.blocking.isDisjoint(with: record.allIDs) {
            for version in Self.probes(testCase) where OSVMatcher.affects(record, name: "example", version: version) {
                #expect(!specifier.contains(version, prereleases: true), "\(version) satisfies \(line.specifier)")
            }
        }
    }

    static func probes(_ testCase: Case) -> [String] {
        let fromRecords = testCase.records.flatMap { record in
            record.affected.flatMap { $0.versions + $0.ranges.flatMap { $0.events.map(\.version) } }
        }
        return fromRecords + testCase.known
    }

    /// Bounds exclude every version on their side, known or not; only `!=` islands are limited to known versions.
    @Test func boundsHoldForUnlistedVersionsToo() throws {
        let records = [
            R.record("PYSEC-1", ranges: [R.range([("introduced", "0"), ("fixed", "0.5"), ("introduced", "2.0")])])
        ]
        let line = try #require(
            ConstraintsGenerator.constraint(for: "example", records: records, blocking: ["PYSEC-1"]))
        let specifier = try SpecifierSet(line.specifier)
        for version in ["0", "0.0.1", "0.4.9.post3", "0.5rc1", "2.0", "2.0.1", "9!1.0", "2.0.post1"] {
            #expect(OSVMatcher.affects(records[0], name: "example", version: version), "\(version)")
            #expect(!specifier.contains(version, prereleases: true), "\(version)")
        }
        for version in ["0.5", "1.0", "1.9.9"] { #expect(specifier.contains(version, prereleases: true)) }
    }

    @Test func linesAreCommentedWithTheIDsAndRenderedForPip() throws {
        let lines = ConstraintsGenerator.generate(
            [
                "Django": [
                    R.record(
                        "PYSEC-2", package: "django", ranges: [R.range([("introduced", "0"), ("fixed", "3.2.25")])]),
                    R.record(
                        "GHSA-1", package: "django", ranges: [R.range([("introduced", "0"), ("fixed", "3.2.20")])]),
                ],
                "clean-pkg": [R.record("PYSEC-3", package: "clean-pkg", versions: ["1.0"])],
                "pkg-odd": [R.record("PYSEC-4", package: "pkg-odd", versions: ["0.9-eevee"])],
            ], blocking: ["PYSEC-2", "GHSA-1", "PYSEC-4"])
        let text = ConstraintsGenerator.render(lines, header: ["generated by alterks"])
        #expect(
            text == """
                # generated by alterks
                django>=3.2.25  # GHSA-1, PYSEC-2
                # pkg-odd: PYSEC-4; not expressible (not PEP 440): 0.9-eevee

                """)
    }
}

extension OSVRecord {
    fileprivate var allIDs: [String] { [id] + aliases }
}

/// Over the whole shared OSV data, every record blocking: every line parses as a specifier set, and no version that
/// any record marks affected (every pin of the independent expectation) satisfies its package's line.
@Suite struct SharedDataConstraintsTests {
    @Test func noAffectedVersionSatisfiesItsConstraint() throws {
        let records = try OSVTestData.bundledRecords
        let byName = Dictionary(grouping: records) { PackageName.normalize($0.affected[0].package.name) }
        let blocking = Set(records.map(\.id))
        let lines = ConstraintsGenerator.generate(byName, blocking: blocking)
        #expect(lines.count >= 660)
        var specifiers: [String: SpecifierSet] = [:]
        for line in lines where !line.specifier.isEmpty {
            specifiers[line.name] = try SpecifierSet(line.specifier)
            #expect(line.text.hasPrefix(line.name + line.specifier + "  # "))
        }
        var leaks: [String] = []
        var checked = 0
        for row in try OSVTestData.expectedMatches where !row.ids.isEmpty {
            guard (try? Version(row.version)) != nil else { continue }
            checked += 1
            let specifier = try #require(specifiers[row.name], "no line for \(row.name)")
            if specifier.contains(row.version, prereleases: true) {
                leaks.append("\(row.name) \(row.version) satisfies \(specifier)")
            }
        }
        #expect(checked > 30_000)
        #expect(leaks.isEmpty, "\(leaks.count) affected versions allowed, first: \(leaks.prefix(5))")
    }

    @Test func theTightestFormsAppearInRealData() throws {
        let records = try OSVTestData.bundledRecords
        let byName = Dictionary(grouping: records) { PackageName.normalize($0.affected[0].package.name) }
        let lines = ConstraintsGenerator.generate(byName, blocking: Set(records.map(\.id)))
        // Floors, islands and open-ended ranges all occur; no line is empty where PEP 440 versions are affected.
        #expect(lines.contains { $0.specifier.hasPrefix(">=") && !$0.specifier.contains("!=") })
        #expect(lines.contains { $0.specifier.hasPrefix(">=") && $0.specifier.contains("!=") })
        #expect(lines.contains { $0.specifier.contains("<") })
        let django = try #require(lines.first { $0.name == "django" })
        #expect(django.specifier.hasPrefix(">="), "\(django.specifier)")
    }
}
