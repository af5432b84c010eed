import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import SQLiteKit

#if canImport(Glibc)
    import Glibc
#endif

/// A full disk, injected where it cannot be made real: `PRAGMA max_page_count` pinned to the file's current size
/// makes SQLite answer SQLITE_FULL at the first write that needs a new page — exactly what a full file system
/// gives, on any machine, without root. (The real thing, a full tmpfs, is in AlterCLITests/Hardening.)
@Suite("Hardening: a full disk under the stores (injected)")
struct StoreFullTests {
    /// Pins the database at its current size: the next page it needs is refused with SQLITE_FULL.
    static func freeze(_ database: SQLiteDatabase) throws {
        let pages = try #require(try database.query("PRAGMA page_count").first?.int(0))
        let rows = try database.query("PRAGMA max_page_count = \(pages)")
        #expect(rows.first?.int(0) == pages, "max_page_count not applied")
    }

    static func rowCount(_ database: SQLiteDatabase, _ table: String) throws -> Int {
        try database.query("SELECT count(*) FROM \(table)").first?.int(0) ?? -1
    }

    /// The verdict cache fills up while a scan stores its verdicts: every verdict is still right (the vulnerable
    /// package blocked, nothing "clean" by accident), each refused store is a warning naming the file and the
    /// full disk, and the rows stored before are all still there and still answer.
    @Test func verdictCacheFillsUpMidScan() async throws {
        let dir = try TestPaths.temporaryDirectory("alterks-cache-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(VerdictCache.fileName).path
        let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let cache = try VerdictCache(path: path, diagnostics: NullDiagnostics(), clock: clock)
        let source = TableSource()
        source.table["django==3.2.0"] = [VulnerabilityFinding(id: "PYSEC-1", severity: .critical)]
        source.table["late-vulnerable==1.0"] = [VulnerabilityFinding(id: "PYSEC-2", severity: .critical)]
        func engine(_ diagnostics: any DiagnosticSink) -> ScanEngine {
            ScanEngine(
                configuration: .defaults, mode: .scan, vulnerabilities: source, risk: nil, verdictCache: cache,
                clock: clock, diagnostics: diagnostics)
        }
        let first = [Dependency(name: "django", version: "3.2.0"), Dependency(name: "six", version: "1.16.0")]
        _ = await engine(NullDiagnostics()).scan(first, targets: ["first"])
        let rowsBefore = try Self.rowCount(cache.database, "verdicts")
        #expect(rowsBefore == 2)
        try Self.freeze(cache.database)

        // Enough new verdicts to need many new pages; the vulnerable one comes last, after the disk is full.
        let many = (0..<300).map { Dependency(name: "filler-package-\($0)", version: "1.0.\($0)") }
        let diagnostics = DiagnosticCollector()
        let report = await engine(diagnostics).scan(
            many + [Dependency(name: "late-vulnerable", version: "1.0")], targets: ["second"])

        #expect(report.results.count == 301)
        #expect(report.results.last?.verdict.action == .block, "the late vulnerable package was not blocked")
        #expect(report.results.last?.vulnerabilities.map(\.id) == ["PYSEC-2"])
        #expect(report.exitStatus(failOn: .block) == .findings)
        let warnings = diagnostics.diagnostics.filter { $0.level == .warning }.map(\.message)
        #expect(!warnings.isEmpty, "a full cache said nothing")
        #expect(
            warnings.allSatisfy { $0.contains(path) && $0.contains("disk is full") },
            "\(warnings.prefix(2))")
        let rowsAfter = try Self.rowCount(cache.database, "verdicts")
        #expect(rowsAfter >= rowsBefore && rowsAfter < 303, "\(rowsBefore) → \(rowsAfter)")
        // The old rows still answer: a repeat of the first scan is served from the cache.
        let lookupsBefore = source.lookups
        let again = await engine(NullDiagnostics()).scan(first, targets: ["again"])
        #expect(again.results.map(\.verdict.action) == [.block, .allow])
        #expect(source.lookups == lookupsBefore + 1)
        #expect(try cache.lookup(Self.key("django", "3.2.0", source: source), now: clock.now()) != nil)
    }

