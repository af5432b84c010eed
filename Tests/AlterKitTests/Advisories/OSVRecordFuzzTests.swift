import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Real OSV records from the bundled data, cut short and mutated at random (fixed seeds): each one decodes, or fails
/// with one line naming where it came from — never a crash. What decodes is then matched against versions, which
/// must not crash either (a mutated range or version string is data, not a trap).
@Suite struct OSVRecordFuzzTests {
    /// Every 40th record of the bundled data (66 records of every shape the data has).
    static var sample: [(record: OSVRecord, json: Data)] {
        get throws {
            let records = try OSVTestData.bundled
            return stride(from: 0, to: records.count, by: 40).map { records[$0] }
        }
    }

    static func expectCleanRejection(_ error: AdvisoryError, origin: String) {
        #expect(error.description.contains(origin), "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
    }

    /// Decodes `bytes`; on success matches the record against a few versions. Returns whether it decoded.
    static func exercise(_ bytes: [UInt8], origin: String) -> Bool {
        do {
            let record = try OSVRecord.decode(Data(bytes), origin: origin)
            let builder = FindingBuilder()
            for version in ["0", "1.0", "2.0.0rc1", "99"] {
                _ = builder.findings(
                    for: [record], package: record.affected.first?.package.name ?? "x", version: version)
            }
            return true
        } catch {
            expectCleanRejection(error, origin: origin)
            return false
        }
    }

    @Test func everyTruncationOfARecordIsRefused() throws {
        var tried = 0
        for (record, json) in try Self.sample.prefix(8) {
            let bytes = [UInt8](json)
            let end = bytes.lastIndex(of: UInt8(ascii: "}"))!
            for length in 0...end {
                tried += 1
                if Self.exercise(Array(bytes[0..<length]), origin: "fuzz/\(record.id).json") {
                    Issue.record("\(record.id) cut at \(length) of \(bytes.count) bytes decoded")
                }
            }
        }
        #expect(tried > 5_000)
        print("OSV record fuzz: \(tried) truncations")
    }

    @Test func mutatedRecordsDecodeOrFailCleanly() throws {
        var g = SeededGenerator(seed: 0x05F_2024)
        let mutator = ByteMutator(tokens: [
            "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-1", "1e999", "\\u0000", "\u{FEFF}", "\"0\"",
            "\"introduced\"", "\"fixed\"", "\"SEMVER\"", "\"ECOSYSTEM\"", "\"GIT\"", "\"CVSS:3.1/AV:N\"", "\"\"",
        ])
        var tried = 0
        var decoded = 0
        for (record, json) in try Self.sample {
            let original = [UInt8](json)
            for _ in 0..<40 {
                let bytes = mutator.mutate(original, using: &g)
                tried += 1
                if Self.exercise(bytes, origin: "fuzz/\(record.id).json") { decoded += 1 }
            }
        }
        #expect(try tried == Self.sample.count * 40)
        #expect(decoded > 0 && decoded < tried)
        print("OSV record fuzz: \(tried) mutated records, \(decoded) decoded")
    }

    /// Structural mutations: each value of a record replaced by a value of another type, one at a time.
    @Test func everyValueSwappedForAnotherTypeDecodesOrFailsCleanly() throws {
        let replacements: [Any] = [NSNull(), 1, "x", [Any](), [String: Any](), true, -1.5]
        var tried = 0
        for (record, json) in try Self.sample.prefix(12) {
            let root = try JSONSerialization.jsonObject(with: json)
            for path in Self.paths(root) {
                for replacement in replacements {
                    let mutated = Self.replacing(root, at: path[...], with: replacement)
                    let bytes = try JSONSerialization.data(withJSONObject: mutated)
                    tried += 1
                    _ = Self.exercise([UInt8](bytes), origin: "fuzz/\(record.id).json")
                }
            }
        }
        #expect(tried > 1_000)
        print("OSV record fuzz: \(tried) type swaps")
    }

    /// Every path (object keys and array indexes) to a value in `value`.
    static func paths(_ value: Any) -> [[AnyHashable]] {
        var out: [[AnyHashable]] = []
        func walk(_ value: Any, _ prefix: [AnyHashable]) {
            if let object = value as? [String: Any] {
                for (key, child) in object {
                    out.append(prefix + [key])
                    walk(child, prefix + [key])
                }
            } else if let array = value as? [Any] {
                for (index, child) in array.enumerated() {
                    out.append(prefix + [index])
                    walk(child, prefix + [index])
                }
            }
        }
        walk(value, [])
        return out
    }

    static func replacing(_ value: Any, at path: ArraySlice<AnyHashable>, with replacement: Any) -> Any {
        guard let head = path.first else { return replacement }
        if var object = value as? [String: Any], let key = head as? String, let child = object[key] {
            object[key] = replacing(child, at: path.dropFirst(), with: replacement)
            return object
        }
        if var array = value as? [Any], let index = head as? Int, array.indices.contains(index) {
            array[index] = replacing(array[index], at: path.dropFirst(), with: replacement)
            return array
        }
        return value
    }
}
