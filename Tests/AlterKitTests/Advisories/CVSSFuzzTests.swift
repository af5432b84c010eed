import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Bounded fuzzing with a fixed seed: mutations of the CVSS vector rows. Nothing may crash; a vector scores in
/// 0.0–10.0 with one decimal and a rating that fits the score, or throws a `CVSSError`; a valid vector scores the
/// same with its metrics in any order.
@Suite struct CVSSFuzzTests {
    static let alphabet: [String] =
        "ACDEHILMNOPRSTUVXY:/.0134 ()acn".map(String.init) + [
            "CVSS:3.1/", "CVSS:4.0/", "CVSS:3.0/", "/AV:N", "/E:U", "/MSI:S", "/CR:L", "/S:C", "/MAV:P", "Clear", "é",
            "\u{301}", "\u{0}", "\n", "🙂", String(repeating: "/AV:N", count: 500), String(repeating: "A", count: 5000),
        ]

    /// A field-level edit that mostly keeps the vector valid: another allowed value for a metric, an added
    /// (possibly duplicate) metric, or a dropped field.
    static func mutateFields(_ vector: String, using generator: inout SeededGenerator) -> String {
        var fields = vector.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let allowed =
            vector.hasPrefix("CVSS:4") ? CVSS4.allowed : vector.hasPrefix("CVSS:3") ? CVSS3.allowed : CVSS2.allowed
        let metric = allowed.keys.sorted().randomElement(using: &generator)!
        let value = allowed[metric]!.sorted().randomElement(using: &generator)!
        let first = vector.hasPrefix("CVSS:") ? 1 : 0
        guard fields.count > first else { return vector }
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            fields.append("\(metric):\(value)")
        case 1:
            fields.remove(at: Int.random(in: first..<fields.count, using: &generator))
        default:
            let index = Int.random(in: first..<fields.count, using: &generator)
            let name = fields[index].split(separator: ":").first.map(String.init) ?? metric
            fields[index] = "\(name):\(allowed[name]?.sorted().randomElement(using: &generator) ?? value)"
        }
        return fields.joined(separator: "/")
    }

    @Test func vectorsNeverCrash() throws {
        let data = try Data(contentsOf: TestPaths.fixture("vectors/cvss/cvss.tsv"))
        let rows = data.split(separator: 0x0A).dropFirst().compactMap { line in
            line.split(separator: 0x09, omittingEmptySubsequences: false).first.map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        #expect(rows.count > 1000)
        var generator = SeededGenerator(seed: 0x4356_5353)
        let mutator = StringMutator(alphabet: Self.alphabet)
        var inputs: [String] = []
        for _ in 0..<2_500 { inputs.append(mutator.mutate(rows.randomElement(using: &generator)!, using: &generator)) }
        for _ in 0..<2_500 {
            inputs.append(Self.mutateFields(rows.randomElement(using: &generator)!, using: &generator))
        }

        var problems: [String] = []
        var valid = 0
        for input in inputs {
            let result: CVSSScore
            do {
                result = try CVSS.score(input)
            } catch {
                if !error.description.hasPrefix("invalid CVSS vector ") { problems.append("\(error)") }
                continue
            }
            valid += 1
            let tenths = result.baseScore * 10
            if !(0...100).contains(tenths) || tenths != tenths.rounded()
                || CVSS3.rating(result.baseScore) != result.rating
                    && result.version != .v2
            {
                problems.append("\(input.debugDescription): \(result)")
            }
            // Reordering the metrics (the prefix stays first) does not change the score.
            var fields = input.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let prefix = input.hasPrefix("CVSS:") ? [fields.removeFirst()] : []
            let shuffled = (prefix + fields.shuffled(using: &generator)).joined(separator: "/")
            if (try? CVSS.score(shuffled)) != result { problems.append("\(input.debugDescription) ≠ \(shuffled)") }
        }
        #expect(valid > 100, "too few valid mutants (\(valid))")
        #expect(
            problems.isEmpty, "\(problems.count) of \(inputs.count):\n\(problems.prefix(20).joined(separator: "\n"))")
        print("CVSS fuzz: \(inputs.count) vectors, \(valid) valid")
    }
}