    static func key(_ name: String, _ version: String, source: TableSource) -> VerdictCache.Key {
        let found = source.table["\(name)==\(version)"] ?? []
        return VerdictCache.Key(
            name: name, version: version, mode: .scan, policy: Configuration.defaults.fingerprint,
            data: "fp-" + found.map(\.id).joined(separator: ",") + "|assess:none")
    }

    /// The monitor state fills up while a cycle commits: the cycle fails loudly (a StoreError naming the file, exit
    /// status 3, never clean), the transaction leaves every earlier row as it was, and once there is room again the
    /// findings the failed cycle could not record are reported as new — nothing is silently lost.
    @Test func monitorStateFillsUpMidCommit() async throws {
        let dir = try TestPaths.temporaryDirectory("alterks-state-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("monitor.sqlite").path
        let state = try MonitorState(path: path, diagnostics: NullDiagnostics())
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        let packages = LockedBox([("django", "3.2.0")])
        let counter = Counter()
        let monitor = Monitor(
            targets: [.file("requirements.txt")], state: state, scan: { _ in data.report(for: packages.value) },
            jsonOutput: dir.appendingPathComponent("monitor.jsonl").path, webhook: nil,
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), diagnostics: NullDiagnostics(),
            makeCycleID: { "cycle-\(counter.next())" })
        let first = try await monitor.runCycle()
        #expect(first.exitStatus == .findings)
        let tables = ["findings", "verdicts", "targets", "cycles", "outbox"]
        let before = try tables.map { try Self.rowCount(state.database, $0) }
        try Self.freeze(state.database)

        // Three hundred packages, each with a new advisory: far more than the pages the file has.
        let many = (0..<300).map { ("package-\($0)", "1.0") }
        for (name, _) in many { data.add(name, "PYSEC-NEW-\(name)") }
        packages.value = [("django", "3.2.0")] + many
        do {
            _ = try await monitor.runCycle()
            Issue.record("a cycle into a full state database succeeded")
        } catch let error as StoreError {
            #expect(error.description.contains(path), "\(error)")
            #expect(error.description.contains("disk is full"), "\(error)")
            #expect(error.exitStatus == .sourceFailure)
        }
        #expect(try tables.map { try Self.rowCount(state.database, $0) } == before, "the failed cycle changed rows")
        #expect(try state.findings(target: MonitorTarget.file("requirements.txt").id).map(\.id) == ["PYSEC-1"])

        // Room again: the cycle that could not be recorded is reported in full by the next one.
        try state.database.execute("PRAGMA max_page_count = 1073741823")
        let recovered = try await monitor.runCycle()
        #expect(recovered.report.new.count == 300)
        #expect(recovered.exitStatus == .findings)
    }

    /// A monitor report that cannot be appended (the JSON Lines file is on a full device) stays in the outbox, and
    /// the cycle is not clean.
    @Test func undeliverableReportIsNotClean() async throws {
        let dir = try TestPaths.temporaryDirectory("alterks-jsonl-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = try MonitorState(
            path: dir.appendingPathComponent("monitor.sqlite").path, diagnostics: NullDiagnostics())
        let data = FakeAdvisories()
        let diagnostics = DiagnosticCollector()
        let monitor = Monitor(
            targets: [.file("requirements.txt")], state: state, scan: { _ in data.report(for: [("six", "1.16.0")]) },
            jsonOutput: "/dev/full", webhook: nil, clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)),
            diagnostics: diagnostics)

        let outcome = try await monitor.runCycle()

        #expect(outcome.report.new.isEmpty)
        #expect(outcome.undelivered == 1)
        #expect(outcome.exitStatus == .sourceFailure, "an undelivered report ended clean")
        let warning = diagnostics.diagnostics.map(\.message).joined(separator: "\n")
        #expect(warning.contains("/dev/full") && warning.contains("No space left on device"), "\(warning)")
        #expect(try state.pending(destination: "file:/dev/full").count == 1)
    }
}

/// A value shared with a `@Sendable` closure and changed between calls.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
