import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// Holds every OSV batch request until `parties` of them have arrived, then lets them all through together: the
/// processes are then all between their lookup and their cache writes at the same moment — no sleeps. A party that
/// never comes releases the others after `limit` seconds and is recorded, so a broken run fails instead of hanging.
final class RequestBarrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private let limit: Double
    private var arrived = 0
    private(set) var timedOut = false

    init(parties: Int, limit: Double = 90) {
        self.parties = parties
        self.limit = limit
    }

    func arrive() {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        if arrived >= parties {
            condition.broadcast()
            return
        }
        let deadline = Date().addingTimeInterval(limit)
        while arrived < parties {
            if !condition.wait(until: deadline) {
                timedOut = true
                return
            }
        }
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return arrived
    }
}

/// A real process started now, its output going to files (no pipe to drain while the others run).
struct RunningProcess {
    let process = Process()
    let stdout: URL
    let stderr: URL

    init(_ executable: String, _ arguments: [String], environment: [String: String], directory: URL, label: String)
        throws
    {
        stdout = directory.appendingPathComponent("\(label).out")
        stderr = directory.appendingPathComponent("\(label).err")
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
    }

    /// Waits for the exit; returns the status and both outputs.
    func finish() async -> (status: Int32, stdout: String, stderr: String) {
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        let out = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }
}

/// Two `pip install`s through the built shim (→ `alterks gate` → real pip of two real venvs, a local wheel index) and
/// a `monitor --once`, as three processes at once on the same cache folder and state folder. Each install installs
/// exactly its packages, the monitor finds the vulnerability and records its cycle, nobody sees "database is locked".
@Suite("Hardening: concurrent installs and monitor")
struct ConcurrencyTests {
    @Test(.timeLimit(.minutes(5)))
    func twoGatedInstallsAndAMonitorAtOnce() async throws {
        let alterks = try #require(BuiltProducts.executable("alterks"), "alterks is not built")
        let shimBinary = try #require(BuiltProducts.executable("pip"), "the pip shim is not built")
        let testbed = try await GateTestbed.make("concurrency")
        defer { testbed.remove() }
        // One install under each pip (TestPip): the machine's in the testbed's venv, pip 26.3 in the second.
        let secondVenv = try await PythonEnvironments.shared.makeVenv(
            at: testbed.root.appendingPathComponent("venv2"), pip: .pip26)
        try testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        try testbed.wheels.wheel(name: "tinyclean", version: "1.0")

        let osv = try OSVDouble(records: [
            OSVRecords.record(
                "PYSEC-2099-9", package: "tinyold",
                ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "1.0")])],
                label: "HIGH")
        ])
        defer { osv.server.stop() }
        let barrier = RequestBarrier(parties: 3)
        osv.inject { request in
            if request.path == "/v1/querybatch" { barrier.arrive() }
            return nil
        }
        let pypi = try PyPIDouble()
        defer { pypi.server.stop() }
        let old = Date().addingTimeInterval(-400 * 86400)
        for name in ["tinyapp", "tinydep", "tinyclean", "tinyold"] {
            pypi.setProject(
                name,
                .json(
                    GateEngineEndToEndTests.projectJSON(
                        name, uploads: [("0.9", old), ("1.0", old.addingTimeInterval(86400))])))
        }
        try GateTestbed.writeConfig(
            in: testbed.root, osvURL: osv.baseURL, pypiURL: pypi.baseURL,
            extra: ["min_release_age = 0", "risk_threshold = 95"])
        try Data("tinyold==0.9\ntinyclean==1.0\n".utf8).write(
            to: testbed.root.appendingPathComponent("monitored.txt"))
        // One cache folder and one state folder for all three.
        var environment = testbed.environment
        environment["XDG_CONFIG_HOME"] = testbed.root.appendingPathComponent("config").path
        environment["HOME"] = testbed.root.path
        let cacheDirectory = environment["ALTERKS_CACHE_DIR"]!
        let stateDirectory = environment["XDG_STATE_HOME"]! + "/alterks"

        // The installs go through the shim (`pip install` → `alterks gate` → the venv's real pip), as a user's would.
        let shims = testbed.root.appendingPathComponent("shims")
        try FileManager.default.createDirectory(at: shims, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: shimBinary, to: shims.appendingPathComponent("pip"))
        let shim = shims.appendingPathComponent("pip").path
        func installEnvironment(_ venv: URL) -> [String: String] {
            var copy = environment
            copy["PATH"] = "\(shims.path):\(venv.appendingPathComponent("bin").path):/usr/bin:/bin"
            copy["ALTERKS_BIN"] = alterks.path
            return copy
        }
        let processes = try [
            RunningProcess(
                shim, ["install"] + testbed.indexOptions + ["tinyapp"],
                environment: installEnvironment(testbed.venv), directory: testbed.root, label: "install-1"),
            RunningProcess(
                shim, ["install"] + testbed.indexOptions + ["tinyclean"],
                environment: installEnvironment(secondVenv), directory: testbed.root, label: "install-2"),
            RunningProcess(
                alterks.path, ["monitor", "--once", "-r", "monitored.txt", "--no-color"],
                environment: environment, directory: testbed.root, label: "monitor"),
        ]
        var results: [(status: Int32, stdout: String, stderr: String)] = []
        for process in processes { results.append(await process.finish()) }

        #expect(!barrier.timedOut, "only \(barrier.count) of 3 processes reached the OSV lookup")
        let (install1, install2, monitor) = (results[0], results[1], results[2])
        #expect(install1.status == 0, "install 1: \(install1.stderr)\n\(install1.stdout)")
        #expect(install2.status == 0, "install 2: \(install2.stderr)\n\(install2.stdout)")
        #expect(monitor.status == ExitStatus.findings.rawValue, "monitor: \(monitor.stderr)\n\(monitor.stdout)")
        #expect(monitor.stdout.contains("PYSEC-2099-9"), "\(monitor.stdout)")
        for (name, result) in [("install 1", install1), ("install 2", install2), ("monitor", monitor)] {
            let text = (result.stdout + result.stderr).lowercased()
            #expect(
                !text.contains("locked") && !text.contains("busy") && !text.contains("database"),
                "\(name): \(result.stderr)")
        }
        #expect(try testbed.installed() == ["tinyapp": "1.0", "tinydep": "1.0"])
        #expect(try PythonEnvironments.installed(in: secondVenv) == ["tinyclean": "1.0"])
        #expect(osv.batchRequests == 3)

        // The monitor's cycle is recorded; what each process looked up is in the one shared cache (the gates'
        // verdicts are not cached: the code factor has no artifacts to read here, so their assessment is partial).
        #expect(value("SELECT count(*) FROM cycles", in: stateDirectory + "/monitor.sqlite") == "1")
        #expect(
            value(
                "SELECT group_concat(name) FROM (SELECT name FROM projects ORDER BY name)",
                in: cacheDirectory + "/" + MetadataCache.fileName) == "tinyapp,tinyclean,tinydep,tinyold")
        #expect(value("SELECT count(*) FROM osv_records", in: cacheDirectory + "/" + AdvisoryCache.fileName) == "1")
    }

    /// One value from an SQLite file, read by python3's sqlite3 (an independent reader); nil if unreadable.
    private func value(_ sql: String, in path: String) -> String? {
        let script = """
            import sqlite3, sys
            print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])
            """
        guard let (status, output, _) = try? FileSystemFaults.run("/usr/bin/python3", ["-c", script, path, sql]),
            status == 0
        else { return nil }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
