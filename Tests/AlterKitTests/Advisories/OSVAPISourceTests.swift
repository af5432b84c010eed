import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct OSVAPISourceTests {
    typealias R = OSVRecords
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))

    static let records: [OSVRecord] = [
        R.record(
            "PYSEC-1", package: "alpha", ranges: [R.range([("introduced", "0"), ("fixed", "2.0")])],
            aliases: ["CVE-1", "GHSA-1"]),
        R.record(
            "GHSA-1", package: "alpha", ranges: [R.range([("introduced", "0"), ("fixed", "2.0.1")])],
            aliases: ["CVE-1"], label: "HIGH"),
        R.record("PYSEC-2", package: "alpha", versions: ["1.0"]),
        R.record("PYSEC-3", package: "beta", ranges: [R.range([("introduced", "1.0")])]),
        R.record("MAL-2024-1", package: "evil-pkg", ranges: [R.range([("introduced", "0")])]),
    ]

    static func source(
        _ double: OSVDouble, cache: any AdvisoryRecordCache = InMemoryAdvisoryCache(),
        configure: (inout OSVAPISource.Configuration) -> Void = { _ in }
    ) -> OSVAPISource {
        var configuration = OSVAPISource.Configuration(baseURL: double.baseURL)
        configure(&configuration)
        return OSVAPISource(
            configuration: configuration, http: TestHTTP.client(), cache: cache, clock: clock,
            diagnostics: NullDiagnostics())
    }

    static let queries = [
        PackageQuery(name: "Alpha", version: "1.0"), PackageQuery(name: "alpha", version: "3.0"),
        PackageQuery(name: "beta", version: "1.5"), PackageQuery(name: "evil_pkg", version: "0.0.1"),
        PackageQuery(name: "unknown", version: "1.0"),
    ]

    @Test func findsMergesAndScores() async throws {
        let double = try OSVDouble(records: Self.records)
        let lookup = await Self.source(double).lookup(Self.queries)
        #expect(lookup.results.count == 5)
        let alpha = try #require(try lookup.results[PackageQuery(name: "alpha", version: "1.0")]?.get())
        #expect(alpha.map(\.id) == ["PYSEC-1", "PYSEC-2"])
        #expect(alpha[0].aliases == ["CVE-1", "GHSA-1"])
        #expect(alpha[0].severity == .high)
        #expect(alpha[0].fixedVersions == ["2.0", "2.0.1"])
        #expect(alpha[0].nearestFix == "2.0")
        #expect(try lookup.results[PackageQuery(name: "alpha", version: "3.0")]?.get().isEmpty == true)
        #expect(try lookup.results[PackageQuery(name: "beta", version: "1.5")]?.get().map(\.id) == ["PYSEC-3"])
        #expect(try lookup.results[PackageQuery(name: "evil-pkg", version: "0.0.1")]?.get().first?.isMalicious == true)
        #expect(try lookup.results[PackageQuery(name: "unknown", version: "1.0")]?.get().isEmpty == true)
        #expect(lookup.sourceInfo.name == "osv")
        #expect(lookup.sourceInfo.location == double.baseURL)
        #expect(lookup.fingerprints.count == 5)
    }

    @Test func coldScanFetchesDetailsWarmScanOnlyTheBatch() async throws {
        let double = try OSVDouble(records: Self.records)
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cachePath = dir.appendingPathComponent(AdvisoryCache.fileName).path
        func cache() throws -> AdvisoryCache {
            try AdvisoryCache(path: cachePath, clock: Self.clock, diagnostics: NullDiagnostics())
        }

        let cold = await Self.source(double, cache: try cache()).lookup(Self.queries)
        #expect(double.batchRequests == 1)
        #expect(double.detailRequests == 5)  // PYSEC-1, GHSA-1, PYSEC-2, PYSEC-3, MAL-2024-1
        #expect(try cache().count() == 5)

        double.resetCounts()
        // A new source and a new connection to the cache file: as a second process would.
        let warm = await Self.source(double, cache: try cache()).lookup(Self.queries)
        #expect(double.batchRequests == 1)
        #expect(double.detailRequests == 0)
        #expect(double.totalRequests == 7)
        #expect(warm.dataFingerprint == cold.dataFingerprint)
        for query in Self.queries { #expect(try warm.results[query]?.get() == cold.results[query]?.get()) }
    }

    @Test func aModifiedRecordIsFetchedAgainAndChangesTheFingerprint() async throws {
        let double = try OSVDouble(records: Self.records)
        let cache = InMemoryAdvisoryCache()
        let before = await Self.source(double, cache: cache).lookup(Self.queries)
        var changed = Self.records[3]
        changed.modified = "2024-11-01T00:00:00Z"
        changed.databaseSpecific = .object(["severity": .string("CRITICAL")])
        double.upsert([changed])
        double.resetCounts()
        let after = await Self.source(double, cache: cache).lookup(Self.queries)
        #expect(double.detailRequests == 1)
        let beta = PackageQuery(name: "beta", version: "1.5")
        #expect(try after.results[beta]?.get().first?.severity == .critical)
        #expect(after.fingerprints[beta] != before.fingerprints[beta])
        let alpha = PackageQuery(name: "alpha", version: "1.0")
        #expect(after.fingerprints[alpha] == before.fingerprints[alpha])
        #expect(after.dataFingerprint != before.dataFingerprint)
    }

    @Test func followsPageTokensPerQuery() async throws {
        let many = (1...7).map { R.record("PYSEC-10\($0)", package: "gamma", versions: ["1.0"]) }
        let double = try OSVDouble(records: Self.records + many)
        double.pageSize = 3
        let lookup = await Self.source(double).lookup([
            PackageQuery(name: "gamma", version: "1.0"), PackageQuery(name: "alpha", version: "1.0"),
        ])
        #expect(try lookup.results[PackageQuery(name: "gamma", version: "1.0")]?.get().count == 7)
        #expect(try lookup.results[PackageQuery(name: "alpha", version: "1.0")]?.get().count == 2)
        #expect(double.batchRequests == 3)  // pages of 3, 3, 1 for gamma
    }

    @Test func aServerThatNeverStopsPagingIsAFailure() async throws {
        let double = try OSVDouble(records: Self.records)
        double.inject { request in
            guard request.path == "/v1/querybatch" else { return nil }
            return .json(#"{"results": [{"vulns": [], "next_page_token": "again"}]}"#)
        }
        let lookup = await Self.source(double) { $0.maxPages = 3 }.lookup([PackageQuery(name: "alpha", version: "1")])
        #expect(lookup.failures.count == 1)
        #expect(lookup.failures.first?.1.message.contains("paging") == true)
    }

    @Test func splitsIntoBatchesOfAtMostTheLimit() async throws {
        let double = try OSVDouble(records: Self.records)
        let queries = (0..<2_500).map { PackageQuery(name: "pkg\($0)", version: "1.0") }
        let lookup = await Self.source(double).lookup(queries)
        #expect(double.batchRequests == 3)
        #expect(lookup.failures.isEmpty)
        #expect(lookup.results.count == 2_500)
    }

    @Test(arguments: [503, 429, 500, 400, 404])
    func aFailingBatchFailsEveryPackageNeverClean(status: Int) async throws {
        let double = try OSVDouble(records: Self.records)
        double.inject { _ in ServerResponse(status: status, body: Data("{}".utf8)) }
        let lookup = await Self.source(double).lookup(Self.queries)
        #expect(lookup.results.count == Self.queries.count)
        #expect(lookup.failures.count == Self.queries.count)
        for (_, failure) in lookup.failures {
            #expect(failure.source == "osv")
            #expect(failure.message.contains("HTTP \(status)"))
        }
        #expect(lookup.fingerprints.isEmpty)
    }

    @Test(arguments: [ServerFault.dropConnection, .truncatedBody(sendBytes: 5)])
    func aDroppedConnectionFailsEveryPackage(fault: ServerFault) async throws {
        let double = try OSVDouble(records: Self.records)
        double.inject { _ in .fault(fault) }
        let lookup = await Self.source(double).lookup(Self.queries)
        #expect(lookup.failures.count == Self.queries.count)
    }

    @Test func anUnreachableServerFailsEveryPackage() async throws {
        let double = try OSVDouble(records: Self.records)
        let url = double.baseURL
        double.server.stop()
        let source = OSVAPISource(
            configuration: .init(baseURL: url), http: TestHTTP.client(), cache: InMemoryAdvisoryCache(),
            clock: Self.clock, diagnostics: NullDiagnostics())
        let lookup = await source.lookup(Self.queries)
        #expect(lookup.failures.count == Self.queries.count)
    }

    @Test(arguments: [
        #"{"results": []}"#, #"{"results": "nope"}"#, "not json", #"{"results": [{"vulns": [{"id": 1}]}]}"#,
    ])
    func aMalformedBatchAnswerIsAFailure(body: String) async throws {
        let double = try OSVDouble(records: Self.records)
        double.inject { request in request.path == "/v1/querybatch" ? .json(body) : nil }
        let lookup = await Self.source(double).lookup([PackageQuery(name: "alpha", version: "1.0")])
        #expect(lookup.failures.count == 1)
        #expect(lookup.failures.first?.1.message.contains("querybatch") == true)
    }

    @Test func aFailedDetailFailsOnlyThePackagesThatNeedIt() async throws {
        let double = try OSVDouble(records: Self.records)
        double.inject { request in request.path == "/v1/vulns/PYSEC-3" ? .serverError(502) : nil }
        let lookup = await Self.source(double).lookup(Self.queries)
        #expect(lookup.failures.map(\.0) == [PackageQuery(name: "beta", version: "1.5")])
        #expect(lookup.failures.first?.1.message.contains("PYSEC-3") == true)
        #expect(try lookup.results[PackageQuery(name: "alpha", version: "1.0")]?.get().count == 2)
    }

    @Test func aDetailAnsweringWithAnotherRecordIsAFailure() async throws {
        let double = try OSVDouble(records: Self.records)
        let other = try JSONEncoder().encode(Self.records[4])
        double.inject { request in request.path == "/v1/vulns/PYSEC-3" ? .json(data: other) : nil }
        let lookup = await Self.source(double).lookup([PackageQuery(name: "beta", version: "1.5")])
        #expect(lookup.failures.count == 1)
    }

    @Test func idsThatCannotGoIntoAPathAreRefused() {
        #expect(OSVAPISource.isSafeID("PYSEC-2021-1"))
        #expect(OSVAPISource.isSafeID("GHSA-abcd-efgh-ijkl"))
        for bad in ["", "../admin", "a/b", "a?b", "a b", ".hidden", "é"] { #expect(!OSVAPISource.isSafeID(bad)) }
    }
}
