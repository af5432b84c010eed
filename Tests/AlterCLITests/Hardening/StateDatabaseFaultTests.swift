import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The monitor's state database held by another process or on a read-only file system: the cycle cannot be
/// recorded, so it fails loudly (exit 3, a line naming monitor.sqlite) and the recorded state is untouched.
@Suite("Hardening: the monitor state database unusable")
struct StateDatabaseFaultTests {
    struct Scenario {
        let sandbox: HardeningSandbox
        let server: LoopbackHTTPServer
        let stateDirectory: String

        init(stateDirectory: String? = nil) throws {
            sandbox = try HardeningSandbox()
            server = try LoopbackHTTPServer(handler: try MiniOSV.handler())
            self.stateDirectory = stateDirectory ?? sandbox.path("state")
        }

        var database: String { stateDirectory + "/monitor.sqlite" }

        func cycle() async throws -> CLIResult {
            let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
            let requirements = try sandbox.write("requirements.txt", vulnerablePins)
            return await sandbox.run([
                "monitor", "--once", "--config", config, "-r", requirements, "--state-dir", stateDirectory,
                "--cache-dir", sandbox.path("cache"),
            ])
        }

        func finish() {
            server.stop()
            sandbox.remove()
        }
    }

    /// Another process holds the write lock past the busy timeout: exit 3, "locked" and the file named; once the
    /// lock is gone the next cycle is recorded and nothing was lost.
    @Test(.timeLimit(.minutes(10)))
    func stateLockedByAnotherProcess() async throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        let first = try await scenario.cycle()
        #expect(first.status == ExitStatus.findings.rawValue, "\(first.output.prefix(3000))")
        let rowsBefore = try #require(FileSystemFaults.rowCount(scenario.database))
        let holder = try SQLiteLockHolder(path: scenario.database)

        let second = try await scenario.cycle()
        holder.release()

        #expect(second.status == ExitStatus.sourceFailure.rawValue, "\(second.output.prefix(3000))")
        #expect(second.stderr.contains("monitor.sqlite"), "\(second.stderr)")
        #expect(second.stderr.contains("locked"), "\(second.stderr)")
        #expect(FileSystemFaults.rowCount(scenario.database) == rowsBefore, "the state changed under the lock")
        let third = try await scenario.cycle()
        #expect(third.status == ExitStatus.clean.rawValue, "\(third.output.prefix(3000))")
        #expect((FileSystemFaults.rowCount(scenario.database) ?? 0) > rowsBefore)
    }

    /// The state folder's file system is remounted read-only: exit 3 naming the database, the file byte for byte
    /// as it was.
    @Test(.enabled(if: FileSystemFaults.canMount, DiskFullTests.mountReason))
    func stateOnReadOnlyFileSystem() async throws {
        let outer = try HardeningSandbox()
        defer { outer.remove() }
        let mount = outer.path("ro-state")
        try FileSystemFaults.mountTmpfs(at: mount, bytes: 8 << 20)
        defer { FileSystemFaults.unmount(mount) }
        let scenario = try Scenario(stateDirectory: mount + "/state")
        defer { scenario.finish() }
        let first = try await scenario.cycle()
        #expect(first.status == ExitStatus.findings.rawValue, "\(first.output.prefix(3000))")
        let before = try Data(contentsOf: URL(fileURLWithPath: scenario.database))
        try FileSystemFaults.remountReadOnly(mount)

        let second = try await scenario.cycle()

        #expect(second.status == ExitStatus.sourceFailure.rawValue, "\(second.output.prefix(3000))")
        #expect(second.stderr.contains("monitor.sqlite"), "\(second.stderr)")
        #expect(second.stderr.lowercased().contains("read-only"), "\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scenario.database)) == before)
    }
}
