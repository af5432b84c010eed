import Foundation
import SQLiteKit

/// One use of the escape hatch: the gate was skipped for one command.
package struct BypassEntry: Sendable, Hashable {
    package var time: Date
    /// What asked for it (`ALTERKS_BYPASS=1`, `--bypass`).
    package var source: String
    /// The pip that ran.
    package var pip: String
    /// pip's arguments, as run.
    package var arguments: [String]
    package var workingDirectory: String?

    package init(time: Date, source: String, pip: String, arguments: [String], workingDirectory: String?) {
        self.time = time
        self.source = source
        self.pip = pip
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }
}

/// Records gate bypasses.
package protocol BypassLog: Sendable {
    func recordBypass(_ entry: BypassEntry) throws
}

/// The gate's log in SQLite (`<state dir>/gate-log.sqlite3`): every bypass, with time, source, pip and arguments.
package final class StateLog: BypassLog, Sendable {
    package let database: SQLiteDatabase

    static let migrations = [
        """
        CREATE TABLE bypass (
            id INTEGER PRIMARY KEY,
            time REAL NOT NULL,
            source TEXT NOT NULL,
            pip TEXT NOT NULL,
            arguments_json TEXT NOT NULL,
            working_directory TEXT
        )
        """
    ]

    package init(path: String, diagnostics: any DiagnosticSink) throws {
        database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .header)
    }

    package func recordBypass(_ entry: BypassEntry) throws {
        let arguments = String(decoding: try JSONEncoder().encode(entry.arguments), as: UTF8.self)
        try database.execute(
            "INSERT INTO bypass (time, source, pip, arguments_json, working_directory) VALUES (?, ?, ?, ?, ?)",
            [entry.time.timeIntervalSince1970, entry.source, entry.pip, arguments, entry.workingDirectory])
    }

    /// Every recorded bypass, oldest first.
    package func bypasses() throws -> [BypassEntry] {
        try database.query("SELECT * FROM bypass ORDER BY id").map { row in
            let arguments = try JSONDecoder().decode(
                [String].self, from: Data((row.string("arguments_json") ?? "[]").utf8))
            return BypassEntry(
                time: Date(timeIntervalSince1970: row.double("time") ?? 0), source: row.string("source") ?? "",
                pip: row.string("pip") ?? "", arguments: arguments, workingDirectory: row.string("working_directory"))
        }
    }
}
