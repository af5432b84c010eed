import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

@testable import AlterKit

/// The offline database's match index (compiled ranges, listed-version keys, finding digests): the same answers as
/// matching the full records, and an older file upgraded on opening, never silently empty.
@Suite struct MatchIndexTests {
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))

    static func path(_ dir: URL) -> String { dir.appendingPathComponent(OfflineDatabase.fileName).path }

    /// Every pin of the shared data's expectation (Python's packaging and the OSV pseudocode) through SQLite: the
    /// version table and the compiled ranges give exactly the expected record ids.
    @Test func everyPinMatchesTheExpectedRecordsThroughTheIndex() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try OfflineDatabase(path: Self.path(dir), clock: Self.clock, diagnostics: NullDiagnostics())
        _ = try database.importZip(TestPaths.osvZip.path)
        let rows = try OSVTestData.expectedMatches
        let versions = VersionMemo()
        var indexes: [String: PackageMatchIndex] = [:]
        var mismatches: [String] = []
        for row in rows {
            let index =
                try indexes[row.name]
                ?? PackageMatchIndex(
                    rows: database.matchRows(forPackage: row.name), origin: database.path, versions: versions)
            indexes[row.name] = index
            let scanned = ScannedVersion(row.version)
            let listing = try database.listingIDs(
                forPackage: row.name, versionKey: OSVMatcher.versionKey(raw: scanned.raw, parsed: scanned.parsed))
            let got = try index.matching(scanned, listedBy: listing).map(\.id)
            if got != row.ids { mismatches.append("\(row.name) \(row.version): got \(got), expected \(row.ids)") }
        }
        #expect(rows.count > 37_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test func digestsSurviveTheirEncodingAndDamageIsNoDigest() throws {
        var compared = 0
        for record in try OSVTestData.bundledRecords {
            for name in Set(record.affected.map { PackageName.normalize($0.package.name) }) {
                let digest = AdvisoryDigest(record, package: name)
                let bytes = digest.encoded
                #expect(AdvisoryDigest(encoded: bytes) == digest, "\(record.id)")
                #expect(AdvisoryDigest(encoded: bytes.dropLast()) == nil, "\(record.id) truncated")
                #expect(AdvisoryDigest(encoded: bytes + [0]) == nil, "\(record.id) extended")
                compared += 1
            }
        }
        #expect(compared >= 2_661)
        #expect(AdvisoryDigest(encoded: [UInt8]()) == nil)
    }

    /// A file written before the index existed: schema 1, its records and names only.
    static func writeOldDatabase(at path: String, records: [(id: String, modified: String, json: Data)]) throws {
        let old = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Array(OfflineDatabase.migrations.prefix(1)), diagnostics: NullDiagnostics(),
            check: .header, clock: clock)
        defer { old.close() }
        for record in records {
            try old.execute(
                "INSERT INTO records (id, modified, withdrawn, json) VALUES (?, ?, 0, ?)",
                [record.id, record.modified, record.json])
            try old.execute("INSERT INTO record_packages (name, id) VALUES ('django', ?)", [record.id])
        }
        try old.execute(
            """
            INSERT INTO import_info (singleton, source, imported_at, record_count, malformed_count, newest_modified)
            VALUES (1, 'old', 1, ?, 0, NULL)
            """, [records.count])
    }

    @Test func aDatabaseFromBeforeTheIndexIsCompiledOnOpeningAndSaysSo() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let django = try OSVTestData.bundled.filter {
            $0.record.affected.contains { PackageName.normalize($0.package.name) == "django" }
        }
        #expect(django.count > 50)
        try Self.writeOldDatabase(
            at: Self.path(dir), records: django.map { ($0.record.id, $0.record.modified, $0.json) })

        let diagnostics = DiagnosticCollector()
        let upgraded = try OfflineDatabase(path: Self.path(dir), clock: Self.clock, diagnostics: diagnostics)
        let messages = diagnostics.diagnostics.map(\.message)
        #expect(messages.count == 1)
        #expect(messages.first?.contains("predates this version's match index") == true)
        #expect(messages.first?.contains("\(django.count) records") == true)

        // The same answers as matching the full records.
        let queries = ["1.2", "2.2.0", "3.0.5", "4.2.1", "1.11.29"].map { PackageQuery(name: "Django", version: $0) }
        let answer = await OfflineSource(database: upgraded).lookup(queries)
        let builder = FindingBuilder()
        let matcher = OSVMatcher(records: django.map(\.record))
        var findings = 0
        for query in queries {
            let expected = builder.findings(
                for: matcher.matchingRecords(name: query.name, version: query.version), package: query.name,
                version: query.version)
            #expect(try answer.results[query]?.get() == expected, "\(query)")
            findings += expected.count
        }
        #expect(findings > 20)

        // Once: a second opening says nothing.
        let again = DiagnosticCollector()
        _ = try OfflineDatabase(path: Self.path(dir), clock: Self.clock, diagnostics: again)
        #expect(again.diagnostics.isEmpty)
    }

    @Test func anOldDatabaseWhoseRecordNoLongerDecodesIsAnErrorSayingHowToRebuild() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeOldDatabase(
            at: Self.path(dir), records: [("PYSEC-1", "2024-01-01T00:00:00Z", Data("{\"id\": 7}".utf8))])
        #expect {
            _ = try OfflineDatabase(path: Self.path(dir), clock: Self.clock, diagnostics: NullDiagnostics())
        } throws: { error in
            let text = String(describing: error)
            return text.contains("cannot upgrade the offline database") && text.contains("alterks db import")
        }
    }
}

