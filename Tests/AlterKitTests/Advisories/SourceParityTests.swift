import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// The same scan through the OSV API double and through the offline database (both over the bundled OSV data)
/// gives identical findings — ids, aliases, severities, scores, fixes, nearest fix — for pins of every package.
@Suite struct SourceParityTests {
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))

    @Test func apiDoubleAndOfflineDatabaseAgreeOnEveryPin() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try OfflineDatabase(
            path: dir.appendingPathComponent(OfflineDatabase.fileName).path, clock: Self.clock,
            diagnostics: NullDiagnostics())
        let summary = try database.importZip(TestPaths.osvZip.path)
        #expect(summary.imported == 2_661)
        #expect(summary.malformed.isEmpty)

        let double = try OSVDouble(
            records: try OSVTestData.bundled.map { ($0.record, $0.json) }, recordsRequests: false)
        let api = OSVAPISource(
            configuration: .init(baseURL: double.baseURL), http: TestHTTP.client(), cache: InMemoryAdvisoryCache(),
            clock: Self.clock, diagnostics: NullDiagnostics())
        // Every package, up to 12 of its pins spread over its versions (the whole 37,574 takes minutes in debug).
        let queries = Dictionary(grouping: try OSVTestData.expectedMatches, by: \.name).values.flatMap { rows in
            stride(from: 0, to: rows.count, by: max(1, rows.count / 12)).map {
                PackageQuery(name: rows[$0].name, version: rows[$0].version)
            }
        }

        let online = await api.lookup(queries)
        let offline = await OfflineSource(database: database).lookup(queries)
        #expect(online.failures.isEmpty)
        #expect(offline.failures.isEmpty)
        #expect(double.batchRequests == (queries.count + 999) / 1000)

        var differences: [String] = []
        var findings = 0
        for query in queries {
            let a = try online.results[query]?.get()
            let b = try offline.results[query]?.get()
            findings += a?.count ?? 0
            if a != b { differences.append("\(query): \(a?.map(\.id) ?? []) vs \(b?.map(\.id) ?? [])") }
        }
        #expect(differences.isEmpty, "\(differences.count) differ, first: \(differences.prefix(3))")
        #expect(queries.count > 5_000)
        #expect(findings > 4_000)
        #expect(offline.sourceInfo.dataDate.map(AutoSource.day) == "2024-10-10")
    }
}
