import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct PyPISourceTests {
    typealias R = OSVRecords
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))
    static let records = [
        R.record(
            "PYSEC-2023-74", package: "requests", ranges: [R.range([("introduced", "2.3.0"), ("fixed", "2.31.0")])],
            aliases: ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]),
        R.record(
            "GHSA-j8r2-6x86-q33q", package: "requests",
            ranges: [R.range([("introduced", "2.3.0"), ("fixed", "2.31.0")])], aliases: ["CVE-2023-32681"]),
        R.record("PYSEC-2099-1", package: "only-in-osv", versions: ["0.1"]),
    ]

    static func source(_ double: PyPIDouble) -> PyPISource {
        PyPISource(configuration: .init(baseURL: double.baseURL), http: TestHTTP.client(), clock: clock)
    }

    @Test func readsTheVulnerabilitiesFieldAndMergesAliases() async throws {
        let double = try PyPIDouble(recorded: TestPaths.pypiJSON, records: Self.records)
        let lookup = await Self.source(double).lookup([
            PackageQuery(name: "requests", version: "2.30.0"), PackageQuery(name: "Requests", version: "2.32.3"),
            PackageQuery(name: "only_in_osv", version: "0.1"),
        ])
        let old = try #require(try lookup.results[PackageQuery(name: "requests", version: "2.30.0")]?.get())
        #expect(old.map(\.id) == ["PYSEC-2023-74"])
        #expect(old.first?.aliases == ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"])
        #expect(old.first?.fixedVersions == ["2.31.0"])
        #expect(old.first?.nearestFix == "2.31.0")
        #expect(old.first?.severity == .unknown)
        #expect(
            old.first?.references == [
                "https://osv.dev/vulnerability/PYSEC-2023-74", "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q",
            ])
        #expect(try lookup.results[PackageQuery(name: "requests", version: "2.32.3")]?.get().isEmpty == true)
        #expect(try lookup.results[PackageQuery(name: "only-in-osv", version: "0.1")]?.get().count == 1)
        #expect(lookup.sourceInfo.name == "pypi")
        #expect(lookup.fingerprints.count == 3)
        #expect(double.requestCount == 3)
    }

    @Test func aPackagePyPIDoesNotKnowIsAFailureNotClean() async throws {
        let double = try PyPIDouble(recorded: TestPaths.pypiJSON, records: Self.records)
        let lookup = await Self.source(double).lookup([
            PackageQuery(name: "no-such-package", version: "1.0"), PackageQuery(name: "requests", version: "0.0.0"),
        ])
        #expect(lookup.failures.count == 2)
        #expect(lookup.failures.allSatisfy { $0.1.source == "pypi" && $0.1.message.contains("not found") })
    }

    @Test func aServerErrorFailsThePackage() async throws {
        let double = try PyPIDouble(recorded: TestPaths.pypiJSON, records: Self.records)
        double.inject { _ in .serverError(503) }
        let lookup = await Self.source(double).lookup([PackageQuery(name: "requests", version: "2.30.0")])
        #expect(lookup.failures.first?.1.message.contains("HTTP 503") == true)
    }

    @Test func aDocumentWithoutTheFieldIsAFailure() async throws {
        let double = try PyPIDouble(records: Self.records)
        double.inject { _ in .json(#"{"info": {}}"#) }
        let lookup = await Self.source(double).lookup([PackageQuery(name: "requests", version: "2.30.0")])
        #expect(lookup.failures.first?.1.message.contains("vulnerabilities") == true)
    }

    @Test(arguments: ["../x", "1.0/../../", "1 0", "", "1.0?x=1"])
    func unsafeVersionsNeverReachAURL(version: String) async throws {
        let double = try PyPIDouble(records: Self.records)
        let lookup = await Self.source(double).lookup([PackageQuery(name: "requests", version: version)])
        #expect(lookup.failures.count == 1)
        #expect(double.requestCount == 0)
    }
}

@Suite struct AutoSourceTests {
    typealias R = OSVRecords
    static let clock = FixedClock(Date(timeIntervalSince1970: 1_800_000_000))
    static let records = [
        R.record(
            "PYSEC-1", package: "alpha", ranges: [R.range([("introduced", "0"), ("fixed", "2.0")])],
            modified: "2024-10-10T08:00:00Z")
    ]

    static func offline(_ dir: URL, records: [OSVRecord]?) throws -> OfflineSource {
        let database = try OfflineDatabase(
            path: dir.appendingPathComponent("offline.sqlite").path, clock: clock, diagnostics: NullDiagnostics())
        if let records {
            _ = try database.importRecords(
                try records.map { ("\($0.id).json", try JSONEncoder().encode($0)) }, source: "test")
        }
        return OfflineSource(database: database)
    }

    static func api(_ double: OSVDouble) -> OSVAPISource {
        OSVAPISource(
            configuration: .init(baseURL: double.baseURL), http: TestHTTP.client(), cache: InMemoryAdvisoryCache(),
            clock: clock, diagnostics: NullDiagnostics())
    }

    static let queries = [PackageQuery(name: "alpha", version: "1.0"), PackageQuery(name: "beta", version: "1.0")]

    @Test func usesTheAPIWhenItAnswers() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let double = try OSVDouble(records: Self.records)
        let lookup = await AutoSource(primary: Self.api(double), fallback: try Self.offline(dir, records: nil))
            .lookup(Self.queries)
        #expect(lookup.sourceInfo.name == "osv")
        #expect(lookup.sourceInfo.note == nil)
        #expect(try lookup.results[Self.queries[0]]?.get().map(\.id) == ["PYSEC-1"])
    }

    @Test func fallsBackToTheOfflineDatabaseAndSaysSoWithItsDate() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let double = try OSVDouble(records: [])
        double.inject { _ in .serverError(503) }
        let lookup = await AutoSource(primary: Self.api(double), fallback: try Self.offline(dir, records: Self.records))
            .lookup(Self.queries)
        #expect(lookup.failures.isEmpty)
        #expect(try lookup.results[Self.queries[0]]?.get().map(\.id) == ["PYSEC-1"])
        #expect(try lookup.results[Self.queries[1]]?.get().isEmpty == true)
        #expect(lookup.sourceInfo.name == "offline")
        let note = try #require(lookup.sourceInfo.note)
        #expect(note.contains("unreachable") && note.contains("HTTP 503") && note.contains("2024-10-10"), "\(note)")
        #expect(lookup.sourceInfo.dataDate == OSVTimestamp.parse("2024-10-10T08:00:00Z"))
        #expect(lookup.fingerprints.count == 2)
    }

    @Test func whenNeitherAnswersEveryPackageFailsWithBothReasons() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let double = try OSVDouble(records: [])
        double.inject { _ in .fault(.dropConnection) }
        let lookup = await AutoSource(primary: Self.api(double), fallback: try Self.offline(dir, records: nil))
            .lookup(Self.queries)
        #expect(lookup.failures.count == 2)
        for (_, failure) in lookup.failures {
            #expect(failure.message.contains("offline fallback") && failure.message.contains("empty"))
        }
        #expect(lookup.sourceInfo.note == nil)
    }
}