/// The online path's record cache keeps each record's digest per package beside its JSON: a scan that cannot reuse
/// verdicts reads digests, and a record cached before digests existed is digested from its JSON.
@Suite struct AdvisoryCacheDigestTests {
    @Test func digestsAreStoredWithRecordsAndOlderEntriesAreDigestedFromJSON() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = try AdvisoryCache(
            path: dir.appendingPathComponent(AdvisoryCache.fileName).path, clock: MatchIndexTests.clock,
            diagnostics: NullDiagnostics())
        let bundled = try Array(OSVTestData.bundled.prefix(40))
        let keys = bundled.map { RecordKey(id: $0.record.id, modified: $0.record.modified) }
        func name(_ record: OSVRecord) -> String { PackageName.normalize(record.affected[0].package.name) }

        // Half stored as before digests existed (JSON only), half with their digests.
        let (old, new) = (bundled.prefix(20), bundled.dropFirst(20))
        try cache.store(
            Dictionary(
                uniqueKeysWithValues: old.map { (RecordKey(id: $0.record.id, modified: $0.record.modified), $0.json) }))
        try cache.store(
            Dictionary(
                uniqueKeysWithValues: new.map { (RecordKey(id: $0.record.id, modified: $0.record.modified), $0.json) }),
            digests: Dictionary(
                uniqueKeysWithValues: new.map {
                    (
                        RecordKey(id: $0.record.id, modified: $0.record.modified),
                        [name($0.record): AdvisoryDigest($0.record, package: name($0.record))]
                    )
                }))
        #expect(try cache.database.query("SELECT count(*) FROM osv_digests").first?.int(0) == 20)
        for (entry, key) in zip(bundled, keys) {
            let got = try cache.digests(for: [key], package: name(entry.record))
            #expect(got[key] == AdvisoryDigest(entry.record, package: name(entry.record)), "\(key.id)")
        }
        // A damaged digest falls back to the JSON; a newer revision of a record is another key (a miss).
        try cache.database.execute("UPDATE osv_digests SET digest = x'00'")
        let first = keys[25]
        #expect(
            try cache.digests(for: [first], package: name(bundled[25].record))[first]
                == AdvisoryDigest(bundled[25].record, package: name(bundled[25].record)))
        let newer = RecordKey(id: first.id, modified: "2099-01-01T00:00:00Z")
        #expect(try cache.digests(for: [newer], package: name(bundled[25].record)).isEmpty)
        #expect(try cache.clear() == 40)
        #expect(try cache.database.query("SELECT count(*) FROM osv_digests").first?.int(0) == 0)
    }
}
