import AlterCore
import AlterSystem
import CSQLite
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failure of the local database. Names the file and carries SQLite's (extended) result code and message.
package enum StoreError: AlterKSError, Equatable {
    /// SQLite refused an operation on the database at `path`.
    case sqlite(path: String, code: Int32, message: String)
    /// The database file or its directory could not be created or opened at the file-system level.
    case filesystem(path: String, message: String)
    /// The file was written by a newer AlterKS (more migrations than this build knows).
    case newerSchema(path: String, version: Int, known: Int)

    /// The local store could not answer: every store failure ends a command as a source failure (3), never clean.
    package var exitStatus: ExitStatus { .sourceFailure }

    /// SQLite's primary result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`…), when SQLite produced the error.
    package var primaryCode: Int32? {
        if case .sqlite(_, let code, _) = self { return code & 0xff }
        return nil
    }

    /// The database is damaged or is not a database at all.
    package var isCorruption: Bool {
        primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB
    }

    /// Another connection held the lock for longer than the busy timeout.
    package var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    package var description: String {
        switch self {
        case .sqlite(let path, let code, let message):
            let primary = code & 0xff
            let hint: String
            switch primary {
            case SQLITE_BUSY, SQLITE_LOCKED:
                hint = " (the database is locked by another process; try again)"
            case SQLITE_READONLY:
                hint = " (the file or its directory is read-only)"
            case SQLITE_CANTOPEN:
                hint = " (check that the directory exists and is writable)"
            case SQLITE_FULL:
                hint = " (the disk is full)"
            default:
                hint = ""
            }
            return "database \(path): \(message) [sqlite \(code)]\(hint)"
        case .filesystem(let path, let message):
            return "database \(path): \(message)"
        case .newerSchema(let path, let version, let known):
            return "database \(path): schema version \(version) is newer than this alterks knows (\(known)); "
                + "upgrade alterks or remove the file"
        }
    }
}

/// One SQLite value, as stored.
package enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null
}

/// Anything that can be bound to a statement parameter.
package protocol SQLiteBindable {
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteBindable {
    package var sqliteValue: SQLiteValue { self }
}
extension Int: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Int64: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .integer(self) }
}
extension Int32: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Bool: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}
extension Double: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .real(self) }
}
extension String: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .text(self) }
}
extension Data: SQLiteBindable {
    package var sqliteValue: SQLiteValue { .blob(self) }
}
extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    package var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

/// One result row. Typed accessors return nil for NULL; integers and reals convert to each other, text and
/// blobs to each other (UTF-8); any other mismatch is nil too, so read columns with the type you stored.
package struct Row: Sendable, Hashable {
    /// The values, in column order.
    package var values: [SQLiteValue]
    /// The column names, in order.
    package var columns: [String]

    package subscript(_ index: Int) -> SQLiteValue { values[index] }

    /// The value of the column named `name` (case-sensitive), nil if there is no such column.
    package subscript(_ name: String) -> SQLiteValue? {
        columns.firstIndex(of: name).map { values[$0] }
    }

    package func isNull(_ index: Int) -> Bool { values[index] == .null }

    package func int64(_ index: Int) -> Int64? {
        switch values[index] {
        case .integer(let v): v
        case .real(let v): Int64(exactly: v)
        default: nil
        }
    }

    package func int(_ index: Int) -> Int? { int64(index).map { Int($0) } }

    package func double(_ index: Int) -> Double? {
        switch values[index] {
        case .integer(let v): Double(v)
        case .real(let v): v
        default: nil
        }
    }

    package func string(_ index: Int) -> String? {
        switch values[index] {
        case .text(let v): v
        case .blob(let v): String(data: v, encoding: .utf8)
        default: nil
        }
    }

    package func data(_ index: Int) -> Data? {
        switch values[index] {
        case .blob(let v): v
        case .text(let v): Data(v.utf8)
        default: nil
        }
    }

    package func int64(_ name: String) -> Int64? { columns.firstIndex(of: name).flatMap { int64($0) } }
    package func int(_ name: String) -> Int? { columns.firstIndex(of: name).flatMap { int($0) } }
    package func double(_ name: String) -> Double? { columns.firstIndex(of: name).flatMap { double($0) } }
    package func string(_ name: String) -> String? { columns.firstIndex(of: name).flatMap { string($0) } }
    package func data(_ name: String) -> Data? { columns.firstIndex(of: name).flatMap { data($0) } }
}

