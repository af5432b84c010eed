import Foundation
import PythonPackaging

/// Where a quarantined distribution would have gone, so that `release` installs it there.
package struct QuarantineTarget: Sendable, Hashable, Codable {
    /// The real pip of the original install.
    package var pip: PipCommand
    /// pip's general options of the original install (`--isolated`, `--cert` …).
    package var globalArguments: [String]
    /// The original install's options without its requirements (`--user`, `--target DIR`, index options …).
    package var installOptions: [String]

    package init(pip: PipCommand, globalArguments: [String] = [], installOptions: [String] = []) {
        self.pip = pip
        self.globalArguments = globalArguments
        self.installOptions = installOptions
    }
}

/// One quarantined distribution.
package struct QuarantineRecord: Sendable, Hashable {
    /// Where an interrupted operation left a record; `ready` is the only steady state.
    package enum State: String, Sendable, Hashable, Codable {
        /// Being quarantined (files may be incomplete).
        case adding
        case ready
        /// Being installed into the target; the files are intact.
        case releasing
        /// Being deleted (files may be partly gone).
        case removing
    }

    /// `wheel` (installed in the record's venv) or `sdist` (kept, never built).
    package enum ArtifactKind: String, Sendable, Hashable, Codable {
        case wheel, sdist
    }

    package var name: String
    package var normalizedName: String
    package var version: String
    package var quarantinedAt: Date
    /// The verdict's reasons when it was quarantined.
    package var reasons: [Reason]
    /// The kept artifact, verified against `artifactSHA256`.
    package var artifactPath: String
    package var artifactSHA256: String
    package var artifactKind: ArtifactKind
    /// Where pip would have downloaded it from.
    package var artifactURL: String
    /// The record's folder (`<data>/quarantine/<name>-<version>`); for a wheel, a venv holding it.
    package var directory: String
    /// The venv holding the installed wheel (nil for an sdist).
    package var venvPath: String?
    package var target: QuarantineTarget
    package var state: State

    package init(
        name: String, version: String, quarantinedAt: Date, reasons: [Reason], artifactPath: String,
        artifactSHA256: String, artifactKind: ArtifactKind, artifactURL: String, directory: String,
        venvPath: String?, target: QuarantineTarget, state: State
    ) {
        self.name = name
        self.normalizedName = PackageName.normalize(name)
        self.version = version
        self.quarantinedAt = quarantinedAt
        self.reasons = reasons
        self.artifactPath = artifactPath
        self.artifactSHA256 = artifactSHA256
        self.artifactKind = artifactKind
        self.artifactURL = artifactURL
        self.directory = directory
        self.venvPath = venvPath
        self.target = target
        self.state = state
    }
}

/// The quarantine manifest: one row per quarantined distribution, in SQLite. Every change is one transaction;
/// the `state` column records an operation in progress so that an interrupted one is visible and can be finished
/// (see `Quarantine`).
package final class QuarantineManifest: Sendable {
    package let database: SQLiteDatabase

    static let migrations = [
        """
        CREATE TABLE quarantine (
            normalized_name TEXT NOT NULL,
            version TEXT NOT NULL,
            name TEXT NOT NULL,
            quarantined_at REAL NOT NULL,
            reasons_json TEXT NOT NULL,
            artifact_path TEXT NOT NULL,
            artifact_sha256 TEXT NOT NULL CHECK (length(artifact_sha256) = 64),
            artifact_kind TEXT NOT NULL CHECK (artifact_kind IN ('wheel', 'sdist')),
            artifact_url TEXT NOT NULL,
            directory TEXT NOT NULL,
            venv_path TEXT,
            target_json TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('adding', 'ready', 'releasing', 'removing')),
            PRIMARY KEY (normalized_name, version)
        ) WITHOUT ROWID
        """
    ]

    /// Opens (creating or migrating) the manifest at `path`.
    package init(path: String, diagnostics: any DiagnosticSink) throws {
        database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .header)
    }

    /// Inserts or replaces the record for its name and version.
    package func save(_ record: QuarantineRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let reasons = String(decoding: try encoder.encode(record.reasons), as: UTF8.self)
        let target = String(decoding: try encoder.encode(record.target), as: UTF8.self)
        try database.execute(
            """
            INSERT OR REPLACE INTO quarantine (normalized_name, version, name, quarantined_at, reasons_json,
                artifact_path, artifact_sha256, artifact_kind, artifact_url, directory, venv_path, target_json, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                record.normalizedName, record.version, record.name, record.quarantinedAt.timeIntervalSince1970,
                reasons, record.artifactPath, record.artifactSHA256, record.artifactKind.rawValue,
                record.artifactURL, record.directory, record.venvPath, target, record.state.rawValue,
            ])
    }

    /// Sets the state of one record; false when there is no such record.
    @discardableResult
    package func setState(_ state: QuarantineRecord.State, name: String, version: String) throws -> Bool {
        try database.transaction {
            try database.execute(
                "UPDATE quarantine SET state = ? WHERE normalized_name = ? AND version = ?",
                [state.rawValue, PackageName.normalize(name), version])
            return database.changes > 0
        }
    }

    /// Deletes one record (nothing when there is none).
    package func delete(name: String, version: String) throws {
        try database.execute(
            "DELETE FROM quarantine WHERE normalized_name = ? AND version = ?", [PackageName.normalize(name), version])
    }

    /// Every record, by name then time.
    package func all() throws -> [QuarantineRecord] {
        try database.query("SELECT * FROM quarantine ORDER BY normalized_name, quarantined_at").map(Self.record)
    }

    /// The records of one project (every version, or the one given).
    package func find(name: String, version: String? = nil) throws -> [QuarantineRecord] {
        let normalized = PackageName.normalize(name)
        if let version {
            return try database.query(
                "SELECT * FROM quarantine WHERE normalized_name = ? AND version = ?", [normalized, version]
            ).map(Self.record)
        }
        return try database.query(
            "SELECT * FROM quarantine WHERE normalized_name = ? ORDER BY quarantined_at", [normalized]
        ).map(Self.record)
    }

    private static func record(_ row: Row) throws -> QuarantineRecord {
        func text(_ column: String) throws -> String {
            guard let value = row.string(column) else {
                throw StoreError.sqlite(path: "quarantine manifest", code: 0, message: "column \(column) is missing")
            }
            return value
        }
        let decoder = JSONDecoder()
        let reasons = try decoder.decode([Reason].self, from: Data(try text("reasons_json").utf8))
        let target = try decoder.decode(QuarantineTarget.self, from: Data(try text("target_json").utf8))
        guard let kind = QuarantineRecord.ArtifactKind(rawValue: try text("artifact_kind")),
            let state = QuarantineRecord.State(rawValue: try text("state"))
        else {
            throw StoreError.sqlite(path: "quarantine manifest", code: 0, message: "unknown kind or state")
        }
        var record = QuarantineRecord(
            name: try text("name"), version: try text("version"),
            quarantinedAt: Date(timeIntervalSince1970: row.double("quarantined_at") ?? 0), reasons: reasons,
            artifactPath: try text("artifact_path"), artifactSHA256: try text("artifact_sha256"), artifactKind: kind,
            artifactURL: try text("artifact_url"), directory: try text("directory"),
            venvPath: row.string("venv_path"), target: target, state: state)
        record.normalizedName = try text("normalized_name")
        return record
    }
}
