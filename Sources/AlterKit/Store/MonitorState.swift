import Foundation
import SQLiteKit

/// The monitor's memory between runs, in SQLite: the findings and verdicts of the last successful look at
/// each target, the cycles run, and the reports still to deliver (the outbox). A cycle's state change and its
/// outbox entries are written in one transaction, so a monitor killed at any point either reports a cycle
/// (once) or not at all.
package final class MonitorState: @unchecked Sendable {
    package let database: SQLiteDatabase

    static let migrations = [
        """
        CREATE TABLE findings (
            target TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
            PRIMARY KEY (target, key)
        );
        CREATE TABLE verdicts (
            target TEXT NOT NULL, package TEXT NOT NULL, action TEXT NOT NULL,
            PRIMARY KEY (target, package)
        );
        CREATE TABLE targets (target TEXT PRIMARY KEY, last_seen REAL NOT NULL);
        CREATE TABLE cycles (
            id TEXT PRIMARY KEY, time REAL NOT NULL, status TEXT NOT NULL, new INTEGER NOT NULL,
            resolved INTEGER NOT NULL
        );
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, cycle TEXT NOT NULL,
            body BLOB NOT NULL, created REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT
        );
        """
    ]

    package init(path: String, diagnostics: any DiagnosticSink) throws {
        database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics)
    }

    /// Whether this target has been looked at successfully before (the first run reports everything as new).
    package func hasSeen(target: String) throws -> Bool {
        try !database.query("SELECT 1 FROM targets WHERE target = ?", [target]).isEmpty
    }

    package func findings(target: String) throws -> [MonitorFinding] {
        let decoder = JSONDecoder()
        return try database.query("SELECT body FROM findings WHERE target = ? ORDER BY key", [target]).compactMap {
            guard let body = $0.data(0) else { return nil }
            return try decoder.decode(MonitorFinding.self, from: body)
        }
    }

    package func verdicts(target: String) throws -> [String: Action] {
        var out: [String: Action] = [:]
        for row in try database.query("SELECT package, action FROM verdicts WHERE target = ?", [target]) {
            if let package = row.string(0), let action = row.string(1).flatMap(Action.init(rawValue:)) {
                out[package] = action
            }
        }
        return out
    }

    /// One target's new state, to be committed with the cycle.
    package struct TargetUpdate: Sendable {
        package var target: String
        package var findings: [MonitorFinding]
        package var verdicts: [String: Action]
    }

    /// Commits a cycle: every target's new state, the cycle row, and one outbox entry per destination — in one
    /// transaction.
    package func commit(
        cycle: MonitorCycleReport, updates: [TargetUpdate], body: Data, destinations: [String], now: Date
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try database.transaction {
            for update in updates {
                try database.execute("DELETE FROM findings WHERE target = ?", [update.target])
                try database.execute("DELETE FROM verdicts WHERE target = ?", [update.target])
                let insert = try database.prepare("INSERT INTO findings (target, key, body) VALUES (?, ?, ?)")
                for finding in update.findings {
                    try insert.execute([update.target, finding.key, try encoder.encode(finding)])
                }
                let verdict = try database.prepare("INSERT INTO verdicts (target, package, action) VALUES (?, ?, ?)")
                for (package, action) in update.verdicts.sorted(by: { $0.key < $1.key }) {
                    try verdict.execute([update.target, package, action.rawValue])
                }
                try database.execute(
                    "INSERT INTO targets (target, last_seen) VALUES (?, ?) "
                        + "ON CONFLICT(target) DO UPDATE SET last_seen = excluded.last_seen",
                    [update.target, now.timeIntervalSince1970])
            }
            try database.execute(
                "INSERT INTO cycles (id, time, status, new, resolved) VALUES (?, ?, ?, ?, ?)",
                [cycle.cycle, now.timeIntervalSince1970, cycle.status, cycle.counts.new, cycle.counts.resolved])
            for destination in destinations {
                try database.execute(
                    "INSERT INTO outbox (destination, cycle, body, created) VALUES (?, ?, ?, ?)",
                    [destination, cycle.cycle, body, now.timeIntervalSince1970])
            }
        }
    }

    /// A report waiting for delivery.
    package struct OutboxEntry: Sendable, Hashable {
        package var seq: Int64
        package var destination: String
        package var cycle: String
        package var body: Data
        package var created: Date
        package var attempts: Int
    }

    /// Undelivered reports for `destination`, oldest first.
    package func pending(destination: String) throws -> [OutboxEntry] {
        try database.query(
            "SELECT seq, destination, cycle, body, created, attempts FROM outbox WHERE destination = ? ORDER BY seq",
            [destination]
        ).map {
            OutboxEntry(
                seq: $0.int64(0) ?? 0, destination: $0.string(1) ?? "", cycle: $0.string(2) ?? "",
                body: $0.data(3) ?? Data(), created: Date(timeIntervalSince1970: $0.double(4) ?? 0),
                attempts: $0.int(5) ?? 0)
        }
    }

    /// Every destination with undelivered reports.
    package func pendingDestinations() throws -> [String] {
        try database.query("SELECT DISTINCT destination FROM outbox ORDER BY destination").compactMap { $0.string(0) }
    }

    package func delivered(seq: Int64) throws {
        try database.execute("DELETE FROM outbox WHERE seq = ?", [seq])
    }

    package func failedDelivery(seq: Int64, error: String) throws {
        try database.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", [error, seq])
    }
}
