import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Every row of `Tests/Fixtures/vectors/cvss/cvss.tsv` (or the file in `CVSS_VECTORS`): base scores computed by the
/// Python `cvss` library 3.6. Score to one decimal, version, and the rating where the file gives one.
@Suite struct CVSSVectorTests {
    static let file: URL = {
        if let path = ProcessInfo.processInfo.environment["CVSS_VECTORS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return TestPaths.fixture("vectors/cvss/cvss.tsv")
    }()

    @Test func everyRowAgrees() throws {
        let data = try Data(contentsOf: Self.file)
        var mismatches: [String] = []
        var total = 0
        for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
        where index > 0 && !line.isEmpty {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            total += 1
            let row = "cvss.tsv:\(index + 1) \(fields[0].debugDescription)"
            guard fields.count == 4 else {
                mismatches.append("\(row): \(fields.count) columns")
                continue
            }
            let (vector, version, score, rating) = (fields[0], fields[1], fields[2], fields[3])
            do {
                let result = try CVSS.score(vector)
                let actualVersion = result.version == .v2 ? "v2" : (result.version == .v4_0 ? "v4" : "v3")
                let actualScore = String(format: "%.1f", result.baseScore)
                if actualVersion != version || actualScore != score
                    || (!rating.isEmpty && result.rating.rawValue != rating)
                {
                    mismatches.append(
                        "\(row): expected \(version) \(score) \(rating), got \(actualVersion) \(actualScore) \(result.rating.rawValue)"
                    )
                }
                if result.severity != result.rating.severity {
                    mismatches.append("\(row): severity \(result.severity)")
                }
            } catch {
                if version != "INVALID" { mismatches.append("\(row): expected \(version) \(score), threw \(error)") }
                if !error.description.hasPrefix("invalid CVSS vector ") {
                    mismatches.append("\(row): message \(error)")
                }
            }
        }
        #expect(total > 0, "no rows in \(Self.file.path)")
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) of \(total) rows disagree, e.g.:\n\(mismatches.prefix(25).joined(separator: "\n"))")
    }
}
