import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The disk fills up under a real scan or monitor cycle: a small tmpfs (root with CAP_SYS_ADMIN, as on a CI machine
/// or this one) filled by a filler file. Where mounting is impossible these are skipped; the same faults are also
/// injected without a mount in AlterKitTests (StoreFullTests, FileIOFaultTests) and by `-o /dev/full` below.
@Suite("Hardening: the disk is full")
struct DiskFullTests {
    static let mountReason: Comment = "needs root with CAP_SYS_ADMIN to mount a small tmpfs"

    /// `count` clean pins plus the two vulnerable ones: a scan that has many verdicts to store.
    static func manyPins(_ count: Int) -> String {
        vulnerablePins + (0..<count).map { "clean-package-\($0)==1.0.\($0)\n" }.joined()
    }

    /// The verdict cache has rows and a little room left; a scan with hundreds of new verdicts fills the disk
    /// half-way through storing them. The scan still answers right (exit 1, the vulnerability reported), warns
    /// naming the cache file and the full disk, and every row stored before survives.
    @Test(.enabled(if: FileSystemFaults.canMount, mountReason), .timeLimit(.minutes(10)))
    func verdictCacheFillsUpMidScan() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("small-disk")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 4 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let scenario = try DatabaseFaultTests.Scenario(cacheDirectory: mount + "/cache")
        defer { scenario.finish() }
        #expect(await scenario.scan().status == ExitStatus.findings.rawValue)
        let verdicts = scenario.cacheDirectory + "/" + VerdictCache.fileName
        let rowsBefore = try #require(FileSystemFaults.rowCount(verdicts))
        let many = try scenario.sandbox.write("requirements-many.txt", Self.manyPins(400))
        var arguments = scenario.arguments
        arguments[arguments.firstIndex(of: "-r")! + 1] = many
        // Room for the WAL index and a few pages of log, not for 400 verdicts.
        FileSystemFaults.fill(mount, leaving: 64 << 10)

        let result = await scenario.sandbox.run(arguments)
        FileSystemFaults.unfill(mount)

        #expect(result.status == ExitStatus.findings.rawValue, "\(result.output.prefix(3000))")
        #expect(result.stdout.contains(MiniOSV.vulnerabilityID))
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((report?["results"] as? [Any])?.count == 402)
        #expect(
            result.stderr.contains(VerdictCache.fileName), "no warning names the cache: \(result.stderr.prefix(2000))")
        #expect(result.stderr.contains("full"), "no warning says the disk is full: \(result.stderr.prefix(2000))")
        let rowsAfter = try #require(FileSystemFaults.rowCount(verdicts), "the cache is unreadable after the scan")
        #expect(rowsAfter >= rowsBefore, "rows lost: \(rowsBefore) → \(rowsAfter)")
    }

    /// `-o report.json` on a full disk, over the report of an earlier run: a one-line error naming the file and
    /// the reason, exit 3 (not the scan's 1, and never 0), and the old report untouched — no half-written file in
    /// its place and no temporary file left behind.
    @Test(.enabled(if: FileSystemFaults.canMount, mountReason))
    func reportOnFullDisk() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("small-disk")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 1 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let scenario = try DatabaseFaultTests.Scenario()
        defer { scenario.finish() }
        let reportPath = mount + "/report.json"
        let old = Data(#"{"old": "report of yesterday"}"#.utf8 + [0x0A])
        try old.write(to: URL(fileURLWithPath: reportPath))
        FileSystemFaults.fill(mount)

        let result = await scenario.sandbox.run(scenario.arguments + ["-o", reportPath])

        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output.prefix(3000))")
        #expect(result.stderr.contains("cannot write \(reportPath): No space left on device"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: reportPath)) == old, "the old report was damaged")
        let names = try FileManager.default.contentsOfDirectory(atPath: mount).sorted()
        #expect(names == ["report.json", "zz-filler"], "left behind: \(names)")
    }

    /// The same with no mount at all: `-o /dev/full` fails every write with ENOSPC. Exit 3, the device named, and
    /// /dev/full still a device (renaming a temporary file over it would have replaced it).
    @Test func reportToDevFull() async throws {
        let scenario = try DatabaseFaultTests.Scenario()
        defer { scenario.finish() }

        let result = await scenario.sandbox.run(scenario.arguments + ["-o", "/dev/full"])

        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output.prefix(3000))")
        #expect(result.stderr.contains("cannot write /dev/full: No space left on device"), "\(result.stderr)")
        var info = stat()
        #expect(lstat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/full was replaced")
    }

    /// A monitor cycle whose state commit runs out of disk: exit 3 with a message naming monitor.sqlite and the full
    /// disk, and the state of the previous cycle is all still there.
    @Test(.enabled(if: FileSystemFaults.canMount, mountReason), .timeLimit(.minutes(10)))
    func monitorStateFillsUp() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("small-disk")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 4 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let server = try LoopbackHTTPServer(recordsRequests: false, handler: try MiniOSV.handler())
        defer { server.stop() }
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
        let requirements = try sandbox.write("requirements.txt", Self.manyPins(300))
        let stateDirectory = mount + "/state"
        let arguments = [
            "monitor", "--once", "--config", config, "-r", requirements, "--state-dir", stateDirectory,
            "--cache-dir", sandbox.path("cache"),
        ]
        let first = await sandbox.run(arguments)
        #expect(first.status == ExitStatus.findings.rawValue, "\(first.output.prefix(3000))")
        let database = stateDirectory + "/monitor.sqlite"
        let rowsBefore = try #require(FileSystemFaults.rowCount(database))
        // Room for the WAL index and a page or two: not for 300 verdicts.
        FileSystemFaults.fill(mount, leaving: 40 << 10)

        let second = await sandbox.run(arguments)
        FileSystemFaults.unfill(mount)

        #expect(second.status == ExitStatus.sourceFailure.rawValue, "\(second.output.prefix(3000))")
        #expect(second.stderr.contains("monitor.sqlite"), "\(second.stderr.prefix(2000))")
        #expect(second.stderr.contains("full"), "\(second.stderr.prefix(2000))")
        #expect(FileSystemFaults.rowCount(database) == rowsBefore, "the failed cycle changed the state")
        // With room again, the cycle runs and is recorded.
        let third = await sandbox.run(arguments)
        #expect(third.status == ExitStatus.clean.rawValue, "\(third.output.prefix(3000))")
        #expect((FileSystemFaults.rowCount(database) ?? 0) > rowsBefore, "the next cycle was not recorded")
    }

    /// The monitor's JSON Lines file is on a full disk, its last page almost used up: the append is cut short by
    /// the file system. The fragment is removed again (the file is exactly what it was), the report stays in the
    /// outbox, and the cycle is not clean.
    @Test(.enabled(if: FileSystemFaults.canMount, mountReason))
    func monitorJSONLinesOnFullDisk() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let mount = sandbox.path("small-disk")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 1 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let server = try LoopbackHTTPServer(handler: try MiniOSV.handler())
        defer { server.stop() }
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
        let requirements = try sandbox.write("requirements.txt", "six==1.16.0\n")
        // One earlier report, ending 200 bytes before a page boundary: the new line fits only in part.
        let padding = String(repeating: "x", count: 4096 - 200 - #"{"old": ""}"#.utf8.count - 1)
        let old = Data(#"{"old": "\#(padding)"}"#.utf8 + [0x0A])
        #expect(old.count == 4096 - 200)
        let jsonl = mount + "/monitor.jsonl"
        try old.write(to: URL(fileURLWithPath: jsonl))
        FileSystemFaults.fill(mount)

        let result = await sandbox.run([
            "monitor", "--once", "--config", config, "-r", requirements, "--state-dir", sandbox.path("state"),
            "--cache-dir", sandbox.path("cache"), "--json-output", jsonl,
        ])
        FileSystemFaults.unfill(mount)

        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output.prefix(3000))")
        #expect(result.stderr.contains(jsonl), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: jsonl)) == old, "a fragment was left in the file")
        // Room again: the kept report is delivered whole.
        let again = await sandbox.run([
            "monitor", "--once", "--config", config, "-r", requirements, "--state-dir", sandbox.path("state"),
            "--cache-dir", sandbox.path("cache"), "--json-output", jsonl,
        ])
        #expect(again.status == ExitStatus.clean.rawValue, "\(again.output.prefix(3000))")
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }
}
