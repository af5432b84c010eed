import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct OfflineDatabaseTests {
    typealias R = OSVRecords
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))

    static func json(_ record: OSVRecord) throws -> Data { try JSONEncoder().encode(record) }

    static func open(_ dir: URL) throws -> OfflineDatabase {
        try OfflineDatabase(
            path: dir.appendingPathComponent(OfflineDatabase.fileName).path, clock: clock,
            diagnostics: NullDiagnostics())
    }

    static let first: [(origin: String, data: Data)] = try! [
        ("PYSEC-1.json", json(R.record("PYSEC-1", package: "Alpha_Pkg", versions: ["1.0"]))),
        (
            "PYSEC-2.json",
            json(R.record("PYSEC-2", package: "beta", versions: ["2.0"], modified: "2024-10-11T00:00:00Z"))
        ),
        ("NPM-1.json", json(R.record("NPM-1", package: "alpha-pkg", ecosystem: "npm", versions: ["1.0"]))),
        ("broken.json", Data("{\"id\": \"PYSEC-3\", \"modified\": 7}".utf8)),
        ("not-json.json", Data("garbage".utf8)),
    ]

    @Test func importsIndexesAndReportsStatus() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try Self.open(dir)
        #expect(try database.status() == nil)

        let summary = try database.importRecords(Self.first, source: "test input")
        #expect(summary.imported == 2)
        #expect(summary.otherEcosystems == 1)
        #expect(summary.malformed.count == 2)
        #expect(
            summary.malformed.contains(
                .malformedRecord(origin: "broken.json", id: "PYSEC-3", message: "modified: expected String")))
        #expect(summary.newestModified == OSVTimestamp.parse("2024-10-11T00:00:00Z"))

        let status = try #require(try database.status())
        #expect(status.recordCount == 2)
        #expect(status.packageCount == 2)
        #expect(status.malformedCount == 2)
        #expect(status.source == "test input")
        #expect(status.importedAt == Self.clock.date)
        #expect(status.newestModified == OSVTimestamp.parse("2024-10-11T00:00:00Z"))

        #expect(try database.records(forPackage: "ALPHA.pkg").map(\.id) == ["PYSEC-1"])
        #expect(try database.records(forPackage: "beta").map(\.id) == ["PYSEC-2"])
        #expect(try database.records(forPackage: "gamma").isEmpty)
        #expect(try database.records(ids: ["PYSEC-2", "NOPE"]).map(\.id) == ["PYSEC-2"])
    }

    @Test func aNewImportReplacesTheOldContent() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try Self.open(dir)
        _ = try database.importRecords(Self.first, source: "one")
        _ = try database.importRecords(
            [("PYSEC-9.json", try Self.json(R.record("PYSEC-9", package: "gamma", versions: ["1"])))], source: "two")
        #expect(try database.records(forPackage: "alpha-pkg").isEmpty)
        #expect(try database.records(forPackage: "gamma").map(\.id) == ["PYSEC-9"])
        #expect(try database.status()?.recordCount == 1)
    }

    @Test func anInputWithNothingValidIsRefusedAndThePreviousDatabaseKept() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try Self.open(dir)
        _ = try database.importRecords(Self.first, source: "good")
        let error = #expect(throws: AdvisoryError.self) {
            try database.importRecords([("x.json", Data("[]".utf8)), ("y.json", Data("{".utf8))], source: "bad.zip")
        }
        #expect(error == .nothingToImport(path: "bad.zip", malformed: 2))
        #expect(try database.status()?.source == "good")
        #expect(try database.records(forPackage: "alpha-pkg").map(\.id) == ["PYSEC-1"])
    }

    @Test func anInterruptedImportIsRolledBack() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try Self.open(dir)
        _ = try database.importRecords(Self.first, source: "good")
        let many = try (0..<50).map { i in
            ("PYSEC-\(i).json", try Self.json(R.record("PYSEC-10\(i)", package: "delta", versions: ["1"])))
        }
        var polled = 0
        #expect(throws: AdvisoryError.self) {
            try database.importRecords(many, source: "interrupted") {
                polled += 1
                return polled < 25
            }
        }
        #expect(polled == 25)
        // Reopened from disk: still the previous content, nothing of the half-done import.
        let reopened = try Self.open(dir)
        #expect(try reopened.status()?.source == "good")
        #expect(try reopened.records(forPackage: "delta").isEmpty)
        #expect(try reopened.records(forPackage: "alpha-pkg").map(\.id) == ["PYSEC-1"])
    }

    @Test func importsAFolderOfJSONFiles() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("osv/nested")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, data) in Self.first { try data.write(to: folder.appendingPathComponent(name)) }
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("README.txt"))
        let database = try Self.open(dir)
        let summary = try database.importFolder(dir.appendingPathComponent("osv").path)
        #expect(summary.imported == 2)
        #expect(summary.malformed.count == 2)
        #expect(summary.malformed.contains { $0.description.contains("not-json.json") })
    }

    @Test func theSameIDTwiceKeepsTheNewerRevision() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try Self.open(dir)
        let summary = try database.importRecords(
            [
                (
                    "a/PYSEC-1.json",
                    try Self.json(R.record("PYSEC-1", versions: ["2.0"], modified: "2024-05-01T00:00:00Z"))
                ),
                (
                    "b/PYSEC-1.json",
                    try Self.json(R.record("PYSEC-1", versions: ["1.0"], modified: "2024-01-01T00:00:00Z"))
                ),
            ], source: "dupes")
        #expect(summary.imported == 1)
        #expect(try database.records(forPackage: "example").first?.affected.first?.versions == ["2.0"])
    }
}

