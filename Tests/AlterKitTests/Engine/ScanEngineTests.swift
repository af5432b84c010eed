import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// A vulnerability source that answers from a table and counts its lookups.
final class TableSource: VulnerabilitySource, @unchecked Sendable {
    private let lock = NSLock()
    var table: [String: [VulnerabilityFinding]] = [:]
    var failing = false
    private(set) var lookups = 0

    func lookup(_ packages: [PackageQuery]) async -> VulnerabilityLookup {
        lock.withLock { answer(packages) }
    }

    private func answer(_ packages: [PackageQuery]) -> VulnerabilityLookup {
        lookups += 1
        var results: [PackageQuery: Result<[VulnerabilityFinding], SourceFailure>] = [:]
        var fingerprints: [PackageQuery: String] = [:]
        for query in packages {
            if failing {
                results[query] = .failure(SourceFailure(source: "table", message: "connection refused"))
            } else {
                let found = table["\(query.name)==\(query.version)"] ?? []
                results[query] = .success(found)
                fingerprints[query] = "fp-" + found.map(\.id).joined(separator: ",")
            }
        }
        return VulnerabilityLookup(
            results: results, sourceInfo: SourceInfo(name: "table"), fingerprints: fingerprints)
    }
}

/// A risk assessor that gives fixed composites and counts how many packages it was asked about.
final class FixedRisk: RiskAssessor, @unchecked Sendable {
    private let lock = NSLock()
    var composites: [String: Double] = [:]
    private(set) var asked: [String] = []
    var sourceInfo: SourceInfo? { SourceInfo(name: "fixed-risk") }

    func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
        lock.withLock { answer(dependencies) }
    }

    private func answer(_ dependencies: [Dependency]) -> [String: RiskAssessment] {
        var out: [String: RiskAssessment] = [:]
        for dependency in dependencies {
            asked.append(dependency.normalizedName)
            let score = composites[dependency.normalizedName] ?? 0
            out[RiskKey.of(dependency)] = RiskAssessment(
                factors: [RiskFactor(name: "package_age", score: score / 100, reason: "test")], composite: score)
        }
        return out
    }
}

@Suite struct ScanEngineTests {
    func engine(
        _ source: TableSource, risk: FixedRisk? = nil, cache: VerdictCache? = nil,
        configure: (inout Configuration) -> Void = { _ in }
    ) -> ScanEngine {
        var configuration = Configuration.defaults
        configure(&configuration)
        return ScanEngine(
            configuration: configuration, mode: .scan, vulnerabilities: source, risk: risk, verdictCache: cache,
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), diagnostics: NullDiagnostics())
    }

    @Test func vulnerablePackageIsBlockedAndCleanOneAllowed() async {
        let source = TableSource()
        source.table["django==3.2.0"] = [VulnerabilityFinding(id: "PYSEC-1", severity: .critical)]
        let report = await engine(source).scan(
            [Dependency(name: "Django", version: "3.2.0"), Dependency(name: "six", version: "1.16.0")],
            targets: ["r.txt"])
        #expect(report.results.map(\.verdict.action) == [.block, .allow])
        #expect(report.exitStatus(failOn: .block) == .findings)
        #expect(source.lookups == 1)
    }

    @Test func sourceFailureIsNeverClean() async {
        let source = TableSource()
        source.failing = true
        let report = await engine(source).scan([Dependency(name: "six", version: "1.16.0")], targets: ["r.txt"])
        #expect(report.results[0].failures.count == 1)
        #expect(report.results[0].verdict.action == .block)
        #expect(report.exitStatus(failOn: .block) == .sourceFailure)
    }

    /// A typosquat index that cannot be loaded leaves every package unchecked — `on_source_error`, exit 3 — instead
    /// of dropping the heuristics with a warning and a clean exit (#14 item 4).
    @Test func anUnreadableTyposquatIndexIsASourceFailure() async throws {
        let diagnostics = DiagnosticCollector()
        let services = Services(
            http: NoHTTP(), clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)),
            processes: PosixProcessRunner(), environment: [:], diagnostics: diagnostics)
        let builder = EngineBuilder(
            configuration: .defaults,
            paths: AlterKSPaths(cacheDir: "/nonexistent", dataDir: "/nonexistent", stateDir: "/nonexistent"),
            services: services)
        let risk = try #require(
            builder.riskAssessor(
                offline: true,
                loadIndex: { throw TyposquatIndexError.unreadable(path: "top-pypi-packages.tsv", message: "gone") }))
        let engine = ScanEngine(
            configuration: .defaults, mode: .scan, vulnerabilities: TableSource(), risk: risk, verdictCache: nil,
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), diagnostics: diagnostics)
        let report = await engine.scan([Dependency(name: "six", version: "1.16.0")], targets: ["r.txt"])
        #expect(report.results[0].verdict.action == .block)
        #expect(report.results[0].failures.contains { $0.message.contains("top-pypi-packages.tsv") })
        #expect(report.exitStatus(failOn: .block) == .sourceFailure)
    }

    @Test func onSourceErrorAlertStillExitsThree() async {
        let source = TableSource()
        source.failing = true
        let report = await engine(source) { $0.onSourceError = .alert }.scan(
            [Dependency(name: "six", version: "1.16.0")], targets: ["r.txt"])
        #expect(report.results[0].verdict.action == .alert)
        #expect(report.exitStatus(failOn: .block) == .sourceFailure)
    }

    @Test func unpinnedAndEditableAreSkippedWithReasons() async {
        let source = TableSource()
        let report = await engine(source).scan(
            [
                Dependency(name: "flask", specifier: ">=2.0"),
                Dependency(name: "mine", editable: true),
                Dependency(name: "odd", version: "not a version"),
            ], targets: ["r.txt"])
        #expect(report.results.isEmpty)
        #expect(report.skipped.count == 3)
        #expect(report.skipped[0].reason.contains("not pinned"))
        #expect(report.skipped[2].reason.contains("PEP 440"))
    }

    @Test func riskOverThresholdActsAndAllowlistSkipsHeuristics() async {
        let source = TableSource()
        let risk = FixedRisk()
        risk.composites = ["reqeusts": 90, "internal-tool": 95]
        let report = await engine(source, risk: risk) {
            $0.allowlist = [
                PackageListEntry(raw: "internal-tool", name: "internal-tool", specifierText: "", specifier: nil)
            ]
        }.scan(
            [Dependency(name: "reqeusts", version: "1.0"), Dependency(name: "internal-tool", version: "1.0")],
            targets: ["r.txt"])
        #expect(report.results[0].verdict.action == .alert)
        #expect(report.results[1].verdict.action == .allow)
        #expect(risk.asked == ["reqeusts"])
    }

    @Test func verdictCacheServesRepeatAndMissesOnDataChange() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = try VerdictCache(
            path: dir.appendingPathComponent("v.sqlite").path, diagnostics: NullDiagnostics(), clock: SystemClock())
        let source = TableSource()
        let risk = FixedRisk()
        let deps = [Dependency(name: "six", version: "1.16.0")]
        _ = await engine(source, risk: risk, cache: cache).scan(deps, targets: ["r"])
        _ = await engine(source, risk: risk, cache: cache).scan(deps, targets: ["r"])
        #expect(risk.asked == ["six"])
        // New advisory data for the package: a different fingerprint, so the verdict is computed afresh.
        source.table["six==1.16.0"] = [VulnerabilityFinding(id: "PYSEC-9", severity: .high)]
        let report = await engine(source, risk: risk, cache: cache).scan(deps, targets: ["r"])
        #expect(report.results[0].verdict.action == .block)
        #expect(risk.asked == ["six", "six"])
    }
}

