import AlterKit
import Foundation

/// The shared OSV PyPI data (`shared/data/osv-pypi.zip`) and the independent matching expectation computed from it
/// (`Tests/Fixtures/advisories/expected-matches.zip`, written by `make-expected-matches.py` with Python's packaging).
public enum OSVTestData {
    /// Every record of the shared zip with its original JSON, in member order. Loaded once per test process.
    package static let shared: [(record: OSVRecord, json: Data)] = {
        let path = TestPaths.shared("data/osv-pypi.zip").path
        do {
            let archive = try ZipArchive(path: path)
            return try archive.entries.filter { $0.name.hasSuffix(".json") }.map { entry in
                let data = try archive.contents(of: entry)
                return (try OSVRecord.decode(data, origin: entry.name), data)
            }
        } catch {
            fatalError("cannot read \(path): \(error)")
        }
    }()

    package static var sharedRecords: [OSVRecord] { shared.map(\.record) }

    /// One row of the expectation: a pin and the ids of the records affecting it (sorted; empty when none).
    package struct ExpectedMatch: Sendable, Hashable {
        package var name: String
        package var version: String
        package var ids: [String]
    }

    /// Every pin of every package of the shared data, with the records that affect it.
    package static let expectedMatches: [ExpectedMatch] = {
        let path = TestPaths.fixture("advisories/expected-matches.zip").path
        do {
            let text = String(
                decoding: try ZipArchive(path: path).contents(named: "expected-matches.tsv"), as: UTF8.self)
            return text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst().map { line in
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return ExpectedMatch(
                    name: fields[0], version: fields[1],
                    ids: fields[2].isEmpty ? [] : fields[2].split(separator: ",").map(String.init))
            }
        } catch {
            fatalError("cannot read \(path): \(error)")
        }
    }()
}
