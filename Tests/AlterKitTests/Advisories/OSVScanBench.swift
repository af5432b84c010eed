import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// Not a test: the 1,000-package scan benchmark, run by hand (figures go in the notes, never into assertions).
///
///     swift build -c release -Xswiftc -enable-testing --build-tests
///     ALTERKS_BENCH=1 swift test -c release -Xswiftc -enable-testing --skip-build --filter OSVScanBench
///
/// With `ALTERKS_BENCH_PIP_AUDIT=/path/to/pip-audit` it also times pip-audit 2.10.1 on the same 1,000 pins against the
/// same double (`--no-deps --disable-pip -s osv --osv-url …/v1/query`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ALTERKS_BENCH"] == "1"))
struct OSVScanBench {
    static let latency = 0.05

    /// 1,000 pins: one per package of the bundled OSV data (the middle of its pins), then popular projects the data
    /// has no advisory for.
    static func queries() throws -> [PackageQuery] {
        var out: [PackageQuery] = []
        for (name, rows) in Dictionary(grouping: try OSVTestData.expectedMatches, by: \.name).sorted(by: {
            $0.key < $1.key
        }
        ) {
            let parseable = rows.filter { (try? Version($0.version)) != nil }
            if let row = parseable.isEmpty ? nil : parseable[parseable.count / 2] {
                out.append(PackageQuery(name: name, version: row.version))
            }
        }
        // The bundled top-PyPI list, rank order: `project<TAB>downloads`, `#` comments.
        let top = String(decoding: try Data(contentsOf: TestPaths.resource("top-pypi-packages.tsv")), as: UTF8.self)
        let names = Set(out.map(\.name))
        for line in top.split(separator: "\n") where out.count < 1_000 && !line.hasPrefix("#") {
            guard let project = line.split(separator: "\t").first else { continue }
            let name = PackageName.normalize(String(project))
            if !names.contains(name) { out.append(PackageQuery(name: name, version: "1.0.0")) }
        }
        return out
    }

    static func seconds(_ start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    @Test func scanOf1000Packages() async throws {
        let queries = try Self.queries()
        let dir = try TestPaths.temporaryDirectory("alterks-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        let double = try OSVDouble(
            records: try OSVTestData.bundled.map { ($0.record, $0.json) }, latency: Self.latency, recordsRequests: false
        )
        let clock = SystemClock()
        // ALTERKS_BENCH_CONNECTIONS: connections per host and vulns/{id} requests in flight (default: the product's).
        let connections = ProcessInfo.processInfo.environment["ALTERKS_BENCH_CONNECTIONS"].flatMap { Int($0) }
        var curl = CurlHTTPClient.Configuration()
        if let connections { curl.maxConnectionsPerHost = connections }
        let http = RetryingHTTPClient(CurlHTTPClient(environment: [:], configuration: curl))
        let cachePath = dir.appendingPathComponent(AdvisoryCache.fileName).path
        func source() throws -> OSVAPISource {
            OSVAPISource(
                configuration: .init(
                    baseURL: double.baseURL,
                    detailConcurrency: connections ?? OSVAPISource.Configuration().detailConcurrency),
                http: http,
                cache: try AdvisoryCache(path: cachePath, clock: clock, diagnostics: NullDiagnostics()), clock: clock,
                diagnostics: NullDiagnostics())
        }
        print(
            "BENCH packages: \(queries.count), latency per request: \(Int(Self.latency * 1000)) ms, "
                + "connections per host: \(curl.maxConnectionsPerHost)")

        var start = DispatchTime.now()
        let cold = try await source().lookup(queries)
        let coldTime = Self.seconds(start)
        let findings = cold.results.values.reduce(0) { $0 + ((try? $1.get().count) ?? 0) }
        print(
            "BENCH osv cold: \(String(format: "%.2f", coldTime)) s, \(double.totalRequests) requests "
                + "(\(double.batchRequests) querybatch + \(double.detailRequests) vulns/{id}), \(findings) findings, "
                + "\(cold.failures.count) failures")
        double.resetCounts()
        let before = double.totalRequests
        start = DispatchTime.now()
        let warm = try await source().lookup(queries)
        print(
            "BENCH osv warm: \(String(format: "%.2f", Self.seconds(start))) s, \(double.totalRequests - before) "
                + "requests (\(double.batchRequests) querybatch + \(double.detailRequests) vulns/{id}), "
                + "\(warm.failures.count) failures")

        // Offline: import of the bundled zip, then the same 1,000 pins with no network.
        let database = try OfflineDatabase(
            path: dir.appendingPathComponent(OfflineDatabase.fileName).path, clock: clock,
            diagnostics: NullDiagnostics())
        start = DispatchTime.now()
        let summary = try database.importZip(TestPaths.osvZip.path)
        print(
            "BENCH offline import of osv-pypi.zip: \(String(format: "%.2f", Self.seconds(start))) s, "
                + "\(summary.imported) records")
        start = DispatchTime.now()
        let offline = await OfflineSource(database: database).lookup(queries)
        let offlineFindings = offline.results.values.reduce(0) { $0 + ((try? $1.get().count) ?? 0) }
        print("BENCH offline scan: \(String(format: "%.2f", Self.seconds(start))) s, \(offlineFindings) findings")

        guard let pipAudit = ProcessInfo.processInfo.environment["ALTERKS_BENCH_PIP_AUDIT"] else { return }
        let requirements = dir.appendingPathComponent("requirements.txt")
        try queries.map { "\($0.name)==\($0.version)\n" }.joined().write(
            to: requirements, atomically: true, encoding: .utf8)
        double.resetCounts()
        let beforeAudit = double.totalRequests
        start = DispatchTime.now()
        let result = try await PosixProcessRunner().run(
            pipAudit,
            [
                "--no-deps", "--disable-pip", "-s", "osv", "--osv-url", double.baseURL + "/v1/query", "-r",
                requirements.path, "--progress-spinner", "off", "--cache-dir", dir.appendingPathComponent("pa").path,
                "-f", "json", "-o", dir.appendingPathComponent("pa.json").path,
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": dir.path], currentDirectory: dir.path, stdin: nil)
        let auditTime = Self.seconds(start)
        print(
            "BENCH pip-audit: \(String(format: "%.2f", auditTime)) s, exit \(result.exitCode), "
                + "\(double.totalRequests - beforeAudit) requests; ratio pip-audit/alterks cold "
                + String(format: "%.1f", auditTime / coldTime))
        if result.exitCode > 1 { print(String(decoding: result.stderr.suffix(2000), as: UTF8.self)) }
    }
}
