import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// pip's `--report` JSON cut short at every byte and mutated at random (fixed seed): each input parses, or fails
/// with one line that starts with the file's name and means bad input (2) — never a crash, never an empty "clean"
/// report from a truncated one.
@Suite struct PipReportFuzzTests {
    static let fixtures = ["index-wheels.json", "direct-references.json", "legacy-hash.json"]

    static func load(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: TestPaths.fixture("pip-report/\(name)")))
    }

    static func expectCleanRejection(_ error: PipReportError, _ name: String) {
        #expect(error.description.hasPrefix(name + ": "), "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
        #expect(error.exitStatus == .usage)
    }

    /// Every proper prefix of a real report is refused: a report pip did not finish writing must not pass as a
    /// shorter list of packages.
    @Test(arguments: fixtures)
    func everyTruncationIsRefused(_ name: String) throws {
        let bytes = try Self.load(name)
        let complete = try PipReport.parse(Data(bytes), source: name)
        #expect(!complete.items.isEmpty)
        var tried = 0
        // A closing brace followed only by whitespace is the whole document; every shorter prefix is not.
        let end = bytes.lastIndex(of: UInt8(ascii: "}"))!
        for length in 0...end {
            tried += 1
            do {
                _ = try PipReport.parse(Data(bytes[0..<length]), source: name)
                Issue.record("\(name) cut at \(length) of \(bytes.count) bytes parsed")
            } catch {
                Self.expectCleanRejection(error, name)
            }
        }
        #expect(tried == end + 1)
    }

    /// Random byte flips, deletions and insertions of JSON punctuation: a result or a clean rejection.
    @Test func mutatedReportsParseOrFailCleanly() throws {
        var g = SeededGenerator(seed: 0x9199_7E90)
        let mutator = ByteMutator(tokens: [
            "{", "}", "[", "]", "\"", ",", ":", "null", "true", "1e999", "\\u0000", "\u{FEFF}",
        ])
        var tried = 0
        var parsed = 0
        for name in Self.fixtures {
            let original = try Self.load(name)
            for _ in 0..<300 {
                let bytes = mutator.mutate(original, using: &g)
                tried += 1
                do {
                    let report = try PipReport.parse(Data(bytes), source: name)
                    parsed += 1
                    #expect(report.items.allSatisfy { !$0.dependency.name.isEmpty })
                } catch {
                    Self.expectCleanRejection(error, name)
                }
            }
        }
        #expect(tried == 900)
        print("pip report fuzz: \(tried) mutated inputs, \(parsed) parsed")
    }
}
