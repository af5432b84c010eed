import AlterKit
import Foundation

/// The OSV PyPI data AlterKS bundles (`Sources/AlterKit/Resources/osv-pypi.zip`) and the independent matching
/// expectation computed from it (`Tests/Fixtures/advisories/expected-matches.zip`, written by
/// `make-expected-matches.py` with Python's packaging).
///
/// Each is read once per test process. A missing or unreadable file throws a one-line `FixtureError` naming it from
/// every accessor, so the tests that need it fail and the rest of the suite still runs.
public enum OSVTestData {
    private static let loadedRecords: Result<[(record: OSVRecord, json: Data)], FixtureError> = {
        let path = TestPaths.osvZip.path
        do {
            let archive = try ZipArchive(path: path)
            return .success(
                try archive.entries.filter { $0.name.hasSuffix(".json") }.map { entry in
                    let data = try archive.contents(of: entry)
                    return (try OSVRecord.decode(data, origin: entry.name), data)
                })
        } catch {
            return .failure(FixtureError(path, error))
        }
    }()

    /// Every record of the bundled zip with its original JSON, in member order.
    package static var bundled: [(record: OSVRecord, json: Data)] {
        get throws { try loadedRecords.get() }
    }

    /// Every record of the bundled zip, in member order.
    package static var bundledRecords: [OSVRecord] {
        get throws { try bundled.map(\.record) }
    }

    /// One row of the expectation: a pin and the ids of the records affecting it (sorted; empty when none).
    package struct ExpectedMatch: Sendable, Hashable {
        package var name: String
        package var version: String
        package var ids: [String]
    }

    private static let loadedMatches: Result<[ExpectedMatch], FixtureError> = {
        let path = TestPaths.fixture("advisories/expected-matches.zip").path
        do {
            let text = String(
                decoding: try ZipArchive(path: path).contents(named: "expected-matches.tsv"), as: UTF8.self)
            return .success(
                try text.split(separator: "\n", omittingEmptySubsequences: true).dropFirst().map { line in
                    let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                    guard fields.count == 3 else { throw TestProcessError("bad row: \(line)") }
                    return ExpectedMatch(
                        name: fields[0], version: fields[1],
                        ids: fields[2].isEmpty ? [] : fields[2].split(separator: ",").map(String.init))
                })
        } catch {
            return .failure(FixtureError(path, error))
        }
    }()

    /// Every pin of every package of the bundled data, with the records that affect it.
    package static var expectedMatches: [ExpectedMatch] {
        get throws { try loadedMatches.get() }
    }
}
