import Foundation
import PythonPackaging

/// PyPI project metadata fetched before, in SQLite, keyed by normalised project name, with a TTL. A "no such
/// project" answer (404) is kept too, for a shorter time (a name can be registered at any moment). Failures
/// (429, 5xx, malformed bodies) are never stored. `last_serial` is recorded so a later fetch can tell whether the
/// project changed, and the index's `ETag`, so that an expired entry is revalidated (`If-None-Match`, 304) instead
/// of fetched again. PEP 740 provenance answers are kept by file hash, without expiry: a file's attestations are
/// published with the file and never change, so a file is asked about once.
package final class MetadataCache: Sendable {
    /// The file name under the cache directory.
    package static let fileName = "metadata.sqlite"
    /// The longest a 404 is believed.
    package static let notFoundTTL: TimeInterval = 3600

    /// Append-only migrations; never edit a published one.
    static let migrations: [String] = [
        """
        CREATE TABLE projects (
            name TEXT PRIMARY KEY NOT NULL CHECK (length(name) > 0),
            found INTEGER NOT NULL CHECK (found IN (0, 1)),
            last_serial INTEGER,
            stored_at REAL NOT NULL,
            expires_at REAL NOT NULL CHECK (expires_at >= stored_at),
            payload BLOB,
            CHECK (found = 0 OR payload IS NOT NULL)
        ) WITHOUT ROWID;
        CREATE INDEX projects_by_expiry ON projects (expires_at);
        """,
        """
        ALTER TABLE projects ADD COLUMN etag TEXT;
        CREATE TABLE provenance (
            file TEXT PRIMARY KEY NOT NULL CHECK (length(file) > 0),
            present INTEGER NOT NULL CHECK (present IN (0, 1)),
            publishers TEXT NOT NULL,
            stored_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    package let database: SQLiteDatabase

    /// `cacheDirectory` when given, else `AlterKSPaths.cacheDir`.
    package static func path(cacheDirectory: String?, paths: AlterKSPaths) -> String {
        (cacheDirectory ?? paths.cacheDir) + "/" + fileName
    }

    /// Opens (creating if needed) the cache at `path`; a damaged file is moved aside with a warning and rebuilt.
    package init(path: String, diagnostics: any DiagnosticSink, clock: any WallClock, busyTimeout: Double = 5) throws {
        database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .quick,
            busyTimeout: busyTimeout, clock: clock)
    }

    /// The stored answer for `name` if it has not expired at `now`: `.found` or `.notFound`. An entry that cannot
    /// be decoded is removed and reported as a miss.
    package func lookup(_ name: String, now: Date) throws -> MetadataLookup? {
        let key = PackageName.normalize(name)
        let rows = try database.query(
            "SELECT found, payload FROM projects WHERE name = ? AND expires_at > ?", [key, now.timeIntervalSince1970])
        guard let row = rows.first else { return nil }
        if row.int(0) == 0 { return .notFound }
        if let payload = row.data(1), let project = try? JSONDecoder().decode(PyPIProject.self, from: payload) {
            return .found(project)
        }
        try database.execute("DELETE FROM projects WHERE name = ?", [key])
        return nil
    }

    /// The `last_serial` recorded for `name`, expired entries included (nil when never stored or a 404).
    package func lastSerial(_ name: String) throws -> Int? {
        try database.query("SELECT last_serial FROM projects WHERE name = ?", [PackageName.normalize(name)])
            .first?.int(0)
    }

    /// A found project's stored answer and its `ETag`, expired or not: what an expired entry is revalidated with.
    package func revalidatable(_ name: String) throws -> (project: PyPIProject, etag: String)? {
        let rows = try database.query(
            "SELECT payload, etag FROM projects WHERE name = ? AND found = 1 AND etag IS NOT NULL",
            [PackageName.normalize(name)])
        guard let row = rows.first, let payload = row.data(0), let etag = row.string(1),
            let project = try? JSONDecoder().decode(PyPIProject.self, from: payload)
        else { return nil }
        return (project, etag)
    }

    /// The index said the stored answer still holds (304): it is trusted for another `ttl`.
    package func refresh(_ name: String, now: Date, ttl: TimeInterval) throws {
        guard ttl > 0 else { return }
        try database.execute(
            "UPDATE projects SET stored_at = ?, expires_at = ? WHERE name = ?",
            [now.timeIntervalSince1970, now.addingTimeInterval(ttl).timeIntervalSince1970, PackageName.normalize(name)])
    }

    /// The provenance answer stored for one file (`sha256:HEX`, or `name/version/filename` without a digest).
    package func provenance(file: String) throws -> ProvenanceLookup? {
        guard let row = try database.query("SELECT present, publishers FROM provenance WHERE file = ?", [file]).first
        else { return nil }
        guard row.int(0) == 1 else { return .absent }
        let publishers = (row.string(1) ?? "").split(separator: "\n").map(String.init)
        return .present(publishers: publishers)
    }

    /// Keeps one file's provenance answer for good.
    package func storeProvenance(_ lookup: ProvenanceLookup, file: String, now: Date) throws {
        let present: Int64
        let publishers: [String]
        switch lookup {
        case .present(let names): (present, publishers) = (1, names)
        case .absent: (present, publishers) = (0, [])
        }
        try database.execute(
            "INSERT OR REPLACE INTO provenance (file, present, publishers, stored_at) VALUES (?, ?, ?, ?)",
            [file, present, publishers.joined(separator: "\n"), now.timeIntervalSince1970])
    }

    /// Stores an answer until `now + ttl` (a 404 at most `notFoundTTL`). A `ttl` of 0 stores nothing. `etag` is
    /// the index's validator for a found project.
    package func store(
        _ lookup: MetadataLookup, for name: String, now: Date, ttl: TimeInterval, etag: String? = nil
    ) throws {
        guard ttl > 0 else { return }
        let key = PackageName.normalize(name)
        switch lookup {
        case .found(let project):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let payload = try encoder.encode(project)
            let serial: SQLiteValue = project.lastSerial.map { .integer(Int64($0)) } ?? .null
            let validator: SQLiteValue = etag.map { .text($0) } ?? .null
            try database.execute(
                """
                INSERT OR REPLACE INTO projects (name, found, last_serial, stored_at, expires_at, payload, etag)
                VALUES (?, 1, ?, ?, ?, ?, ?)
                """,
                [
                    key, serial, now.timeIntervalSince1970, now.addingTimeInterval(ttl).timeIntervalSince1970, payload,
                    validator,
                ])
        case .notFound:
            try database.execute(
                """
                INSERT OR REPLACE INTO projects (name, found, last_serial, stored_at, expires_at, payload)
                VALUES (?, 0, NULL, ?, ?, NULL)
                """,
                [
                    key, now.timeIntervalSince1970,
                    now.addingTimeInterval(min(ttl, Self.notFoundTTL)).timeIntervalSince1970,
                ])
        }
    }

    /// Removes every entry (`alterks cache clear`); returns how many.
    @discardableResult
    package func clear() throws -> Int {
        try database.transaction {
            try database.execute("DELETE FROM projects")
            let projects = database.changes
            try database.execute("DELETE FROM provenance")
            return projects + database.changes
        }
    }

    /// Removes every expired entry; returns how many.
    @discardableResult
    package func pruneExpired(now: Date) throws -> Int {
        try database.transaction {
            try database.execute("DELETE FROM projects WHERE expires_at <= ?", [now.timeIntervalSince1970])
            return database.changes
        }
    }
}
