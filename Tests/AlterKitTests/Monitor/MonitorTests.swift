import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Advisory data the fake scanner reads; tests add advisories between cycles.
final class FakeAdvisories: @unchecked Sendable {
    private let lock = NSLock()
    private var byPackage: [String: [VulnerabilityFinding]] = [:]
    var failing = false

    func add(_ package: String, _ id: String, severity: Severity = .high) {
        lock.lock()
        byPackage[package, default: []].append(
            VulnerabilityFinding(id: id, summary: "\(id) in \(package)", severity: severity))
        lock.unlock()
    }

    func report(for packages: [(String, String)]) -> ScanReport {
        lock.lock()
        defer { lock.unlock() }
        let results = packages.map { name, version in
            let vulns = byPackage[name] ?? []
            let dep = Dependency(name: name, version: version)
            if failing {
                return PackageResult(
                    dependency: dep, verdict: Verdict(reasons: []),
                    failures: [SourceFailure(source: "osv", message: "connection refused")])
            }
            let reasons = vulns.map { Reason(kind: .vulnerability, action: .block, message: $0.id, subject: $0.id) }
            return PackageResult(dependency: dep, vulnerabilities: vulns, verdict: Verdict(reasons: reasons))
        }
        return ScanReport(
            toolVersion: "test", generatedAt: Date(timeIntervalSince1970: 0), targets: ["t"],
            sources: [SourceInfo(name: "fake")], results: results)
    }
}

/// A webhook receiver that verifies signatures and can be told to fail.
final class WebhookReceiver: @unchecked Sendable {
    let secret = Data("s3cret".utf8)
    private let lock = NSLock()
    private var bodies: [Data] = []
    private var badSignatures = 0
    var down = false
    var server: LoopbackHTTPServer!

    init() throws {
        server = try LoopbackHTTPServer { [unowned self] request in self.handle(request) }
    }

    private func handle(_ request: ServerRequest) -> ServerResponse {
        lock.lock()
        defer { lock.unlock() }
        if down { return .serverError(503) }
        let timestamp = request.headers["x-alterks-timestamp"] ?? ""
        let expected = WebhookSender.signature(body: request.body, timestamp: timestamp, secret: secret)
        guard request.headers["x-alterks-signature"] == expected else {
            badSignatures += 1
            return .text("bad signature", status: 401)
        }
        bodies.append(request.body)
        return .json("{}")
    }

    var received: [[String: Any]] {
        lock.lock()
        defer { lock.unlock() }
        return bodies.map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
    }

    var rejected: Int {
        lock.lock()
        defer { lock.unlock() }
        return badSignatures
    }
}

@Suite struct MonitorTests {
    let packages = [("django", "3.2.0"), ("requests", "2.19.1"), ("flask", "2.0.0")]

