import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct OSVRecordTests {
    static func fixture(_ name: String) throws -> (Data, String) {
        let url = TestPaths.fixture("advisories/\(name)")
        return (try Data(contentsOf: url), url.lastPathComponent)
    }

    @Test func decodesEveryKnownFieldAndIgnoresUnknownOnes() throws {
        let (data, origin) = try Self.fixture("unknown-fields.json")
        let record = try OSVRecord.decode(data, origin: origin)
        #expect(record.id == "PYSEC-2099-1")
        #expect(record.modified == "2024-10-10T12:00:00.123456Z")
        #expect(record.aliases == ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"])
        #expect(record.databaseSpecific?["severity"]?.stringValue == "MODERATE")
        #expect(record.affected.count == 1)
        let entry = record.affected[0]
        #expect(entry.package == OSVPackage(ecosystem: "PyPI", name: "Example_Pkg", purl: "pkg:pypi/example-pkg"))
        #expect(entry.versions == ["1.0", "1.1"])
        #expect(entry.ranges.map(\.type) == ["ECOSYSTEM", "GIT"])
        #expect(entry.ranges[0].events == [OSVEvent(.introduced, "0"), OSVEvent(.fixed, "1.2")])
        #expect(entry.ranges[1].repo == "https://example.org/repo")
        #expect(record.references == [OSVReference(type: "WEB", url: "https://example.org/advisory")])
        #expect(!record.isWithdrawn)
        #expect(!record.isMalicious)
    }

    @Test func roundTripsThroughJSON() throws {
        let (data, origin) = try Self.fixture("unknown-fields.json")
        let record = try OSVRecord.decode(data, origin: origin)
        let again = try OSVRecord.decode(try JSONEncoder().encode(record), origin: "re-encoded")
        #expect(again == record)
    }

    @Test func anEventOfAnUnknownKindIsIgnored() throws {
        let (data, origin) = try Self.fixture("future-event-kind.json")
        let record = try OSVRecord.decode(data, origin: origin)
        #expect(record.affected[0].ranges[0].events == [OSVEvent(.introduced, "0"), OSVEvent(.fixed, "1.0")])
    }

    @Test(arguments: [
        ("wrong-type-aliases.json", "PYSEC-2099-2", "aliases"),
        ("two-kinds-in-one-event.json", "PYSEC-2099-3", "introduced and fixed"),
        ("missing-modified.json", "PYSEC-2099-4", "modified"),
        ("version-not-a-string.json", "PYSEC-2099-7", "versions"),
    ])
    func malformedRecordsNameTheFileAndTheRecord(file: String, id: String, mentions: String) throws {
        let (data, origin) = try Self.fixture(file)
        let error = #expect(throws: AdvisoryError.self) { try OSVRecord.decode(data, origin: origin) }
        guard case .malformedRecord(let gotOrigin, let gotID, _) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(gotOrigin == file)
        #expect(gotID == id)
        let line = error?.description ?? ""
        #expect(line.contains(file) && line.contains(id) && line.contains(mentions), "\(line)")
        #expect(error?.exitStatus == .usage)
    }

    @Test func notJSONAtAllSaysSo() throws {
        let (data, origin) = try Self.fixture("truncated.json")
        let error = #expect(throws: AdvisoryError.self) { try OSVRecord.decode(data, origin: origin) }
        #expect(error?.description.hasPrefix("truncated.json: ") == true)
    }

    @Test(arguments: [
        ("2024-10-10T00:00:00Z", 1_728_518_400.0),
        ("2024-10-10T12:34:56.5Z", 1_728_563_696.5),
        ("2024-10-10T12:34:56.123456Z", 1_728_563_696.123456),
        ("2024-10-10T14:34:56+02:00", 1_728_563_696.0),
        ("1999-12-31T23:59:59Z", 946_684_799.0),
        ("2000-02-29T00:00:00Z", 951_782_400.0),
    ])
    func parsesRFC3339Timestamps(text: String, expected: Double) {
        let parsed = OSVTimestamp.parse(text)?.timeIntervalSince1970
        #expect(parsed.map { abs($0 - expected) < 0.000_01 } == true, "\(text) → \(String(describing: parsed))")
    }

    @Test(arguments: ["", "2024-10-10", "2024-13-01T00:00:00Z", "2024-10-10T00:00:00", "2024-10-10T00:00:00Zjunk"])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(OSVTimestamp.parse(text) == nil)
    }
}