@Suite struct OfflineDatabaseZipTests {
    static let clock = OfflineDatabaseTests.clock

    @Test func importsTheSharedZip() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try OfflineDatabaseTests.open(dir)
        let summary = try database.importZip(TestPaths.osvZip.path)
        #expect(summary.imported == 2_661)
        #expect(summary.malformed.isEmpty)
        let status = try #require(try database.status())
        #expect(status.recordCount == 2_661)
        #expect(status.packageCount == 664)
        #expect(status.newestModified.map(AutoSource.day) == "2024-10-10")
        #expect(status.source.hasSuffix("osv-pypi.zip"))
        #expect(try database.records(forPackage: "Django").count > 100)
    }

    @Test func aMalformedRecordInsideTheZipIsCountedNotFatal() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let zip = dir.appendingPathComponent("mixed.zip")
        let good = try JSONEncoder().encode(OSVRecords.record("PYSEC-1", package: "alpha", versions: ["1.0"]))
        var builder = ZipBuilder()
        builder.add("PYSEC-1.json", good)
        builder.add("PYSEC-2.json", text: #"{"id": "PYSEC-2"}"#)
        builder.add("notes.txt", text: "not a record")
        try builder.build().write(to: zip)
        let database = try OfflineDatabaseTests.open(dir)
        let summary = try database.importZip(zip.path)
        #expect(summary.imported == 1)
        #expect(
            summary.malformed.map(\.description) == [
                "PYSEC-2.json: OSV record PYSEC-2: missing required field modified"
            ])
    }

    @Test(arguments: ["truncated", "not a zip", "empty zip"])
    func aDamagedZipLeavesThePreviousDatabaseIntact(kind: String) throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try OfflineDatabaseTests.open(dir)
        _ = try database.importZip(TestPaths.osvZip.path)
        let bad = dir.appendingPathComponent("bad.zip")
        let original = try Data(contentsOf: TestPaths.osvZip)
        switch kind {
        case "truncated": try original.prefix(original.count / 2).write(to: bad)
        case "not a zip": try Data("PK but not really".utf8).write(to: bad)
        default: try ZipBuilder().build().write(to: bad)
        }
        #expect(throws: AdvisoryError.self) { try database.importZip(bad.path) }
        let status = try #require(try database.status())
        #expect(status.recordCount == 2_661)
        #expect(status.source.hasSuffix("osv-pypi.zip"))
    }
}