    func makeMonitor(
        dir: URL, data: FakeAdvisories, receiver: WebhookReceiver?, counter: Counter = Counter()
    ) throws -> Monitor {
        let state = try MonitorState(
            path: dir.appendingPathComponent("state.sqlite").path, diagnostics: NullDiagnostics())
        let http = RetryingHTTPClient(
            CurlHTTPClient(environment: [:]), policy: RetryPolicy(maxAttempts: 2, baseDelay: 0, totalBudget: 5),
            sleep: { _ in })
        let webhook = try receiver.map {
            try WebhookSender(url: $0.server.url("/hook"), secret: $0.secret, http: http, clock: SystemClock())
        }
        let packages = self.packages
        return Monitor(
            targets: [.file("requirements.txt")], state: state,
            scan: { _ in data.report(for: packages) },
            jsonOutput: dir.appendingPathComponent("monitor.jsonl").path, webhook: webhook,
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), diagnostics: NullDiagnostics(),
            makeCycleID: { "cycle-\(counter.next())" })
    }

    func lines(_ dir: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: dir.appendingPathComponent("monitor.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
    }

    func newIDs(_ report: [String: Any]) -> [String] {
        ((report["new"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.sorted()
    }

    @Test func fiveCycleScenario() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        data.add("requests", "PYSEC-2")
        let receiver = try WebhookReceiver()
        defer { receiver.server.stop() }
        let counter = Counter()
        let monitor = try makeMonitor(dir: dir, data: data, receiver: receiver, counter: counter)

        // Cycle 1: everything is new, once.
        let first = try await monitor.runCycle()
        #expect(first.report.counts.new == 2)
        #expect(first.exitStatus == .findings)
        #expect(first.undelivered == 0)
        // Cycle 2: same data, nothing new.
        let second = try await monitor.runCycle()
        #expect(second.report.new.isEmpty)
        #expect(second.report.findings.count == 2)
        #expect(second.exitStatus == .clean)
        // Cycle 3: a new advisory is reported, exactly it.
        data.add("flask", "PYSEC-3")
        let third = try await monitor.runCycle()
        #expect(third.report.new.map(\.id) == ["PYSEC-3"])
        // Cycle 4: the receiver is down; another advisory appears.
        receiver.down = true
        data.add("django", "PYSEC-4")
        let fourth = try await monitor.runCycle()
        #expect(fourth.report.new.map(\.id) == ["PYSEC-4"])
        #expect(fourth.undelivered == 1)
        // Cycle 5: the receiver is back: cycle 4's report, then cycle 5's, in order.
        receiver.down = false
        let fifth = try await monitor.runCycle()
        #expect(fifth.report.new.isEmpty)
        #expect(fifth.undelivered == 0)

        let hooks = receiver.received
        #expect(hooks.map { $0["cycle"] as? String } == ["cycle-1", "cycle-2", "cycle-3", "cycle-4", "cycle-5"])
        #expect(newIDs(hooks[3]) == ["PYSEC-4"])
        #expect(receiver.rejected == 0)
        let file = try lines(dir)
        #expect(file.map { $0["cycle"] as? String } == ["cycle-1", "cycle-2", "cycle-3", "cycle-4", "cycle-5"])
        #expect(newIDs(file[0]) == ["PYSEC-1", "PYSEC-2"])
    }

    @Test func stateSurvivesRestartAndKillAfterCommitLosesNothing() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        let receiver = try WebhookReceiver()
        defer { receiver.server.stop() }
        let counter = Counter()
        _ = try await makeMonitor(dir: dir, data: data, receiver: receiver, counter: counter).runCycle()

        // A new advisory; the monitor commits its cycle and is killed before delivering anything.
        data.add("requests", "PYSEC-2")
        _ = try await makeMonitor(dir: dir, data: data, receiver: receiver, counter: counter).scanAndCommit()
        #expect(receiver.received.count == 1)

        // Restarted: the committed report is delivered first, and nothing is reported as new twice.
        let restarted = try await makeMonitor(dir: dir, data: data, receiver: receiver, counter: counter).runCycle()
        #expect(restarted.report.new.isEmpty)
        let hooks = receiver.received
        #expect(hooks.map { $0["cycle"] as? String } == ["cycle-1", "cycle-2", "cycle-3"])
        #expect(newIDs(hooks[1]) == ["PYSEC-2"])
        #expect(try lines(dir).count == 3)
    }

    @Test func killDuringScanLeavesStateUntouched() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        let state = try MonitorState(
            path: dir.appendingPathComponent("state.sqlite").path, diagnostics: NullDiagnostics())
        let cancelled = Monitor(
            targets: [.file("r.txt")], state: state, scan: { _ in throw CancellationError() },
            jsonOutput: dir.appendingPathComponent("monitor.jsonl").path, webhook: nil, clock: SystemClock(),
            diagnostics: NullDiagnostics())
        await #expect(throws: CancellationError.self) { try await cancelled.runCycle() }
        #expect(try state.hasSeen(target: "file:r.txt") == false)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("monitor.jsonl").path))

        let monitor = try makeMonitor(dir: dir, data: data, receiver: nil)
        let outcome = try await monitor.runCycle()
        #expect(outcome.report.new.map(\.id) == ["PYSEC-1"])
    }

    @Test func failedSourceIsAFailedCycleNeverClean() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        let monitor = try makeMonitor(dir: dir, data: data, receiver: nil)
        _ = try await monitor.runCycle()
        data.failing = true
        let failed = try await monitor.runCycle()
        #expect(failed.exitStatus == .sourceFailure)
        #expect(failed.report.status == "failed")
        // What could not be checked is not "resolved": the old finding is kept.
        #expect(failed.report.resolved.isEmpty)
        #expect(failed.report.findings.map(\.id) == ["PYSEC-1"])
        data.failing = false
        let recovered = try await monitor.runCycle()
        #expect(recovered.exitStatus == .clean)
        #expect(recovered.report.new.isEmpty)
    }

    @Test func resolvedFindingsAreReported() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = FakeAdvisories()
        data.add("django", "PYSEC-1")
        let state = try MonitorState(
            path: dir.appendingPathComponent("state.sqlite").path, diagnostics: NullDiagnostics())
        var version = "3.2.0"
        let first = Monitor(
            targets: [.file("r.txt")], state: state, scan: { [version] _ in data.report(for: [("django", version)]) },
            jsonOutput: nil, webhook: nil, clock: SystemClock(), diagnostics: NullDiagnostics())
        _ = try await first.runCycle()
        version = "4.0.0"
        let upgraded = Monitor(
            targets: [.file("r.txt")], state: state, scan: { [version] _ in data.report(for: [("flask", version)]) },
            jsonOutput: nil, webhook: nil, clock: SystemClock(), diagnostics: NullDiagnostics())
        let outcome = try await upgraded.runCycle()
        #expect(outcome.report.resolved.map(\.id) == ["PYSEC-1"])
        #expect(outcome.report.new.isEmpty)
    }

    @Test func jsonLinesFileIsPrivateAndDeduplicatesARedelivery() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let path = dir.appendingPathComponent("out.jsonl").path
        try JSONLinesFile.append(Data(#"{"cycle":"a"}"#.utf8), to: path)
        try JSONLinesFile.append(Data(#"{"cycle":"a"}"#.utf8), to: path)
        try JSONLinesFile.append(Data(#"{"cycle":"b"}"#.utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"cycle\":\"a\"}\n{\"cycle\":\"b\"}\n")
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
        #expect(dirMode == 0o755)
    }

    @Test func webhookRequiresHTTPSExceptLoopback() throws {
        let http = CurlHTTPClient(environment: [:])
        #expect(throws: (any Error).self) {
            try WebhookSender(url: "http://example.com/hook", secret: nil, http: http, clock: SystemClock())
        }
        _ = try WebhookSender(url: "https://example.com/hook", secret: nil, http: http, clock: SystemClock())
        _ = try WebhookSender(url: "http://127.0.0.1:9/hook", secret: nil, http: http, clock: SystemClock())
    }

    @Test func signatureIsHMACOverTimestampDotBody() {
        // RFC 4231-independent check: the same inputs give the same signature, a changed body does not.
        let a = WebhookSender.signature(body: Data("{}".utf8), timestamp: "1", secret: Data("k".utf8))
        let b = WebhookSender.signature(body: Data("{} ".utf8), timestamp: "1", secret: Data("k".utf8))
        let c = WebhookSender.signature(body: Data("{}".utf8), timestamp: "2", secret: Data("k".utf8))
        #expect(a.hasPrefix("sha256=") && a.count == 7 + 64)
        #expect(a != b && a != c)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

@Suite struct FindingDiffTests {
    @Test func verdictThatGotWorseWithoutNewFindingIsNew() {
        let diff = FindingDiff.diff(
            previous: [], previousVerdicts: ["x@1": .allow], current: [], currentVerdicts: ["x@1": .quarantine],
            failedPackages: [], target: "t")
        #expect(diff.new.map(\.kind) == ["verdict"])
        #expect(diff.new.first?.previousAction == .allow)
        #expect(diff.new.first?.action == .quarantine)
    }

    @Test func verdictThatImprovedIsNotNew() {
        let diff = FindingDiff.diff(
            previous: [], previousVerdicts: ["x@1": .block], current: [], currentVerdicts: ["x@1": .alert],
            failedPackages: [], target: "t")
        #expect(diff.new.isEmpty)
    }
}
