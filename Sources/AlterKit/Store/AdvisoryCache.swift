import Foundation
import PythonPackaging

/// Full OSV records fetched from the API, kept in SQLite by id + `modified` so that a repeat scan fetches only
/// records that changed. Disposable: a damaged file is set aside and rebuilt.
package final class AdvisoryCache: AdvisoryRecordCache, Sendable {
    /// Append-only.
    static let migrations = [
        """
        CREATE TABLE osv_records (
            id TEXT NOT NULL,
            modified TEXT NOT NULL,
            json BLOB NOT NULL,
            stored_at REAL NOT NULL,
            PRIMARY KEY (id, modified)
        ) WITHOUT ROWID;
        """,
        // What a scan reads of a record for one package (`AdvisoryDigest.encoded`), beside its JSON.
        """
        CREATE TABLE osv_digests (
            id TEXT NOT NULL,
            modified TEXT NOT NULL,
            name TEXT NOT NULL,
            digest BLOB NOT NULL,
            PRIMARY KEY (id, modified, name)
        ) WITHOUT ROWID;
        """,
    ]

    /// The file's name inside the cache directory.
    package static let fileName = "osv-records.sqlite"

    let database: SQLiteDatabase
    let clock: any WallClock

    /// Opens (creating or rebuilding) the cache at `path`.
    package init(path: String, clock: any WallClock, diagnostics: any DiagnosticSink) throws {
        self.database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .header, clock: clock)
        self.clock = clock
    }

    package func records(for keys: [RecordKey]) throws -> [RecordKey: Data] {
        var out: [RecordKey: Data] = [:]
        let statement = try database.prepare("SELECT json FROM osv_records WHERE id = ? AND modified = ?")
        for key in keys {
            if let data = try statement.query([key.id, key.modified]).first?.data(0) { out[key] = data }
        }
        return out
    }

    package func store(_ records: [RecordKey: Data]) throws {
        try store(records, digests: [:])
    }

    /// Digests stored with their records; a record cached before digests existed (or whose digest does not decode)
    /// is digested from its JSON, and left out when that does not decode either.
    package func digests(for keys: [RecordKey], package name: String) throws -> [RecordKey: AdvisoryDigest] {
        var out: [RecordKey: AdvisoryDigest] = [:]
        var fromJSON: [RecordKey] = []
        let normalized = PackageName.normalize(name)
        let statement = try database.prepare(
            "SELECT digest FROM osv_digests WHERE id = ? AND modified = ? AND name = ?")
        for key in keys {
            if let bytes = try statement.query([key.id, key.modified, normalized]).first?.data(0),
                let digest = AdvisoryDigest(encoded: bytes), digest.id == key.id
            {
                out[key] = digest
            } else {
                fromJSON.append(key)
            }
        }
        for (key, data) in try records(for: fromJSON) {
            guard let record = try? OSVRecord.decode(data, origin: "cache"), record.id == key.id else { continue }
            out[key] = AdvisoryDigest(record, package: normalized)
        }
        return out
    }

    package func store(_ records: [RecordKey: Data], digests: [RecordKey: [String: AdvisoryDigest]]) throws {
        let now = clock.now().timeIntervalSince1970
        try database.transaction {
            let insertDigest = try database.prepare(
                "INSERT OR REPLACE INTO osv_digests (id, modified, name, digest) VALUES (?, ?, ?, ?)")
            for (key, byName) in digests.sorted(by: { $0.key < $1.key }) where records[key] != nil {
                for (name, digest) in byName.sorted(by: { $0.key < $1.key }) {
                    try insertDigest.execute([key.id, key.modified, name, Data(digest.encoded)])
                }
            }
            let statement = try database.prepare(
                "INSERT OR REPLACE INTO osv_records (id, modified, json, stored_at) VALUES (?, ?, ?, ?)")
            for (key, data) in records.sorted(by: { $0.key < $1.key }) {
                try statement.execute([key.id, key.modified, data, now])
            }
            // Older revisions of the records just stored will never be asked for again.
            let prune = try database.prepare("DELETE FROM osv_records WHERE id = ? AND modified <> ?")
            let pruneDigests = try database.prepare("DELETE FROM osv_digests WHERE id = ? AND modified <> ?")
            for key in records.keys {
                try prune.execute([key.id, key.modified])
                try pruneDigests.execute([key.id, key.modified])
            }
        }
    }

    /// How many records are cached.
    package func count() throws -> Int {
        try database.query("SELECT count(*) FROM osv_records").first?.int(0) ?? 0
    }

    /// Deletes every cached record; returns how many there were.
    package func clear() throws -> Int {
        try database.transaction {
            let count = try self.count()
            try database.execute("DELETE FROM osv_records; DELETE FROM osv_digests;")
            return count
        }
    }
}
