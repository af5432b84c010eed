import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import SQLiteKit

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SQLiteDatabaseTests {
    static let schema = [
        "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, payload BLOB)",
        "CREATE TABLE tag (item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE, tag TEXT NOT NULL)",
    ]

    func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
        let dir = try TestPaths.temporaryDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir.path)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func createsPrivateFileAndDirectoryInWALMode() throws {
        try withTempDir { dir in
            let path = dir + "/nested/deeper/test.db"
            let db = try SQLiteDatabase(path: path)
            try db.migrate(Self.schema)
            try db.execute("INSERT INTO item (name) VALUES (?)", ["a"])
            #expect(mode(path) == 0o600)
            #expect(mode(dir + "/nested") == 0o700)
            #expect(mode(dir + "/nested/deeper") == 0o700)
            #expect(mode(path + "-wal") == 0o600)
            #expect(try db.query("PRAGMA journal_mode").first?.string(0) == "wal")
            #expect(try db.query("PRAGMA foreign_keys").first?.int(0) == 1)
        }
    }

    @Test func doesNotChmodAnExistingDirectory() throws {
        try withTempDir { dir in
            let shared = dir + "/shared"
            mkdir(shared, 0o755)
            chmod(shared, 0o755)
            _ = try SQLiteDatabase(path: shared + "/x.db")
            #expect(mode(shared) == 0o755)
        }
    }

    @Test func crudWithTypedValues() throws {
        try withTempDir { dir in
            let db = try SQLiteDatabase(path: dir + "/crud.db")
            try db.migrate(Self.schema)
            let blob = Data([0, 1, 2, 255])
            try db.execute(
                "INSERT INTO item (name, score, payload) VALUES (?, ?, ?)", ["requests", 7.5, blob])
            let id = db.lastInsertRowID
            try db.execute(
                "INSERT INTO item (name, score, payload) VALUES (?, ?, ?)", ["empty", SQLiteValue.null, Data()])
            try db.execute("INSERT INTO tag (item_id, tag) VALUES (?, ?)", [id, "http"])

            var rows = try db.query("SELECT id, name, score, payload FROM item ORDER BY id")
            #expect(rows.count == 2)
            #expect(rows[0].int64(0) == id)
            #expect(rows[0].string("name") == "requests")
            #expect(rows[0].double("score") == 7.5)
            #expect(rows[0].data("payload") == blob)
            #expect(rows[1].isNull(2))
            #expect(rows[1].double(2) == nil)
            #expect(rows[1].data(3) == Data())
            #expect(rows[1]["nope"] == nil)

            try db.execute("UPDATE item SET score = ? WHERE name = ?", [9, "requests"])
            #expect(db.changes == 1)
            rows = try db.query("SELECT score FROM item WHERE name = ?", ["requests"])
            #expect(rows.first?.int(0) == 9)

            // Foreign keys are enforced (cascade), and constraints raise errors with the path in the message.
            try db.execute("DELETE FROM item WHERE id = ?", [id])
            #expect(try db.query("SELECT count(*) FROM tag").first?.int(0) == 0)
            #expect(throws: StoreError.self) {
                try db.execute("INSERT INTO tag (item_id, tag) VALUES (?, ?)", [12345, "x"])
            }
            do {
                try db.execute("INSERT INTO item (name) VALUES (?)", ["empty"])
                Issue.record("unique constraint not enforced")
            } catch let error as StoreError {
                #expect(error.description.contains("crud.db"))
                #expect(error.description.contains("UNIQUE"))
                #expect(error.exitStatus == .sourceFailure)
            }
        }
    }

    @Test func preparedStatementReuse() throws {
        try withTempDir { dir in
            let db = try SQLiteDatabase(path: dir + "/prep.db")
            try db.migrate(Self.schema)
            let insert = try db.prepare("INSERT INTO item (name, score) VALUES (?, ?)")
            try db.transaction {
                for i in 0..<1000 { try insert.execute(["pkg\(i)", Double(i)]) }
            }
            let select = try db.prepare("SELECT score FROM item WHERE name = ?")
            #expect(try select.query(["pkg42"]).first?.double(0) == 42)
            #expect(try select.query(["pkg999"]).first?.double(0) == 999)
            try select.bind(["pkg7"])
            #expect(try select.step()?.double(0) == 7)
            #expect(try select.step() == nil)
            select.reset()
            #expect(try select.step()?.double(0) == 7)
            #expect(throws: StoreError.self) { try select.bind(["a", "b"]) }
            #expect(try db.query("SELECT count(*) FROM item").first?.int(0) == 1000)
        }
    }

    @Test func transactionRollsBackOnThrow() throws {
        struct Boom: Error {}
        try withTempDir { dir in
            let db = try SQLiteDatabase(path: dir + "/tx.db")
            try db.migrate(Self.schema)
            try db.execute("INSERT INTO item (name) VALUES ('kept')")
            do {
                try db.transaction {
                    try db.execute("INSERT INTO item (name) VALUES ('lost1')")
                    try db.execute("DELETE FROM item WHERE name = 'kept'")
                    throw Boom()
                }
                Issue.record("transaction did not throw")
            } catch is Boom {}
            // Nested: the inner savepoint rolls back, the outer work commits.
            try db.transaction {
                try db.execute("INSERT INTO item (name) VALUES ('outer')")
                do {
                    try db.transaction {
                        try db.execute("INSERT INTO item (name) VALUES ('inner')")
                        throw Boom()
                    }
                    Issue.record("inner transaction did not throw")
                } catch is Boom {}
            }
            let names = try db.query("SELECT name FROM item ORDER BY name").compactMap { $0.string(0) }
            #expect(names == ["kept", "outer"])
        }
    }

    @Test func migrationsAreIdempotentAndAppendOnly() throws {
        try withTempDir { dir in
            let path = dir + "/mig.db"
            do {
                let db = try SQLiteDatabase(path: path)
                try db.migrate(Self.schema)
                try db.migrate(Self.schema)
                #expect(try db.schemaVersion() == 2)
            }
            let db = try SQLiteDatabase(path: path)
            try db.migrate(Self.schema)
            try db.migrate(Self.schema + ["ALTER TABLE item ADD COLUMN extra TEXT"])
            #expect(try db.schemaVersion() == 3)
            try db.execute("INSERT INTO item (name, extra) VALUES ('x', 'y')")
            // An older build must refuse a newer file rather than guess.
            #expect(throws: StoreError.newerSchema(path: path, version: 3, known: 2)) {
                try db.migrate(Self.schema)
            }
            // A failing migration leaves the version where it was.
            #expect(throws: StoreError.self) {
                try db.migrate(Self.schema + ["ALTER TABLE item ADD COLUMN extra TEXT", "NOT SQL"])
            }
            #expect(try db.schemaVersion() == 3)
        }
    }

    @Test func garbageFileIsSetAsideAndRebuilt() throws {
        try withTempDir { dir in
            let path = dir + "/cache.db"
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            let diagnostics = DiagnosticCollector()
            let clock = FixedClock(Date(timeIntervalSince1970: 1_700_000_000))
            let db = try SQLiteDatabase.openOrRebuild(
                path: path, migrations: Self.schema, diagnostics: diagnostics, clock: clock)
            try db.execute("INSERT INTO item (name) VALUES ('fresh')")
            #expect(try db.query("SELECT count(*) FROM item").first?.int(0) == 1)
            let aside = path + ".corrupt-20231114T221320Z"
            #expect(FileIO.exists(aside))
            #expect(diagnostics.diagnostics.count == 1)
            #expect(diagnostics.diagnostics.first?.level == .warning)
            #expect(diagnostics.diagnostics.first?.message.contains(aside) == true)
        }
    }

    @Test func truncatedDatabaseIsSetAsideAndRebuilt() throws {
        try withTempDir { dir in
            let path = dir + "/trunc.db"
            do {
                let db = try SQLiteDatabase(path: path)
                try db.migrate(Self.schema)
                let insert = try db.prepare("INSERT INTO item (name, payload) VALUES (?, ?)")
                try db.transaction {
                    for i in 0..<2000 { try insert.execute(["n\(i)", Data(repeating: UInt8(i & 0xff), count: 200)]) }
                }
                _ = try db.query("PRAGMA wal_checkpoint(TRUNCATE)")
                db.close()
            }
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            #expect(size > 100_000)
            #expect(truncate(path, off_t(size / 2)) == 0)
            let diagnostics = DiagnosticCollector()
            let db = try SQLiteDatabase.openOrRebuild(
                path: path, migrations: Self.schema, diagnostics: diagnostics)
            #expect(try db.query("SELECT count(*) FROM item").first?.int(0) == 0)
            #expect(diagnostics.diagnostics.contains { $0.level == .warning && $0.message.contains("corrupt-") })
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(leftovers.contains { $0.hasPrefix("trunc.db.corrupt-") })
        }
    }

    @Test func healthyDatabaseIsKept() throws {
        try withTempDir { dir in
            let path = dir + "/ok.db"
            do {
                let db = try SQLiteDatabase(path: path)
                try db.migrate(Self.schema)
                try db.execute("INSERT INTO item (name) VALUES ('keep')")
            }
            let diagnostics = DiagnosticCollector()
            let db = try SQLiteDatabase.openOrRebuild(path: path, migrations: Self.schema, diagnostics: diagnostics)
            #expect(try db.query("SELECT name FROM item").first?.string(0) == "keep")
            #expect(diagnostics.diagnostics.isEmpty)
        }
    }

    @Test func twoConnectionsWriteConcurrently() async throws {
        let dir = try TestPaths.temporaryDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/shared.db"
        let setup = try SQLiteDatabase(path: path)
        try setup.migrate(Self.schema)
        let perWriter = 300
        // Two connections on two threads, each with its own file descriptors and locks, like two processes.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<2 {
                group.addTask {
                    try await runOnThread {
                        let db = try SQLiteDatabase(path: path, busyTimeout: 10)
                        for i in 0..<perWriter {
                            try db.transaction {
                                try db.execute("INSERT INTO item (name) VALUES (?)", ["w\(writer)-\(i)"])
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try setup.query("SELECT count(*) FROM item").first?.int(0) == 2 * perWriter)
    }

    /// Several processes opening the same new cache at the same moment (two gated installs and a monitor): switching
    /// the new file to WAL takes an exclusive lock that SQLite refuses at once instead of waiting; every open must
    /// wait its turn, never fail with "database is locked".
    @Test func manyConnectionsOpenANewFileAtOnce() async throws {
        let dir = try TestPaths.temporaryDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<20 {
            let path = dir.path + "/fresh-\(round).db"
            try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await runOnThread {
                            let db = try SQLiteDatabase(path: path, busyTimeout: 10)
                            return try db.query("PRAGMA journal_mode").first?.string(0)
                        }
                    }
                }
                for try await mode in group {
                    #expect(mode?.lowercased() == "wal")
                }
            }
        }
    }

    @Test func anotherProcessWritesConcurrently() async throws {
        let dir = try TestPaths.temporaryDirectory("sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/multi.db"
        let db = try SQLiteDatabase(path: path, busyTimeout: 10)
        try db.migrate(Self.schema)
        let python = try #require(which("python3", path: "/usr/local/bin:/usr/bin:/bin"))
        // Python's sqlite3 is the same libsqlite3: a second process taking the same WAL locks.
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
            for i in range(300):
                c.execute("BEGIN IMMEDIATE")
                c.execute("INSERT INTO item (name) VALUES (?)", ("py-%d" % i,))
                c.execute("COMMIT")
            print("done")
            """
        async let other = PosixProcessRunner().run(python, ["-c", script, path])
        for i in 0..<300 {
            try db.transaction { try db.execute("INSERT INTO item (name) VALUES (?)", ["swift-\(i)"]) }
        }
        let result = try await other
        #expect(result.exitCode == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        #expect(try db.query("SELECT count(*) FROM item").first?.int(0) == 600)
    }

    @Test func busyWithoutTimeoutIsAClearSourceFailure() throws {
        try withTempDir { dir in
            let path = dir + "/busy.db"
            let holder = try SQLiteDatabase(path: path)
            try holder.migrate(Self.schema)
            let other = try SQLiteDatabase(path: path, busyTimeout: 0)
            try holder.execute("BEGIN IMMEDIATE")
            do {
                try other.execute("INSERT INTO item (name) VALUES ('x')")
                Issue.record("write under a held lock succeeded")
            } catch let error as StoreError {
                #expect(error.isBusy)
                #expect(error.exitStatus == .sourceFailure)
                #expect(error.description.contains("locked"))
            }
            try holder.execute("ROLLBACK")
        }
    }

    @Test func unwritableDirectoryGivesClearError() throws {
        // Root ignores permission bits, so as root use a directory the kernel refuses to anyone.
        let base: String
        var cleanup: String?
        if getuid() == 0 {
            base = "/sys/alterks-\(UUID().uuidString)"
        } else {
            let dir = try TestPaths.temporaryDirectory("sqlite-ro")
            chmod(dir.path, 0o500)
            base = dir.path + "/sub"
            cleanup = dir.path
        }
        defer {
            if let cleanup {
                chmod(cleanup, 0o700)
                try? FileManager.default.removeItem(atPath: cleanup)
            }
        }
        do {
            _ = try SQLiteDatabase(path: base + "/x.db")
            Issue.record("opened a database in an unwritable directory")
        } catch let error as StoreError {
            #expect(error.description.contains(base))
            #expect(error.description.contains("cannot create directory"))
            #expect(error.exitStatus == .sourceFailure)
        }
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        try withTempDir { dir in
            let path = dir + "/ro.db"
            do {
                let db = try SQLiteDatabase(path: path)
                try db.migrate(Self.schema)
            }
            let db = try SQLiteDatabase(path: path, readOnly: true)
            #expect(try db.query("SELECT count(*) FROM item").first?.int(0) == 0)
            do {
                try db.execute("INSERT INTO item (name) VALUES ('x')")
                Issue.record("read-only connection wrote")
            } catch let error as StoreError {
                #expect(error.primaryCode == SQLITE_READONLY_CODE)
                #expect(error.description.contains("read-only"))
            }
            #expect(throws: StoreError.filesystem(path: dir + "/missing.db", message: "no such file")) {
                _ = try SQLiteDatabase(path: dir + "/missing.db", readOnly: true)
            }
        }
    }
}

/// SQLITE_READONLY, without importing CSQLite into the tests.
let SQLITE_READONLY_CODE: Int32 = 8

/// Runs `body` on a fresh thread (blocking SQLite calls stay off the cooperative pool).
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
