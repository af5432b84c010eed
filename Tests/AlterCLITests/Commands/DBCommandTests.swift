import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct DBCommandTests {
    struct Run {
        var code: Int32
        var out: String
        var err: String
    }

    /// `alterks ARGUMENTS` in-process under `home` (XDG folders inside it); `terminal` makes stderr a 60-column
    /// terminal.
    static func run(_ arguments: [String], home: URL, terminal: Bool = false) async -> Run {
        let out = BufferStream()
        let err = BufferStream(terminal: terminal, columns: 60)
        let context = CLIContext(
            stdout: out, stderr: err,
            environment: [
                "HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                "XDG_CACHE_HOME": home.appendingPathComponent("cache").path,
            ],
            currentDirectory: home.path,
            makeServices: { diagnostics in
                Services(
                    http: TestHTTP.client(), clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)),
                    processes: PosixProcessRunner(), environment: [:], diagnostics: diagnostics)
            })
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
        return Run(code: code, out: out.text, err: err.text)
    }

    @Test func statusImportStatus() async throws {
        let home = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let empty = await Self.run(["db", "status"], home: home)
        #expect(empty.code == 0)
        #expect(empty.out.contains("No advisory data imported yet"))

        let imported = await Self.run(["db", "import", TestPaths.osvZip.path], home: home)
        #expect(imported.code == 0, "\(imported.err)")
        #expect(imported.out.contains("Imported 2661 OSV records"))
        #expect(imported.out.contains("newest modified 2024-10-10"))

        let status = await Self.run(["db", "status"], home: home)
        #expect(status.code == 0)
        #expect(status.out.contains("Records: 2661 (664 packages)"))
        #expect(status.out.contains("Newest modified: 2024-10-10"))
        #expect(status.out.contains("Imported: 2027-01-15 08:00:00 UTC from "))
        #expect(status.out.contains(home.appendingPathComponent("data/alterks/osv-offline.sqlite").path))
    }

    @Test func importReportsMalformedRecordsAsWarnings() async throws {
        let home = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let folder = home.appendingPathComponent("records")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try JSONEncoder().encode(OSVRecords.record("PYSEC-1", versions: ["1.0"]))
            .write(to: folder.appendingPathComponent("PYSEC-1.json"))
        try Data(contentsOf: TestPaths.fixture("advisories/wrong-type-aliases.json"))
            .write(to: folder.appendingPathComponent("bad.json"))
        let run = await Self.run(["db", "import", "records"], home: home)
        #expect(run.code == 0)
        #expect(run.out.contains("Imported 1 OSV records"))
        #expect(run.err.contains("warning: 1 malformed records skipped"))
        #expect(run.err.contains("bad.json: OSV record PYSEC-2099-2: aliases"))
    }

    @Test func importOfSomethingMissingIsAUsageError() async throws {
        let home = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let run = await Self.run(["db", "import", "nowhere.zip"], home: home)
        #expect(run.code == 2)
        #expect(run.err.contains("nowhere.zip: no such file or folder"))
    }

    @Test func updateDownloadsAndImportsAndAFailedUpdateKeepsTheData() async throws {
        let home = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let zip = try Data(contentsOf: TestPaths.osvZip)
        let failing = LockedFlag()
        let server = try LoopbackHTTPServer { request in
            if failing.value { return .serverError(503) }
            return request.path == "/PyPI/all.zip" ? ServerResponse(status: 200, body: zip) : .notFound
        }
        let ok = await Self.run(["db", "update", "--url", server.url("/PyPI/all.zip")], home: home)
        #expect(ok.code == 0, "\(ok.err)")
        #expect(ok.out.contains("Imported 2661 OSV records from \(server.url("/PyPI/all.zip"))"))

        failing.value = true
        let down = await Self.run(["db", "update", "--url", server.url("/PyPI/all.zip")], home: home)
        #expect(down.code == 3)
        #expect(down.err.contains("HTTP 503"))
        let status = await Self.run(["db", "status"], home: home)
        #expect(status.out.contains("Records: 2661"))
    }
}

/// A flag tests flip while a server's handler reads it.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
