import Foundation
import Testing

@testable import AlterKit

/// A huge scan (a 10 MB requirements file has 660k pins) holds its results once: reports read them in order through
/// indexes and the JSON report makes each result's tree only while writing it (issue #14, item 8). The output is
/// byte for byte what the whole-tree rendering gives; the snapshot tests hold every format to its bytes.
@Suite struct LargeReportTests {
    @Test func aGeneratedArrayRendersLikeAnArray() {
        for count in [0, 1, 3] {
            let items = (0..<count).map { JSONValue.object([("n", .int($0)), ("s", .strings(["a\($0)"]))]) }
            let built = JSONValue.object([("items", .array(items)), ("after", .null)])
            let generated = JSONValue.object([("items", .generated(count: count) { items[$0] }), ("after", .null)])
            #expect(generated.rendered() == built.rendered())
        }
    }

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

        // The JSON report as a whole tree (how it was rendered before) and as written now: the same bytes.
        let json = JSONReport.render(report, options: options)
        var tree = JSONReport.document(report, options: options)
        if case .object(var members) = tree, let index = members.firstIndex(where: { $0.0 == "results" }) {
            members[index].1 = .array(ordered.map { JSONReport.result($0, options: options) })
            tree = .object(members)
        }
        #expect(json == tree.rendered())

        // The table lists every package once, in the same order.
        let table = TableReport.render(report, options: options)
        let rows = table.split(separator: "\n").dropFirst().prefix(results.count).map {
            String($0.split(separator: " ")[0])
        }
        #expect(rows == ordered.map(\.dependency.name))
    }
}