/// The warm path against the OSV API double: verdicts the cache holds for the listed advisory data are reused
/// without fetching or matching a single record; new data for one package recomputes exactly that package.
@Suite struct ScanEngineWarmPathTests {
    @Test func cachedVerdictsNeedNoRecordsAndNewDataIsRecomputed() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))
        let records = (0..<3).map { index in
            OSVRecords.record(
                "PYSEC-2099-\(index)", package: "pkg\(index)",
                ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])], label: "HIGH")
        }
        let double = try OSVDouble(records: records)
        let verdicts = try VerdictCache(
            path: dir.appendingPathComponent("verdicts.sqlite").path, diagnostics: NullDiagnostics(), clock: clock)
        let dependencies = (0..<5).map { Dependency(name: "pkg\($0)", version: "1.0") }
        func scan() async -> ScanReport {
            // A fresh record cache every time: only the verdict cache can spare the record fetches.
            let source = OSVAPISource(
                configuration: .init(baseURL: double.baseURL), http: TestHTTP.client(),
                cache: InMemoryAdvisoryCache(), clock: clock, diagnostics: NullDiagnostics())
            return await ScanEngine(
                configuration: .defaults, mode: .scan, vulnerabilities: source, risk: nil, verdictCache: verdicts,
                clock: clock, diagnostics: NullDiagnostics()
            ).scan(dependencies, targets: ["r"])
        }
        func summary(_ report: ScanReport) -> [String] {
            report.results.map {
                "\($0.dependency.normalizedName) \($0.verdict.action) \($0.vulnerabilities.map(\.id).sorted())"
            }.sorted()
        }

        let cold = await scan()
        #expect(double.detailRequests == 3)
        #expect(cold.results.filter { $0.verdict.action == .block }.count == 3)

        double.resetCounts()
        let warm = await scan()
        #expect(double.batchRequests == 1)
        #expect(double.detailRequests == 0)
        #expect(summary(warm) == summary(cold))
        #expect(warm.results.allSatisfy { $0.failures.isEmpty })

        // pkg1's record changes (a new `modified`, now rated low): only its record is fetched again, and its verdict
        // follows the new data.
        double.upsert([
            OSVRecords.record(
                "PYSEC-2099-1", package: "pkg1", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
                label: "LOW", modified: "2025-01-01T00:00:00Z")
        ])
        double.resetCounts()
        let changed = await scan()
        #expect(double.detailRequests == 1)
        let pkg1 = try #require(changed.results.first { $0.dependency.normalizedName == "pkg1" })
        #expect(pkg1.verdict.action < .block)
        #expect(pkg1.vulnerabilities.map(\.id) == ["PYSEC-2099-1"])
        #expect(changed.results.filter { $0.verdict.action == .block }.count == 2)
    }
}
