import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers that fault the file system for real: a python3 `sqlite3` process holding a database's lock, tmpfs mounts
/// that are read-only or full. Mounting needs root with CAP_SYS_ADMIN (this machine and CI have it); tests that need
/// it are enabled only when a trial mount works.
enum FileSystemFaults {
    /// Runs a program and returns (status, stdout, stderr).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    /// Whether tmpfs mounts work here (tried once).
    static let canMount: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alterks-mount-probe-\(UUID())")
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil else {
            return false
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        guard let (status, _, _) = try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder.path]),
            status == 0
        else { return false }
        _ = try? run("/bin/umount", [folder.path])
        return true
    }()

    /// Mounts a tmpfs of `bytes` at `path` (created); `unmount` it when done.
    static func mountTmpfs(at path: String, bytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let (status, _, error) = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes),mode=0700", "tmpfs", path])
        guard status == 0 else { throw FaultError(message: "mount tmpfs at \(path): \(error)") }
    }

    static func remountReadOnly(_ path: String) throws {
        let (status, _, error) = try run("/bin/mount", ["-o", "remount,ro", path])
        guard status == 0 else { throw FaultError(message: "remount ro \(path): \(error)") }
    }

    static func unmount(_ path: String) {
        _ = try? run("/bin/umount", ["-l", path])
    }

    /// Fills the file system holding `folder` with a filler file until a write fails.
    static func fill(_ folder: String) {
        let path = folder + "/zz-filler"
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        let block = Data(count: 64 << 10)
        while (try? handle.write(contentsOf: block)) != nil {}
        let small = Data(count: 512)
        while (try? handle.write(contentsOf: small)) != nil {}
    }

    /// Fills the file system holding `folder`, then gives back `bytes` (rounded by the file system to its pages):
    /// room for a little, not for everything.
    static func fill(_ folder: String, leaving bytes: Int) {
        fill(folder)
        let path = folder + "/zz-filler"
        guard bytes > 0, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            let handle = FileHandle(forWritingAtPath: path)
        else { return }
        try? handle.truncate(atOffset: UInt64(max(0, size - bytes)))
        try? handle.close()
    }

    /// Gives the space of `fill` back.
    static func unfill(_ folder: String) {
        try? FileManager.default.removeItem(atPath: folder + "/zz-filler")
    }

    /// Total rows over every table of an SQLite file, read by python3's sqlite3 (an independent reader); nil when
    /// the file cannot be read as a database.
    static func rowCount(_ path: String) -> Int? {
        let script = """
            import sqlite3, sys
            c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            tables = [r[0] for r in c.execute("select name from sqlite_master where type='table'")]
            print(sum(c.execute('select count(*) from "%s"' % t).fetchone()[0] for t in tables))
            """
        guard let (status, output, _) = try? run("/usr/bin/python3", ["-c", script, path]), status == 0 else {
            return nil
        }
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

struct FaultError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A python3 process holding `BEGIN EXCLUSIVE` on an SQLite file until `release()`.
final class SQLiteLockHolder {
    private let process = Process()
    private let input = Pipe()

    init(path: String) throws {
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
            c.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.read()
            c.execute("ROLLBACK")
            """
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard String(decoding: line, as: UTF8.self).hasPrefix("locked") else {
            process.terminate()
            throw FaultError(message: "python3 could not lock \(path)")
        }
    }

    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
