import Foundation
import PythonPackaging

/// What an import did.
package struct ImportSummary: Sendable, Hashable {
    /// Records now in the database.
    package var imported: Int
    /// Files that were not valid OSV records (skipped; the import went on without them).
    package var malformed: [AdvisoryError]
    /// Valid records with no PyPI package (other ecosystems), skipped.
    package var otherEcosystems: Int
    /// The newest `modified` stamp of the imported records.
    package var newestModified: Date?
}

/// What the offline database holds.
package struct OfflineDatabaseStatus: Sendable, Hashable {
    package var recordCount: Int
    package var packageCount: Int
    package var newestModified: Date?
    package var importedAt: Date
    /// Where the data came from (a path, a URL, or the bundled snapshot).
    package var source: String
    package var malformedCount: Int
}

/// The offline OSV database: PyPI advisory records imported from an OSV zip (`all.zip` layout) or a folder of OSV
/// JSON files, indexed by PEP 503-normalised package name, in SQLite.
///
/// An import replaces the whole content in one transaction: an import that fails half-way (a corrupt zip, a full
/// disk, a killed process) leaves the previous database exactly as it was. Malformed records are counted and
/// reported, not fatal; an input with no valid record at all is refused.
package final class OfflineDatabase: Sendable {
    /// Append-only.
    static let migrations = [
        """
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            modified TEXT NOT NULL,
            withdrawn INTEGER NOT NULL CHECK (withdrawn IN (0, 1)),
            json BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE record_packages (
            name TEXT NOT NULL,
            id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            PRIMARY KEY (name, id)
        ) WITHOUT ROWID;
        CREATE INDEX record_packages_by_id ON record_packages(id);
        CREATE TABLE import_info (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            source TEXT NOT NULL,
            imported_at REAL NOT NULL,
            record_count INTEGER NOT NULL,
            malformed_count INTEGER NOT NULL,
            newest_modified REAL
        );
        """,
        // The match index: per package, each live record's compiled ECOSYSTEM ranges and finding digest, and its
        // listed versions by key. Filled by every import; an older file's records are compiled on opening.
        """
        CREATE TABLE match_records (
            name TEXT NOT NULL,
            id TEXT NOT NULL,
            ranges TEXT NOT NULL,
            digest BLOB NOT NULL,
            PRIMARY KEY (name, id)
        ) WITHOUT ROWID;
        CREATE TABLE match_versions (
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            id TEXT NOT NULL,
            PRIMARY KEY (name, version, id)
        ) WITHOUT ROWID;
        ALTER TABLE import_info ADD COLUMN index_version INTEGER NOT NULL DEFAULT 0;
        """,
    ]

    /// The match index's format; an import writes this one, and a file holding another is recompiled on opening.
    static let matchIndexVersion = 1

    /// The file's name inside the data directory.
    package static let fileName = "osv-offline.sqlite"

    package let path: String
    let database: SQLiteDatabase
    let clock: any WallClock

    /// Opens (creating if needed) the database at `path`. A damaged file is set aside and a fresh one started:
    /// it will say it is empty rather than answer from broken data.
    package init(path: String, clock: any WallClock, diagnostics: any DiagnosticSink) throws {
        self.path = path
        self.clock = clock
        self.database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .header, clock: clock)
        try upgradeMatchIndex(diagnostics: diagnostics)
    }

    /// A file imported before the match index existed (or under another index version) has its stored records
    /// compiled now, once, saying so; a record that no longer decodes fails the opening with a message that says
    /// how to rebuild, rather than leaving packages silently unmatched.
    private func upgradeMatchIndex(diagnostics: any DiagnosticSink) throws {
        let version = "SELECT index_version FROM import_info"
        guard let current = try database.query(version).first?.int(0), current != Self.matchIndexVersion else {
            return
        }
        try database.transaction {
            // Another process may have upgraded it meanwhile.
            guard try database.query(version).first?.int(0) != Self.matchIndexVersion else { return }
            let rows = try database.query("SELECT id, json FROM records ORDER BY id")
            diagnostics.warning(
                "the offline database at \(path) predates this version's match index: compiling its \(rows.count) "
                    + "records once (run `alterks db update` or `alterks db import` to refresh the data itself)")
            try database.execute("DELETE FROM match_records; DELETE FROM match_versions;")
            let writer = try MatchIndexWriter(database)
            for row in rows {
                let id = row.string(0) ?? "?"
                let record: OSVRecord
                do {
                    record = try OSVRecord.decode(row.data(1) ?? Data(), origin: "\(path) (record \(id))")
                } catch {
                    throw AdvisoryError.unreadableImport(
                        path: path,
                        message: "cannot upgrade the offline database (\(error)); run `alterks db update` or "
                            + "`alterks db import` to rebuild it")
                }
                try writer.add(record)
            }
            try database.execute("UPDATE import_info SET index_version = ?", [Self.matchIndexVersion])
        }
    }

    // MARK: Import

    /// Imports records from `entries` (each an origin for messages — a file or zip member name — and its bytes),
    /// replacing everything in the database, in one transaction. `source` is recorded for `status`.
    /// `shouldContinue` is polled between records; returning false abandons the import (rolled back).
    package func importRecords(
        _ entries: some Sequence<(origin: String, data: Data)>, source: String,
        shouldContinue: () -> Bool = { true }
    ) throws -> ImportSummary {
        var records: [String: (record: OSVRecord, data: Data, names: [String])] = [:]
        var malformed: [AdvisoryError] = []
        var otherEcosystems = 0
        for entry in entries {
            let record: OSVRecord
            do {
                record = try OSVRecord.decode(entry.data, origin: entry.origin)
            } catch {
                malformed.append(error)
                continue
            }
            let names = Set(
                record.affected.filter { $0.package.ecosystem == OSVMatcher.ecosystem }
                    .map { PackageName.normalize($0.package.name) })
            guard !names.isEmpty else {
                otherEcosystems += 1
                continue
            }
            // The same id twice: keep the newer revision.
            if let existing = records[record.id],
                (existing.record.modifiedDate ?? .distantPast)
                    > (record.modifiedDate ?? .distantPast)
            {
                continue
            }
            records[record.id] = (record, entry.data, names.sorted())
        }
        guard !records.isEmpty else { throw AdvisoryError.nothingToImport(path: source, malformed: malformed.count) }

        let newest = records.values.compactMap { $0.record.modifiedDate }.max()
        let now = clock.now()
        try database.transaction {
            try database.execute(
                """
                DELETE FROM record_packages; DELETE FROM records; DELETE FROM import_info;
                DELETE FROM match_records; DELETE FROM match_versions;
                """)
            let index = try MatchIndexWriter(database)
            let insertRecord = try database.prepare(
                "INSERT INTO records (id, modified, withdrawn, json) VALUES (?, ?, ?, ?)")
            let insertName = try database.prepare("INSERT INTO record_packages (name, id) VALUES (?, ?)")
            for id in records.keys.sorted() {
                guard shouldContinue() else {
                    throw AdvisoryError.failed(context: source, underlying: "import interrupted")
                }
                let entry = records[id]!
                try insertRecord.execute([id, entry.record.modified, entry.record.isWithdrawn, entry.data])
                for name in entry.names { try insertName.execute([name, id]) }
                try index.add(entry.record)
            }
            try database.execute(
                """
                INSERT INTO import_info
                    (singleton, source, imported_at, record_count, malformed_count, newest_modified, index_version)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
                [
                    source, now.timeIntervalSince1970, records.count, malformed.count, newest?.timeIntervalSince1970,
                    Self.matchIndexVersion,
                ])
        }
        return ImportSummary(
            imported: records.count, malformed: malformed, otherEcosystems: otherEcosystems, newestModified: newest)
    }

    /// Imports `path`: a folder of OSV JSON files, or an OSV zip.
    package func importPath(_ path: String) throws -> ImportSummary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AdvisoryError.unreadableImport(path: path, message: "no such file or folder")
        }
        return isDirectory.boolValue ? try importFolder(path) : try importZip(path)
    }

    /// Imports a folder of OSV JSON files (recursively, `*.json`), replacing the database's content.
    package func importFolder(_ folder: String) throws -> ImportSummary {
        let root = URL(fileURLWithPath: folder)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else { throw AdvisoryError.unreadableImport(path: folder, message: "cannot list the folder") }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension.lowercased() == "json" {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url) }
        }
        files.sort { $0.path < $1.path }
        var entries: [(origin: String, data: Data)] = []
        for file in files {
            do {
                entries.append((file.path, try FileIO.read(file.path, limit: Self.maxRecordBytes)))
            } catch {
                throw AdvisoryError.unreadableImport(path: file.path, message: OSVAPISource.reason(error))
            }
        }
        return try importRecords(entries, source: folder)
    }

    /// Imports an OSV zip (the per-ecosystem `all.zip` layout: one `<ID>.json` per record), replacing the content.
    /// `source` (default: the path) is recorded for `status`.
    package func importZip(_ path: String, source: String? = nil) throws -> ImportSummary {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(path: path, limits: Self.zipLimits)
        } catch {
            throw AdvisoryError.unreadableImport(path: path, message: OSVAPISource.reason(error))
        }
        return try importArchive(archive, source: source ?? path)
    }

    /// Imports an OSV zip held in memory (a download); `name` (its URL) is recorded as the source.
    package func importZipData(_ data: Data, name: String) throws -> ImportSummary {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(data: data, name: name, limits: Self.zipLimits)
        } catch {
            throw AdvisoryError.unreadableImport(path: name, message: OSVAPISource.reason(error))
        }
        return try importArchive(archive, source: name)
    }

    /// Every `.json` member is one record. A member that cannot be extracted (bad CRC, truncated data) means the
    /// zip itself is damaged: the import stops before touching the database.
    private func importArchive(_ archive: ZipArchive, source: String) throws -> ImportSummary {
        var entries: [(origin: String, data: Data)] = []
        for entry in archive.entries where !entry.isDirectory && entry.name.lowercased().hasSuffix(".json") {
            do {
                entries.append((entry.name, try archive.contents(of: entry)))
            } catch {
                throw AdvisoryError.unreadableImport(path: source, message: OSVAPISource.reason(error))
            }
        }
        return try importRecords(entries, source: source)
    }

    /// OSV zips hold many small records: more entries than a wheel, no entry near the per-record limit.
    static let zipLimits = ArchiveLimits(maxEntries: 1_000_000, maxEntrySize: maxRecordBytes)

    /// The largest single OSV record accepted (the biggest real ones are well under 1 MB).
    package static let maxRecordBytes = 16 << 20

    // MARK: Queries

    /// What the database holds; nil when nothing was ever imported.
    package func status() throws -> OfflineDatabaseStatus? {
        guard
            let row = try database.query(
                "SELECT source, imported_at, record_count, malformed_count, newest_modified FROM import_info"
            ).first
        else { return nil }
        let packages = try database.query("SELECT count(DISTINCT name) FROM record_packages").first?.int(0) ?? 0
        return OfflineDatabaseStatus(
            recordCount: row.int(2) ?? 0, packageCount: packages,
            newestModified: row.double(4).map { Date(timeIntervalSince1970: $0) },
            importedAt: Date(timeIntervalSince1970: row.double(1) ?? 0), source: row.string(0) ?? "?",
            malformedCount: row.int(3) ?? 0)
    }

    /// Every record (withdrawn ones too) naming `name` (normalised here) as an affected PyPI package.
    package func records(forPackage name: String) throws -> [OSVRecord] {
        let rows = try database.query(
            "SELECT r.id, r.json FROM record_packages p JOIN records r ON r.id = p.id WHERE p.name = ? ORDER BY r.id",
            [PackageName.normalize(name)])
        return try rows.map { row in
            try OSVRecord.decode(row.data(1) ?? Data(), origin: "\(path) (record \(row.string(0) ?? "?"))")
        }
    }

    /// The records with these ids (any of them missing is left out).
    package func records(ids: [String]) throws -> [OSVRecord] {
        let statement = try database.prepare("SELECT json FROM records WHERE id = ?")
        return try ids.compactMap { id in
            try statement.query([id]).first.map {
                try OSVRecord.decode($0.data(0) ?? Data(), origin: "\(path) (\(id))")
            }
        }
    }

    /// The (id, modified) of every record naming `name`, for fingerprints, without decoding them.
    package func recordKeys(forPackage name: String) throws -> [RecordKey] {
        try database.query(
            "SELECT r.id, r.modified FROM record_packages p JOIN records r ON r.id = p.id WHERE p.name = ?",
            [PackageName.normalize(name)]
        ).map { RecordKey(id: $0.string(0) ?? "", modified: $0.string(1) ?? "") }
    }

    /// The match index's rows for `name` (normalised here): each live record naming it, with its compiled ranges and
    /// its digest (still encoded: decoded only for the records a scan reports).
    package func matchRows(forPackage name: String) throws -> [MatchRow] {
        try database.query(
            "SELECT id, ranges, digest FROM match_records WHERE name = ? ORDER BY id", [PackageName.normalize(name)]
        ).map { row in
            MatchRow(id: row.string(0) ?? "", ranges: row.string(1) ?? "", digest: row.data(2) ?? Data())
        }
    }

    /// The ids of the live records of `name` (normalised) listing a version with this `OSVMatcher.versionKey`.
    package func listingIDs(forPackage name: String, versionKey: String) throws -> [String] {
        try database.query(
            "SELECT id FROM match_versions WHERE name = ? AND version = ?", [PackageName.normalize(name), versionKey]
        ).compactMap { $0.string(0) }
    }
}

/// One record's entry in the offline match index for one package.
package struct MatchRow: Sendable, Hashable {
    package var id: String
    /// `PreparedRange.encoded` lines.
    package var ranges: String
    /// `AdvisoryDigest.encoded`.
    package var digest: Data
}

/// Writes the match index rows of records, inside the caller's transaction.
struct MatchIndexWriter {
    let insertRecord: Statement
    let insertVersion: Statement

    init(_ database: SQLiteDatabase) throws {
        insertRecord = try database.prepare(
            "INSERT OR REPLACE INTO match_records (name, id, ranges, digest) VALUES (?, ?, ?, ?)")
        insertVersion = try database.prepare(
            "INSERT OR IGNORE INTO match_versions (name, version, id) VALUES (?, ?, ?)")
    }

    /// Indexes `record` under every PyPI package it names (withdrawn records are left out: they never match).
    func add(_ record: OSVRecord) throws {
        guard !record.isWithdrawn else { return }
        let names = Set(
            record.affected.filter { $0.package.ecosystem == OSVMatcher.ecosystem }
                .map { PackageName.normalize($0.package.name) })
        for name in names.sorted() {
            let compiled = OSVMatcher.compile(record, name: name)
            let digest = AdvisoryDigest(record, package: name).encoded
            try insertRecord.execute([name, record.id, compiled.ranges.joined(separator: "\n"), Data(digest)])
            for key in compiled.versionKeys.sorted() { try insertVersion.execute([name, key, record.id]) }
        }
    }
}
