import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

@testable import AlterKit

/// OSVMatcher over the whole shared OSV data against an independent expectation (Python's packaging and the OSV
/// schema's pseudocode): every pin drawn from every package's records — listed versions and every range event value,
/// including the GIT commit ids and the non-PEP 440 `fixed` values.
@Suite struct SharedDataMatchingTests {
    @Test func theExpectationCoversTheData() throws {
        let rows = try OSVTestData.expectedMatches
        #expect(try OSVTestData.bundled.count == 2_661)
        // 664 packages; one (binderhub) has no pin at all: no `versions`, and its only bounds are not versions.
        #expect(Set(rows.map(\.name)).count == 663)
        #expect(rows.count > 37_000)
        // The records whose GIT `fixed` is a commit id (or a patch name) are in, and still match by `versions`.
        for id in [
            "PYSEC-2017-27", "PYSEC-2019-155", "PYSEC-2021-424", "PYSEC-2021-425", "PYSEC-2021-436",
            "PYSEC-2023-80",
        ] {
            #expect(try OSVTestData.bundledRecords.contains { $0.id == id }, "\(id)")
            #expect(rows.contains { $0.ids.contains(id) }, "\(id) matches nothing")
        }
        #expect(rows.contains { $0.version == "4e7d0df9093" })
        // The seventh: an ECOSYSTEM range whose `fixed` is not a version ("0.2.0-n653"): open, fails closed.
        let binderhub = try OSVTestData.bundledRecords.first { $0.id == "PYSEC-2021-371" }!
        #expect(OSVMatcher.affects(binderhub, name: "binderhub", version: "0.2.0"))
        #expect(OSVMatcher.fixedVersions(binderhub, name: "binderhub").isEmpty)
    }

    @Test func everyPinMatchesExactlyTheExpectedRecords() throws {
        let matcher = OSVMatcher(records: try OSVTestData.bundledRecords)
        var mismatches: [String] = []
        for row in try OSVTestData.expectedMatches {
            let got = matcher.matchingRecords(name: row.name, version: row.version).map(\.id)
            if got != row.ids { mismatches.append("\(row.name) \(row.version): got \(got), expected \(row.ids)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test func theIntervalFormAgreesOnEveryPin() throws {
        let byName = Dictionary(grouping: try OSVTestData.bundledRecords.filter { !$0.isWithdrawn }) { record in
            PackageName.normalize(record.affected.first?.package.name ?? "")
        }
        let sets = byName.mapValues { records in
            records.map {
                (id: $0.id, set: OSVMatcher.affectedSet($0, name: PackageName.normalize($0.affected[0].package.name)))
            }
        }
        var disagreements = 0
        for row in try OSVTestData.expectedMatches {
            guard let version = try? Version(row.version) else { continue }
            for (id, set) in sets[row.name] ?? [] where set.contains(version) != row.ids.contains(id) {
                disagreements += 1
            }
        }
        #expect(disagreements == 0)
    }

    @Test func withdrawnRecordsNeverMatch() throws {
        let withdrawn = Set(try OSVTestData.bundledRecords.filter(\.isWithdrawn).map(\.id))
        #expect(withdrawn.count == 10)
        #expect(try !OSVTestData.expectedMatches.contains { !withdrawn.isDisjoint(with: $0.ids) })
    }

    /// Fix versions are real PEP 440 versions from ECOSYSTEM `fixed` events: the commit-id records give none from
    /// their GIT ranges, and every `nearestFix` is above the scanned version.
    @Test func fixVersionsAreRealVersionsAndTheNearestIsAbove() throws {
        let matcher = OSVMatcher(records: try OSVTestData.bundledRecords)
        let builder = FindingBuilder()
        for row in try OSVTestData.expectedMatches.filter({ !$0.ids.isEmpty }).prefix(5_000) {
            let findings = builder.findings(
                for: matcher.matchingRecords(name: row.name, version: row.version), package: row.name,
                version: row.version)
            for finding in findings {
                let fixes = try finding.fixedVersions.map { try Version($0) }
                #expect(fixes == fixes.sorted())
                if let nearest = finding.nearestFix {
                    #expect(try Version(nearest) > Version(row.version))
                }
            }
        }
    }

    @Test func everyCVSSVectorOfTheDataIsScored() throws {
        let selector = SeveritySelector()
        var unscored: [String] = []
        for record in try OSVTestData.bundledRecords where !record.severity.isEmpty {
            let name = record.affected[0].package.name
            if selector.assess(record, package: name)?.score == nil { unscored.append(record.id) }
        }
        #expect(unscored.isEmpty, "\(unscored)")
    }
}
