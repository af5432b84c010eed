import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// Every row of the PEP 440 vectors computed by Python's `packaging` 26.2 (`Tests/Fixtures/vectors/pep440`, or the
/// folder in `PEP440_VECTORS`). Mismatches are collected and the first ones printed with their row.
@Suite struct PEP440VectorTests {
    static let folder: URL = {
        if let path = ProcessInfo.processInfo.environment["PEP440_VECTORS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return TestPaths.fixture("vectors/pep440")
    }()

    /// The data rows of a TSV file (header dropped), each split on tabs; the column count is checked.
    /// Split on bytes: the cells hold odd Unicode (combining marks) that `Character` splitting would merge.
    static func rows(_ name: String, columns: ClosedRange<Int>) throws -> [(line: Int, fields: [String])] {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        var rows: [(Int, [String])] = []
        for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
        where index > 0 && !line.isEmpty {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            #expect(columns.contains(fields.count), "\(name):\(index + 1) has \(fields.count) columns")
            rows.append((index + 1, fields))
        }
        return rows
    }

    static func report(_ mismatches: [String], of total: Int, in file: String) {
        #expect(total > 0, "\(file) has no rows")
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) of \(total) rows of \(file) disagree, e.g.:\n\(mismatches.prefix(25).joined(separator: "\n"))"
        )
    }

    @Test func versionsNormaliseAsPackaging() throws {
        let rows = try Self.rows("versions.tsv", columns: 2...2)
        var mismatches: [String] = []
        for (line, fields) in rows {
            let (raw, expected) = (fields[0], fields[1])
            let actual: String
            do {
                let version = try Version(raw)
                actual = version.description
                // The canonical form parses back to itself and to an equal version.
                if let again = try? Version(actual), again.description != actual || again != version {
                    mismatches.append("versions.tsv:\(line) \(raw.debugDescription): \(actual) does not round-trip")
                }
            } catch {
                #expect(!error.message.isEmpty)
                actual = "INVALID"
            }
            if actual != expected {
                mismatches.append("versions.tsv:\(line) \(raw.debugDescription): expected \(expected), got \(actual)")
            }
        }
        Self.report(mismatches, of: rows.count, in: "versions.tsv")
    }

    @Test func orderAgreesWithPackaging() throws {
        let rows = try Self.rows("order.tsv", columns: 3...3)
        var mismatches: [String] = []
        for (line, fields) in rows {
            let row = "order.tsv:\(line) \(fields[0]) vs \(fields[1])"
            guard let a = try? Version(fields[0]), let b = try? Version(fields[1]) else {
                mismatches.append("\(row): does not parse")
                continue
            }
            let actual = a < b ? -1 : (a == b ? 0 : 1)
            if String(actual) != fields[2] {
                mismatches.append("\(row): expected \(fields[2]), got \(actual)")
            }
            // The other operators and hashing must tell the same story.
            if (b < a) != (actual == 1) || (a == b) != (actual == 0) || (a == b && a.hashValue != b.hashValue) {
                mismatches.append("\(row): <, == and hash disagree")
            }
        }
        Self.report(mismatches, of: rows.count, in: "order.tsv")
    }

    @Test func specifiersAgreeWithPackaging() throws {
        let rows = try Self.rows("specifiers.tsv", columns: 4...5)
        var mismatches: [String] = []
        var cache: [String: SpecifierSet?] = [:]
        for (line, fields) in rows {
            let (text, version, expected, expectedPre) = (fields[0], fields[1], fields[2], fields[3])
            let row = "specifiers.tsv:\(line) \(text.debugDescription) contains \(version.debugDescription)"
            let set: SpecifierSet?
            if let cached = cache[text] {
                set = cached
            } else {
                set = try? SpecifierSet(text)
                cache[text] = set
            }
            guard let set else {
                if expected != "INVALID" { mismatches.append("\(row): expected \(expected), specifier did not parse") }
                continue
            }
            if expected == "INVALID" {
                mismatches.append("\(row): expected INVALID, parsed as \(set)")
                continue
            }
            let actual = set.contains(version) ? "1" : "0"
            let actualPre = set.contains(version, prereleases: true) ? "1" : "0"
            if actual != expected || actualPre != expectedPre {
                mismatches.append("\(row): expected \(expected)/\(expectedPre), got \(actual)/\(actualPre)")
            }
            // An optional fifth column holds `contains(version, prereleases=False)`.
            if fields.count > 4, (set.contains(version, prereleases: false) ? "1" : "0") != fields[4] {
                mismatches.append("\(row): with prereleases=False expected \(fields[4])")
            }
            // Checking a parsed Version must agree with checking the string (no === in these rows changes it).
            if let parsed = try? Version(version), !text.contains("==="),
                set.contains(parsed) != (actual == "1")
            {
                mismatches.append("\(row): contains(Version) disagrees with contains(String)")
            }
        }
        Self.report(mismatches, of: rows.count, in: "specifiers.tsv")
    }
}
