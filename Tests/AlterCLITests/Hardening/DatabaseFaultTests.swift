import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The SQLite files a scan keeps, damaged or made unusable in every way we can make real: the scan still gives the
/// right answer (or fails loudly, never "clean"), and nothing already on disk that matters is lost.
@Suite("Hardening: damaged and unusable databases")
struct DatabaseFaultTests {
    /// The caches a scan keeps in its cache folder.
    static let cacheFiles = [VerdictCache.fileName, AdvisoryCache.fileName]

    /// A sandbox, the small OSV double and the arguments of a scan that must find PYSEC-2018-66.
    struct Scenario {
        let sandbox: HardeningSandbox
        let server: LoopbackHTTPServer
        let arguments: [String]
        let cacheDirectory: String

        init(cacheDirectory: String? = nil) throws {
            sandbox = try HardeningSandbox()
            server = try LoopbackHTTPServer(handler: try MiniOSV.handler())
            let requirements = try sandbox.write("requirements.txt", vulnerablePins)
            let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
            self.cacheDirectory = cacheDirectory ?? sandbox.path("cache")
            arguments = [
                "scan", "--no-deps", "--config", config, "-r", requirements, "--no-heuristics", "--format", "json",
                "--cache-dir", self.cacheDirectory,
            ]
        }

        func scan() async -> CLIResult { await sandbox.run(arguments) }

        func finish() {
            server.stop()
            sandbox.remove()
        }
    }

    private func expectRightAnswer(_ result: CLIResult, _ context: String) {
        #expect(result.status == ExitStatus.findings.rawValue, "\(context): \(result.output.prefix(3000))")
        #expect(result.stdout.contains(MiniOSV.vulnerabilityID), "\(context): the vulnerability is missing")
    }

    @Test(arguments: cacheFiles)
    func garbageCacheFile(_ name: String) async throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        var generator = SeededGenerator(seed: 42)
        let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try FileManager.default.createDirectory(atPath: scenario.cacheDirectory, withIntermediateDirectories: true)
        try garbage.write(to: URL(fileURLWithPath: scenario.cacheDirectory + "/" + name))

        let result = await scenario.scan()

