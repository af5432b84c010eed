import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// What the tool cannot check is said, and never exits as clean (issue #14, item 4; data age, item 2).
@Suite struct SilentDegradationTests {
    @Test func anEmptyArbitraryPinIsAnErrorNamingFileAndLine() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let requirements = try sandbox.write("requirements.txt", "six==1.16.0\ndjango===\n")
        let result = await sandbox.run(["scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics"])
        #expect(result.status == ExitStatus.usage.rawValue, "\(result.output)")
        #expect(result.stderr.contains("requirements.txt:2"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func aFileOfOnlyUnpinnedNamesIsNotClean() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let requirements = try sandbox.write("requirements.txt", "django\nflask>=2\n")
        let result = await sandbox.run([
            "scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics", "--format", "json",
        ])
        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output)")
        #expect(result.stderr.contains("nothing was checked: 2 package(s) skipped"), "\(result.stderr)")
        #expect(result.stdout.contains("not queried"), "\(result.stdout)")
    }

    @Test func staleOfflineDataIsASourceFailureSayingWhatToDo() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let requirements = try sandbox.write("requirements.txt", "six==1.16.0\n")
        // The sandbox's user accepts any age; this run's explicit configuration does not (the default, 7 days).
        let accepted = await sandbox.run(["scan", "--no-deps", "--offline", "-r", requirements, "--no-heuristics"])
        #expect(accepted.status == ExitStatus.clean.rawValue, "\(accepted.output)")
        #expect(accepted.stdout.contains("2024-10-10"), "\(accepted.stdout)")
        let config = try sandbox.write("strict.toml", "max_offline_age = 7\n")
        let stale = await sandbox.run([
            "scan", "--no-deps", "--config", config, "--offline", "-r", requirements, "--no-heuristics",
        ])
        #expect(stale.status == ExitStatus.sourceFailure.rawValue, "\(stale.output)")
        #expect(stale.stderr.contains("offline database of 2024-10-10 is"), "\(stale.stderr)")
        #expect(stale.stderr.contains("alterks db update"), "\(stale.stderr)")
    }

    /// The quarantine's paths say which variable is really missing (#14 item 8: it used to blame XDG_DATA_HOME, even
    /// when that one was set).
    @Test func aMissingFolderVariableIsNamedAsItIs() async throws {
        var sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        sandbox.environment["HOME"] = nil
        sandbox.environment["XDG_STATE_HOME"] = nil
        let result = await sandbox.run(["quarantine", "list"])
        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output)")
        #expect(result.stderr.contains("XDG_STATE_HOME"), "\(result.stderr)")
        #expect(!result.stderr.contains("XDG_DATA_HOME"), "\(result.stderr)")
    }

    @Test func dbUpdateHelpNamesTheRealKey() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let help = await sandbox.run(["db", "update", "--help"])
        #expect(help.output.contains("osv_db_url"), "\(help.output)")
        #expect(!help.output.contains("osv_database_url"), "\(help.output)")
    }

    /// Every report names the policy files it applied (issue #14, "trust follows the person"): the JSON report's
    /// sources list the configuration file the scan ran under, with its role.
    @Test func theReportNamesThePolicyFileItApplied() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try LoopbackHTTPServer(handler: try MiniOSV.handler())
        defer { server.stop() }
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
        let requirements = try sandbox.write("requirements.txt", "six==1.16.0\n")
        let result = await sandbox.scanJSON(config: config, requirements: requirements)
        #expect(result.status == ExitStatus.clean.rawValue, "\(result.output)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let sources = try #require(report["sources"] as? [[String: Any]])
        // The sandbox's user configuration and the explicit --config file: both applied, both named.
        let policies = sources.filter { $0["name"] as? String == "policy" }
        let explicit = policies.first { $0["location"] as? String == config }
        #expect((explicit?["note"] as? String)?.hasPrefix("explicit") == true, "\(sources)")
        #expect(policies.contains { ($0["note"] as? String)?.hasPrefix("user") == true }, "\(sources)")
    }
}
