import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// The verdict cache's key says which assessments ran: a verdict made without heuristics (`--no-heuristics`) never
/// answers for a full scan, `report` or `monitor`; and offline data past `max_offline_age` answers nothing.
@Suite struct CacheModeTests {
    func engine(_ source: TableSource, risk: (any RiskAssessor)?, cache: VerdictCache) -> ScanEngine {
        ScanEngine(
            configuration: .defaults, mode: .scan, vulnerabilities: source, risk: risk, verdictCache: cache,
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), diagnostics: NullDiagnostics())
    }

    @Test func aVerdictWithoutHeuristicsDoesNotAnswerForAFullScan() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = try VerdictCache(
            path: dir.appendingPathComponent("v.sqlite").path, diagnostics: NullDiagnostics(), clock: SystemClock())
        let source = TableSource()
        let risk = FixedRisk()
        risk.composites = ["reqeusts": 90]
        let deps = [Dependency(name: "reqeusts", version: "1.0")]

        let quick = await engine(source, risk: nil, cache: cache).scan(deps, targets: ["r"])
        #expect(quick.results[0].verdict.action == .allow)
        let full = await engine(source, risk: risk, cache: cache).scan(deps, targets: ["r"])
        #expect(risk.asked == ["reqeusts"])
        #expect(full.results[0].verdict.action == .alert)
        #expect(full.results[0].risk?.composite == 90)
        // And each mode's own verdict is still reused.
        _ = await engine(source, risk: risk, cache: cache).scan(deps, targets: ["r"])
        #expect(risk.asked == ["reqeusts"])
    }

    @Test func offlineDataOlderThanMaxOfflineAgeIsASourceFailure() {
        let date = Date(timeIntervalSince1970: 1_728_518_400)  // 2024-10-10
        let query = PackageQuery(name: "jinja2", version: "3.1.4")
        let answer = VulnerabilityLookup(
            results: [query: .success([])], sourceInfo: SourceInfo(name: "offline", dataDate: date),
            fingerprints: [query: "fp"])
        let now = date.addingTimeInterval(30 * 86400)
        let stale = LazyOfflineSource.refusingStale(answer, maxAge: 7 * 86400, now: now)
        guard case .failure(let failure) = stale.results[query] else {
            Issue.record("stale data answered")
            return
        }
        #expect(failure.message.contains("2024-10-10 is 30 days old"))
        #expect(failure.message.contains("alterks db update"))
        #expect(stale.fingerprints.isEmpty)
        let fresh = LazyOfflineSource.refusingStale(answer, maxAge: 60 * 86400, now: now)
        #expect(fresh.results[query].map { (try? $0.get()) != nil } == true)
    }
}
