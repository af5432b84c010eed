import Foundation
import PythonPackaging
import Testing

@testable import AlterKit

/// A huge scan (a 10 MB requirements file has 660k pins) holds its results once: reports read them in order through
/// sorted indexes instead of a sorted copy (issue #14, item 8). Every result is listed once, in report order; the
/// snapshot tests hold every format to its bytes.
@Suite struct LargeReportTests {
    @Test func resultsAreReportedOnceEachInOrder() throws {
        // Names and versions out of order, the same name pinned twice, versions whose text and PEP 440 orders differ.
        var generator = SystemRandomNumberGenerator()
        var results: [PackageResult] = []
        for index in 0..<3_000 {
            let version = ["1.0", "10.0", "9.0", "1.0.0"][index % 4]
            results.append(
                PackageResult(
                    dependency: Dependency(
                        name: "Pkg_\(index % 1_000)", version: version, specifier: "==\(version)",
                        location: SourceLocation(file: "/r/requirements.txt", line: index + 1))))
        }
        results.shuffle(using: &generator)
        let report = ScanReport(
            toolVersion: "0", generatedAt: Date(timeIntervalSince1970: 0), targets: ["/r/requirements.txt"],
            sources: [], results: results, skipped: [])
        let options = ReportOptions(width: 100, color: false, baseDirectory: "/r")

        let ordered = report.orderedResults
        #expect(ordered.count == results.count)
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            let x = a.dependency
            let y = b.dependency
            #expect(x.normalizedName <= y.normalizedName)
            if x.normalizedName == y.normalizedName, x.version != y.version {
                #expect(try Version(x.version ?? "") <= Version(y.version ?? ""))
            }
        }

        // The JSON report lists every result once, in the same order.
        let json = JSONReport.render(report, options: options)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let listed = try #require(object["results"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ordered.map(\.dependency.name))

        // The table lists every package once, in the same order.
        let table = TableReport.render(report, options: options)
        let rows = table.split(separator: "\n").dropFirst().prefix(results.count).map {
            String($0.split(separator: " ")[0])
        }
        #expect(rows == ordered.map(\.dependency.name))
    }
}
