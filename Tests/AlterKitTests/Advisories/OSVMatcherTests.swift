import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

@testable import AlterKit

@Suite struct OSVMatcherTests {
    typealias R = OSVRecords

    /// A record, and versions that must (true) or must not (false) match it.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var record: OSVRecord
        var expectations: [(String, Bool)]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "introduced 0, fixed",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("fixed", "1.2")])]),
            expectations: [
                ("0.1.dev0", true), ("1.1", true), ("1.2rc1", true), ("1.2", false), ("1.2.0", false),
                ("1.2.post1", false), ("2.0", false), ("1.1+local.7", true),
            ]),
        Case(
            name: "introduced, fixed",
            record: R.record("A", ranges: [R.range([("introduced", "1.0"), ("fixed", "2.0")])]),
            expectations: [
                ("0.9", false), ("1.0rc1", false), ("1.0", true), ("1.0.0", true), ("1.9.9", true),
                ("2.0", false),
            ]),
        Case(
            name: "last_affected is inclusive",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("last_affected", "1.5")])]),
            expectations: [("1.4", true), ("1.5", true), ("1.5.0", true), ("1.5.post1", false), ("1.5.1", false)]),
        Case(
            name: "two ranges in one events list",
            record: R.record(
                "A",
                ranges: [
                    R.range([("introduced", "1.0"), ("fixed", "1.0.2"), ("introduced", "3.0"), ("fixed", "3.2.5")])
                ]),
            expectations: [("0.5", false), ("1.0.1", true), ("2.0", false), ("3.1", true), ("3.2.5", false)]),
        Case(
            name: "events out of order are sorted in PEP 440 order",
            record: R.record(
                "A",
                ranges: [
                    R.range([("introduced", "3.0"), ("fixed", "3.2.5"), ("introduced", "1.0"), ("fixed", "1.0.2")])
                ]),
            expectations: [("0.5", false), ("1.0.1", true), ("2.0", false), ("3.1", true), ("3.10", false)]),
        Case(
            name: "adjacent ranges keep the shared bound affected",
            record: R.record(
                "A",
                ranges: [
                    R.range([
                        ("introduced", "0"), ("fixed", "3.1.1"), ("introduced", "3.2.0"), ("fixed", "3.2.2"),
                        ("introduced", "3.1.1"), ("fixed", "3.1.3"),
                    ])
                ]),
            expectations: [
                ("3.1.0", true), ("3.1.1", true), ("3.1.2", true), ("3.1.3", false), ("3.2.1", true),
                ("3.2.2", false),
            ]),
        Case(
            name: "limit",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("limit", "2.0")])]),
            expectations: [("1.9", true), ("2.0", false), ("3.0", false)]),
        Case(
            name: "limit star is infinity",
            record: R.record("A", ranges: [R.range([("introduced", "1.0"), ("limit", "*")])]),
            expectations: [("0.9", false), ("1.0", true), ("99", true)]),
        Case(
            name: "several limits: before any of them",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("limit", "1.0"), ("limit", "3.0")])]),
            expectations: [("2.0", true), ("3.0", false)]),
        Case(
            name: "GIT ranges are not version ranges",
            record: R.record(
                "A", ranges: [R.range([("introduced", "0"), ("fixed", "4e7d0df9093")], type: "GIT")]),
            expectations: [("0.1", false), ("1.0", false), ("4e7d0df9093", false)]),
        Case(
            name: "SEMVER ranges are ignored for PyPI",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("fixed", "1.0")], type: "SEMVER")]),
            expectations: [("0.5", false)]),
        Case(
            name: "a GIT commit id as fixed keeps the versions list",
            record: R.record(
                "A", ranges: [R.range([("introduced", "0"), ("fixed", "cb35df940a")], type: "GIT")],
                versions: ["1.0", "1.1"]),
            expectations: [("1.0", true), ("1.0.0", true), ("1.1", true), ("1.2", false)]),
        Case(
            name: "an unparseable fixed leaves the range open (fails closed)",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("fixed", "2019-09-12")])]),
            expectations: [("0.1", true), ("1.4.4", true), ("2019.9.12", true), ("2019-09-12", false)]),
        Case(
            name: "an unparseable introduced counts as 0 (fails closed)",
            record: R.record("A", ranges: [R.range([("introduced", "n/a"), ("fixed", "2.0")])]),
            expectations: [("0.1", true), ("1.9", true), ("2.0", false)]),
        Case(
            name: "an unparseable limit counts as star (fails closed)",
            record: R.record("A", ranges: [R.range([("introduced", "0"), ("limit", "tip")])]),
            expectations: [("5.0", true)]),
        Case(
            name: "versions list: PEP 440 equality, string equality for non-PEP 440",
            record: R.record("A", versions: ["1.0", "0.3.2d", "2.0rc1"]),
            expectations: [
                ("1.0", true), ("1.0.0", true), ("1.0+local", false), ("0.3.2d", true),
                ("0.3.2D", false), ("2.0c1", true), ("2.0", false),
            ]),
        Case(
            name: "withdrawn never matches",
            record: R.record(
                "A", ranges: [R.range([("introduced", "0")])], versions: ["1.0"], withdrawn: true),
            expectations: [("1.0", false), ("2.0", false)]),
        Case(
            name: "another ecosystem's package of the same name",
            record: R.record("A", ecosystem: "npm", ranges: [R.range([("introduced", "0")])]),
            expectations: [("1.0", false)]),
        Case(
            name: "an unparseable scanned version matches only the versions list",
            record: R.record(
                "A", ranges: [R.range([("introduced", "0")])], versions: ["0.9-eevee"]),
            expectations: [("0.9-eevee", true), ("0.9-doduo", false), ("1.0", true)]),
    ]

    @Test(arguments: cases)
    func evaluatesAsTheSchemaSays(testCase: Case) {
        let matcher = OSVMatcher(records: [testCase.record])
        for (version, expected) in testCase.expectations {
            #expect(OSVMatcher.affects(testCase.record, name: "example", version: version) == expected, "\(version)")
            #expect(
                matcher.matchingRecords(name: "example", version: version).map(\.id) == (expected ? ["A"] : []),
                "\(version)")
        }
    }

    /// The interval form (used for constraints) agrees with the evaluation on every probe of every case.
    @Test(arguments: cases)
    func intervalsAgreeWithEvaluation(testCase: Case) {
        let set = OSVMatcher.affectedSet(testCase.record, name: "example")
        for (probe, _) in testCase.expectations {
            guard let version = try? Version(probe) else { continue }
            #expect(
                set.contains(version) == OSVMatcher.affects(testCase.record, name: "example", version: probe),
                "\(probe)")
        }
    }

    @Test(arguments: ["example", "Example", "EXAMPLE", "example_", "Example.", "ex-ample"])
    func namesArePEP503Normalised(spelling: String) {
        let record = R.record("A", package: "Ex_Ample", versions: ["1.0"])
        let expected = PackageName.normalize(spelling) == "ex-ample"
        #expect(OSVMatcher.affects(record, name: spelling, version: "1.0") == expected)
        #expect(OSVMatcher(records: [record]).matchingRecords(name: spelling, version: "1.0").isEmpty == !expected)
    }

    @Test func fixedVersionsAreRealVersionsOnly() {
        let record = R.record(
            "A",
            ranges: [
                R.range([("introduced", "0"), ("fixed", "1.2"), ("introduced", "2.0"), ("fixed", "2.0.3")]),
                R.range([("introduced", "0"), ("fixed", "0.2.0-n653")]),
                R.range([("introduced", "0"), ("fixed", "195caac172690456dcdc8cc7a6ca50e05abf8182")], type: "GIT"),
                R.range([("introduced", "3.0"), ("fixed", "1.2.0")]),
            ])
        #expect(OSVMatcher.fixedVersions(record, name: "example").map(\.description) == ["1.2", "2.0.3"])
    }
}