        expectRightAnswer(result, "garbage \(name)")
        #expect(result.stderr.contains(name), "no warning names \(name): \(result.stderr)")
    }

    @Test(arguments: cacheFiles)
    func truncatedCacheFile(_ name: String) async throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        expectRightAnswer(await scenario.scan(), "first scan")
        let path = scenario.cacheDirectory + "/" + name
        try checkpoint(path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size > 4096, "\(name) was not written by the first scan")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()

        expectRightAnswer(await scenario.scan(), "truncated \(name)")
    }

    /// Another process holds `BEGIN EXCLUSIVE` on the cache: the scan waits its busy timeout at most, answers
    /// right, and the other process's data is intact afterwards.
    @Test(.timeLimit(.minutes(10)), arguments: cacheFiles)
    func cacheLockedByAnotherProcess(_ name: String) async throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        expectRightAnswer(await scenario.scan(), "first scan")
        let path = scenario.cacheDirectory + "/" + name
        let rowsBefore = try #require(FileSystemFaults.rowCount(path), "\(name) unreadable after the first scan")
        let holder = try SQLiteLockHolder(path: path)

        // A fresh verdict is needed, so change the answer's key: a second requirements file with another pin.
        let other = try scenario.sandbox.write("requirements-2.txt", "flask==0.12.1\n")
        var arguments = scenario.arguments
        arguments[arguments.firstIndex(of: "-r")! + 1] = other
        let result = await scenario.sandbox.run(arguments)
        holder.release()

        expectRightAnswer(result, "locked \(name)")
        let rowsAfter = try #require(FileSystemFaults.rowCount(path), "\(name) unreadable after the lock")
        #expect(rowsAfter >= rowsBefore, "rows lost: \(rowsBefore) → \(rowsAfter)")
    }

    /// The cache folder is on a read-only file system (a remounted tmpfs; chmod means nothing to root).
    @Test(.enabled(if: FileSystemFaults.canMount))
    func cacheOnReadOnlyFileSystem() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("ro-cache")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 32 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let scenario = try Scenario(cacheDirectory: mount + "/cache")
        defer { scenario.finish() }
        expectRightAnswer(await scenario.scan(), "first scan")
        let verdicts = scenario.cacheDirectory + "/" + VerdictCache.fileName
        try checkpoint(verdicts)
        let before = try Data(contentsOf: URL(fileURLWithPath: verdicts))
        try FileSystemFaults.remountReadOnly(mount)

        let result = await scenario.scan()

        expectRightAnswer(result, "read-only cache")
        #expect(try Data(contentsOf: URL(fileURLWithPath: verdicts)) == before)
    }

    /// The cache folder's file system is full.
    @Test(.enabled(if: FileSystemFaults.canMount))
    func cacheOnFullFileSystem() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("full-cache")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 1 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let scenario = try Scenario(cacheDirectory: mount + "/cache")
        defer { scenario.finish() }
        try FileManager.default.createDirectory(atPath: scenario.cacheDirectory, withIntermediateDirectories: true)
        FileSystemFaults.fill(mount)

        let result = await scenario.scan()

        expectRightAnswer(result, "full disk")
    }

    // MARK: The offline database: data, not a cache

    /// Garbage where the offline database should be: it is set aside (kept, not deleted) with a warning, a fresh
    /// one is seeded from the bundled snapshot, and `scan --offline` answers from it — right, never an empty "clean".
    @Test func garbageOfflineDatabase() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let garbage = Data(repeating: 0x5A, count: 16_384)
        try FileManager.default.createDirectory(atPath: sandbox.dataDirectory, withIntermediateDirectories: true)
        try garbage.write(to: URL(fileURLWithPath: sandbox.dataDirectory + "/" + OfflineDatabase.fileName))
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)

        let result = await sandbox.run(["scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics"])

        expectRightAnswer(result, "garbage offline database")
        #expect(result.stderr.contains(OfflineDatabase.fileName), "no warning names the database: \(result.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: sandbox.dataDirectory).contains { name in
            (try? Data(contentsOf: URL(fileURLWithPath: sandbox.dataDirectory + "/" + name))) == garbage
        }
        #expect(kept, "the damaged database was deleted")
    }

    /// No offline database yet: seeded from the bundled snapshot, and the scan finds what that snapshot knows.
    @Test func missingOfflineDatabase() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)

        let result = await sandbox.run(["scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics"])

        expectRightAnswer(result, "no offline database")
    }

    /// Garbage in a data folder on a read-only file system: it can be neither set aside nor rebuilt. The scan
    /// answers from the bundled data or fails (3) — never "clean" — and the damaged file is untouched.
    @Test(.enabled(if: FileSystemFaults.canMount))
    func garbageOfflineDatabaseOnReadOnlyFileSystem() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.environment["XDG_DATA_HOME"]!
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 4 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let garbage = Data(repeating: 0x5A, count: 16_384)
        try FileManager.default.createDirectory(atPath: sandbox.dataDirectory, withIntermediateDirectories: true)
        let path = sandbox.dataDirectory + "/" + OfflineDatabase.fileName
        try garbage.write(to: URL(fileURLWithPath: path))
        try FileSystemFaults.remountReadOnly(mount)
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)

        let result = await sandbox.run(["scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics"])

        #expect(
            result.status == ExitStatus.sourceFailure.rawValue
                || (result.status == ExitStatus.findings.rawValue
                    && result.stdout.contains(MiniOSV.vulnerabilityID)),
            "\(result.output.prefix(3000))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    /// An import that runs out of disk half-way leaves the database it had: a scan afterwards still finds what the
    /// first import brought.
    @Test(.enabled(if: FileSystemFaults.canMount), .timeLimit(.minutes(10)))
    func offlineImportOnFullDisk() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.environment["XDG_DATA_HOME"]!
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 96 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let archive = TestPaths.osvZip.path
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)
        let first = await sandbox.run(["db", "import", archive])
        #expect(first.status == 0, "\(first.output)")
        let database = sandbox.dataDirectory + "/" + OfflineDatabase.fileName
        try checkpoint(database)
        let rowsBefore = try #require(FileSystemFaults.rowCount(database))
        FileSystemFaults.fill(mount)

        // A second import of the same data into a full disk: whatever it says, it must not be 0 if it failed, and
        // the data must survive.
        let second = await sandbox.run(["db", "import", archive])
        try? FileManager.default.removeItem(atPath: mount + "/zz-filler")

        if second.status != 0 {
            #expect(!second.stderr.isEmpty, "a failed import said nothing")
        }
        #expect(FileSystemFaults.rowCount(database).map { $0 >= rowsBefore } == true, "rows lost")
        let scan = await sandbox.run([
            "scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics", "--format", "json",
        ])
        #expect(scan.status == ExitStatus.findings.rawValue, "\(scan.output.prefix(3000))")
        #expect(scan.stdout.contains("PYSEC-2018-66"))
    }

    /// Folds the WAL into the main file so that byte-level damage hits real data.
    private func checkpoint(_ path: String) throws {
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            """
        let (status, _, error) = try FileSystemFaults.run("/usr/bin/python3", ["-c", script, path])
        if status != 0 { throw FaultError(message: "checkpoint \(path): \(error)") }
    }
}
