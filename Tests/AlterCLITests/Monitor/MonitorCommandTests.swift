import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks monitor --once` in-process, with advisories from the OSV API double: the first cycle reports what is
/// there, a repeat reports nothing new, a newly published advisory is reported alone, a failing source exits 3.
@Suite struct MonitorCommandTests {
    @Test func cyclesReportOnlyWhatIsNew() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let osv = try OSVDouble(records: [
            OSVRecords.record(
                "PYSEC-2099-1", package: "tinyweb",
                ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
                label: "HIGH")
        ])
        defer { osv.server.stop() }
        let pypi = try PyPIDouble()
        defer { pypi.server.stop() }
        try Data("tinyweb==1.0\ntinydb-extra==3.0\n".utf8).write(to: dir.appendingPathComponent("requirements.txt"))
        let environment = [
            "HOME": dir.path, "XDG_CACHE_HOME": dir.appendingPathComponent("cache").path,
            "XDG_DATA_HOME": dir.appendingPathComponent("data").path,
            "XDG_STATE_HOME": dir.appendingPathComponent("state").path,
        ]
        try GateTestbed.writeConfig(in: dir, osvURL: osv.baseURL, pypiURL: pypi.baseURL, trustedIn: environment)
        func once() async -> (Int32, String) {
            let out = BufferStream()
            let context = CLIContext(
                stdout: out, stderr: BufferStream(), environment: environment, currentDirectory: dir.path,
                makeServices: { diagnostics in
                    Services(
                        http: CurlHTTPClient(environment: [:]), clock: SystemClock(), processes: PosixProcessRunner(),
                        environment: environment, diagnostics: diagnostics)
                })
            let code = await CLIContext.$current.withValue(context) {
                await AlterKSMain.run(
                    ["monitor", "--once", "-r", "requirements.txt", "--json-output", "monitor.jsonl", "--no-color"])
            }
            return (code, out.text)
        }
        func lastReport() throws -> [String: Any] {
            let text = try String(contentsOf: dir.appendingPathComponent("monitor.jsonl"), encoding: .utf8)
            let line = text.split(separator: "\n").last.map(String.init) ?? "{}"
            return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
        func newIDs(_ report: [String: Any]) -> [String] {
            ((report["new"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.sorted()
        }

        let (first, firstText) = await once()
        #expect(first == 1, "\(firstText)")
        #expect(newIDs(try lastReport()) == ["PYSEC-2099-1"])

        let (second, _) = await once()
        #expect(second == 0)
        #expect(newIDs(try lastReport()).isEmpty)

        osv.upsert([
            OSVRecords.record(
                "PYSEC-2099-2", package: "tinydb-extra", versions: ["3.0"], label: "CRITICAL",
                modified: "2024-11-01T00:00:00Z")
        ])
        let (third, _) = await once()
        #expect(third == 1)
        #expect(newIDs(try lastReport()) == ["PYSEC-2099-2"])

        osv.inject { _ in .serverError(503) }
        let (fourth, _) = await once()
        #expect(fourth == 3)
        let failed = try lastReport()
        #expect(failed["status"] as? String == "failed")
        #expect((failed["resolved"] as? [Any])?.isEmpty == true)
        let mode =
            try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("monitor.jsonl").path)[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