/// How much checking `openOrRebuild` does before trusting an existing file.
package enum IntegrityCheck: Sendable {
    /// Only what opening and reading the schema notice (garbage header, not a database).
    case header
    /// `PRAGMA quick_check`: also finds truncated files and broken b-trees; linear in the file's size.
    case quick
}

/// One connection to one SQLite file. All access is serialised by a lock, so one instance may be shared by
/// tasks; for parallel readers open several. WAL mode, foreign keys on, a busy timeout so that several
/// processes can write (each waits for the other's transaction instead of failing).
package final class SQLiteDatabase: @unchecked Sendable {
    /// The file's path (":memory:" for an in-memory database).
    package let path: String
    let lock = NSRecursiveLock()
    private(set) var handle: OpaquePointer?

    /// Opens (creating if needed, unless `readOnly`) the database at `path`. A new file is created 0600; a missing
    /// parent directory is created 0700 (existing directories are never touched).
    package init(path: String, readOnly: Bool = false, busyTimeout: Double = 5) throws {
        self.path = path
        if path != ":memory:" && !readOnly {
            try Self.prepareFile(path)
        }
        var db: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            if readOnly && !FileIO.exists(path) {
                throw StoreError.filesystem(path: path, message: "no such file")
            }
            throw StoreError.sqlite(path: path, code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(max(0, min(busyTimeout * 1000, Double(Int32.max)))))
        do {
            if !readOnly && path != ":memory:" {
                let mode = try switchToWAL(busyTimeout: busyTimeout)
                if mode != "wal" {
                    throw StoreError.sqlite(
                        path: path, code: SQLITE_ERROR,
                        message: "could not switch to WAL mode (got \(mode ?? "nothing"))")
                }
                try execute("PRAGMA synchronous=NORMAL")
            }
            try execute("PRAGMA foreign_keys=ON")
        } catch {
            sqlite3_close_v2(handle)
            handle = nil
            throw error
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// `PRAGMA journal_mode=WAL`, retried while another process holds the file. Changing the journal mode needs an
    /// exclusive lock, and SQLite answers SQLITE_BUSY at once — without its busy handler — when two processes open a
    /// new or rolled-back file at the same moment; so the open waits here, up to `busyTimeout`, like any write does.
    private func switchToWAL(busyTimeout: Double) throws -> String? {
        let deadline = Date().addingTimeInterval(max(0, busyTimeout))
        var pause: useconds_t = 1_000
        while true {
            do {
                return try query("PRAGMA journal_mode=WAL").first?.string(0)?.lowercased()
            } catch StoreError.sqlite(_, let code, _) where code & 0xff == SQLITE_BUSY && Date() < deadline {
                usleep(pause)
                pause = min(pause * 2, 50_000)
            }
        }
    }

    /// Closes the connection now (also done on deinit). Later calls fail with SQLITE_MISUSE.
    package func close() {
        lock.lock()
        defer { lock.unlock() }
        sqlite3_close_v2(handle)
        handle = nil
    }

    /// Creates the parent directory (0700, only if missing) and an empty file with mode 0600 if there is none,
    /// so SQLite never creates it with the umask's wider default. The -wal and -shm files copy the mode.
    private static func prepareFile(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileIO.ensurePrivateDirectory(parent)
            } catch let error as FileIOError {
                throw StoreError.filesystem(path: path, message: error.description)
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)
            Glibc.close(fd)
            return
        }
        let code = errno
        if code == EEXIST { return }
        let reason = code == EROFS ? "the file system is read-only" : systemErrorMessage(code)
        throw StoreError.filesystem(path: path, message: "cannot create the file: \(reason)")
    }

    // MARK: - Errors

    func error(_ rc: Int32, sql: String? = nil) -> StoreError {
        var message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        // "unable to open database file" is all SQLite says when it cannot create the -wal/-shm next to a file on a
        // read-only mount; say why.
        if rc & 0xff == SQLITE_CANTOPEN && Self.isOnReadOnlyFileSystem(path) {
            message += ": the file system is read-only"
        }
        if let sql {
            let short = sql.count > 80 ? String(sql.prefix(77)) + "..." : sql
            message += " (in: \(short))"
        }
        return StoreError.sqlite(path: path, code: rc, message: message)
    }

    static func isOnReadOnlyFileSystem(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        var info = statvfs()
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return false }
        return info.f_flag & UInt(ST_RDONLY) != 0
    }

    // MARK: - Running SQL

    /// Runs every statement in `sql`. `bindings` are allowed only when `sql` is a single statement.
    package func execute(_ sql: String, _ bindings: [any SQLiteBindable] = []) throws {
        lock.lock()
        defer { lock.unlock() }
        try forEachStatement(sql, bindings: bindings) { statement in
            while try statement.stepRaw() {}
        }
    }

    /// Runs one statement (or several, the rows of the last one are returned) and collects its rows.
    package func query(_ sql: String, _ bindings: [any SQLiteBindable] = []) throws -> [Row] {
        lock.lock()
        defer { lock.unlock() }
        var rows: [Row] = []
        try forEachStatement(sql, bindings: bindings) { statement in
            rows = []
            while let row = try statement.step() { rows.append(row) }
        }
        return rows
    }

    private func forEachStatement(
        _ sql: String, bindings: [any SQLiteBindable], _ body: (Statement) throws -> Void
    ) throws {
        guard handle != nil else { throw error(SQLITE_MISUSE, sql: sql) }
        var utf8 = Array(sql.utf8CString)
        var count = 0
        try utf8.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafePointer<CChar>? = UnsafePointer(buffer.baseAddress!)
            while let current = cursor, current.pointee != 0 {
                var raw: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, current, -1, &raw, &tail)
                if rc != SQLITE_OK { throw error(rc, sql: sql) }
                cursor = tail
                guard let raw else { continue }  // whitespace or a comment
                count += 1
                let statement = Statement(database: self, raw: raw, sql: sql)
                if !bindings.isEmpty {
                    if count > 1 {
                        throw StoreError.sqlite(
                            path: path, code: SQLITE_MISUSE,
                            message: "bindings given for a script of several statements (in: \(sql.prefix(80)))")
                    }
                    try statement.bind(bindings)
                }
                try body(statement)
            }
        }
    }

    /// Compiles `sql` (one statement) once, for reuse in hot loops: bind, step, reset.
    package func prepare(_ sql: String) throws -> Statement {
        lock.lock()
        defer { lock.unlock() }
        guard handle != nil else { throw error(SQLITE_MISUSE, sql: sql) }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        if rc != SQLITE_OK { throw error(rc, sql: sql) }
        guard let raw else {
            throw StoreError.sqlite(path: path, code: SQLITE_MISUSE, message: "no statement in: \(sql.prefix(80))")
        }
        return Statement(database: self, raw: raw, sql: sql)
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`, so the write lock is taken up front and a busy
    /// database waits for the busy timeout instead of failing half-way). Commits when `body` returns, rolls
    /// back when it throws. Nested calls use savepoints.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { throw error(SQLITE_MISUSE) }
        if sqlite3_get_autocommit(handle) == 0 {
            let name = "alterks_sp_\(UInt64.random(in: 0...UInt64.max))"
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                try execute("RELEASE \(name)")
                return result
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 {
                try? execute("ROLLBACK")
            }
            throw error
        }
    }

    /// The rowid of the last successful INSERT on this connection.
    package var lastInsertRowID: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE on this connection.
    package var changes: Int {
        lock.lock()
        defer { lock.unlock() }
        return Int(sqlite3_changes64(handle))
    }

    // MARK: - Schema

    /// `PRAGMA user_version`: how many migrations have been applied.
    package func schemaVersion() throws -> Int {
        try query("PRAGMA user_version").first?.int(0) ?? 0
    }

    /// Applies the migrations this file has not seen yet, each in its own transaction together with the bump of
    /// `PRAGMA user_version`. Migrations are append-only: never edit or reorder a published one, add a new one.
    /// Fails with `.newerSchema` when the file has more than `migrations.count` applied.
    package func migrate(_ migrations: [String]) throws {
        lock.lock()
        defer { lock.unlock() }
        let current = try schemaVersion()
        if current > migrations.count {
            throw StoreError.newerSchema(path: path, version: current, known: migrations.count)
        }
        for index in current..<migrations.count {
            try transaction {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                guard try schemaVersion() == index else { return }
                try execute(migrations[index])
                try execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// `PRAGMA quick_check`; throws a corruption error naming the first problem when the file is damaged.
    package func quickCheck() throws {
        let rows = try query("PRAGMA quick_check(1)")
        let answer = rows.first?.string(0) ?? "no answer"
        if answer != "ok" {
            throw StoreError.sqlite(path: path, code: SQLITE_CORRUPT, message: "integrity check failed: \(answer)")
        }
    }

    // MARK: - Recovery

    /// Opens the database at `path` and applies `migrations`. If the file is damaged (SQLITE_CORRUPT,
    /// SQLITE_NOTADB, or a failed `quick_check` with `.quick`), moves it — and its -wal/-shm — aside to
    /// `<name>.corrupt-<UTC timestamp>`, emits a warning, and starts a fresh file. Other errors (locked,
    /// read-only, permissions) are thrown: those are not the file's fault and deleting would lose data.
    package static func openOrRebuild(
        path: String, migrations: [String], diagnostics: any DiagnosticSink, check: IntegrityCheck = .quick,
        busyTimeout: Double = 5, clock: any WallClock = SystemClock()
    ) throws -> SQLiteDatabase {
        do {
            let db = try SQLiteDatabase(path: path, busyTimeout: busyTimeout)
            do {
                if check == .quick { try db.quickCheck() }
                try db.migrate(migrations)
                return db
            } catch {
                db.close()
                throw error
            }
        } catch let error as StoreError where error.isCorruption {
            let aside = try setAside(path: path, clock: clock)
            diagnostics.warning("\(error.description); moved it aside to \(aside) and started a fresh database")
            let db = try SQLiteDatabase(path: path, busyTimeout: busyTimeout)
            try db.migrate(migrations)
            return db
        }
    }

    /// Renames the damaged file and its WAL companions; a stale WAL must never be replayed into the new file.
    private static func setAside(path: String, clock: any WallClock) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var target = "\(path).corrupt-\(formatter.string(from: clock.now()))"
        var counter = 1
        while FileIO.exists(target) {
            counter += 1
            target = "\(path).corrupt-\(formatter.string(from: clock.now()))-\(counter)"
        }
        if rename(path, target) != 0 {
            throw StoreError.filesystem(
                path: path, message: "damaged, and cannot be moved aside: \(systemErrorMessage(errno))")
        }
        for suffix in ["-wal", "-shm", "-journal"] where FileIO.exists(path + suffix) {
            if rename(path + suffix, target + suffix) != 0 {
                unlink(path + suffix)
            }
        }
        return target
    }
}

/// A compiled statement, reusable: `bind`, then `step` until nil (or `execute`), then `reset` (done for you by
/// `bind`, `execute` and `query`). Uses its database's lock; keep it on the task that made it for hot loops.
package final class Statement: @unchecked Sendable {
    let database: SQLiteDatabase
    private var raw: OpaquePointer?
    /// The SQL text, for error messages.
    package let sql: String

    init(database: SQLiteDatabase, raw: OpaquePointer, sql: String) {
        self.database = database
        self.raw = raw
        self.sql = sql
    }

    deinit {
        database.lock.lock()
        sqlite3_finalize(raw)
        database.lock.unlock()
    }

    /// Resets the statement and binds `values` to parameters 1…n (`?` or `?NNN`).
    package func bind(_ values: [any SQLiteBindable]) throws {
        database.lock.lock()
        defer { database.lock.unlock() }
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
        let expected = Int(sqlite3_bind_parameter_count(raw))
        if values.count != expected {
            throw StoreError.sqlite(
                path: database.path, code: SQLITE_RANGE,
                message: "\(values.count) values bound to \(expected) parameters (in: \(sql.prefix(80)))")
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value.sqliteValue {
            case .integer(let v): rc = sqlite3_bind_int64(raw, index, v)
            case .real(let v): rc = sqlite3_bind_double(raw, index, v)
            case .null: rc = sqlite3_bind_null(raw, index)
            case .text(let v):
                var text = v
                rc = text.withUTF8 { buffer in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        return "".withCString { alterks_sqlite3_bind_text_transient(raw, index, $0, 0) }
                    }
                    return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                        alterks_sqlite3_bind_text_transient(raw, index, $0, Int32(buffer.count))
                    }
                }
            case .blob(let v):
                if v.isEmpty {
                    rc = sqlite3_bind_zeroblob(raw, index, 0)
                } else {
                    rc = v.withUnsafeBytes { buffer in
                        alterks_sqlite3_bind_blob_transient(raw, index, buffer.baseAddress!, Int32(buffer.count))
                    }
                }
            }
            if rc != SQLITE_OK { throw database.error(rc, sql: sql) }
        }
    }

    /// Advances one row; returns it, or nil when the statement is done.
    package func step() throws -> Row? {
        database.lock.lock()
        defer { database.lock.unlock() }
        guard try stepRaw() else { return nil }
        let count = sqlite3_column_count(raw)
        var values: [SQLiteValue] = []
        var columns: [String] = []
        values.reserveCapacity(Int(count))
        columns.reserveCapacity(Int(count))
        for i in 0..<count {
            columns.append(String(cString: sqlite3_column_name(raw, i)))
            switch sqlite3_column_type(raw, i) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(raw, i)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(raw, i)))
            case SQLITE_TEXT:
                let bytes = sqlite3_column_text(raw, i)
                let length = Int(sqlite3_column_bytes(raw, i))
                if let bytes {
                    values.append(
                        .text(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)))
                } else {
                    values.append(.text(""))
                }
            case SQLITE_BLOB:
                let length = Int(sqlite3_column_bytes(raw, i))
                if let bytes = sqlite3_column_blob(raw, i), length > 0 {
                    values.append(.blob(Data(bytes: bytes, count: length)))
                } else {
                    values.append(.blob(Data()))
                }
            default: values.append(.null)
            }
        }
        return Row(values: values, columns: columns)
    }

    /// Steps without building a row; true while rows remain.
    func stepRaw() throws -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(rc, sql: sql)
            sqlite3_reset(raw)
            throw error
        }
    }

    /// Rewinds the statement so it can run again (bindings kept).
    package func reset() {
        database.lock.lock()
        sqlite3_reset(raw)
        database.lock.unlock()
    }

    /// Binds `values`, runs to completion, and resets.
    package func execute(_ values: [any SQLiteBindable] = []) throws {
        database.lock.lock()
        defer { database.lock.unlock() }
        try bind(values)
        defer { sqlite3_reset(raw) }
        while try stepRaw() {}
    }

    /// Binds `values`, collects every row, and resets.
    package func query(_ values: [any SQLiteBindable] = []) throws -> [Row] {
        database.lock.lock()
        defer { database.lock.unlock() }
        try bind(values)
        defer { sqlite3_reset(raw) }
        var rows: [Row] = []
        while let row = try step() { rows.append(row) }
        return rows
    }
}
