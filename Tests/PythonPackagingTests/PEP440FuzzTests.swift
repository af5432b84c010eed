import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// Bounded fuzzing with a fixed seed: mutated vector rows, huge numbers and very long inputs. Nothing may crash;
/// every input parses or throws a `PEP440Error` naming it; valid versions round-trip through their canonical form;
/// the ordering is a total order on a sample.
@Suite struct PEP440FuzzTests {
    static let alphabet: [String] =
        "0123456789.-_+!*,=<>~;() vVaAbBcCrReEpPoOsStTdDlLxX".map(String.init) + [
            "\u{A0}", "\u{3000}", "\u{2028}", "\u{1C}", "\u{0}", "\u{338}", "\u{301}", "\u{17F}", "\u{130}", "\u{212A}",
            "\u{FF11}", "\u{0661}", "é", "🙂", "\u{FFFD}", "\t", "\n", "rc", "post", "dev", "alpha", "preview", ".*",
            "===", "~=", "18446744073709551615", "18446744073709551616", "99999999999999999999999999999",
            String(repeating: "9", count: 4300), String(repeating: "0", count: 4301),
        ]

    static func column(_ file: String, _ index: Int) throws -> [String] {
        let data = try Data(contentsOf: TestPaths.fixture("vectors/pep440").appendingPathComponent(file))
        return data.split(separator: 0x0A).dropFirst().compactMap { line in
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            return fields.count > index ? String(decoding: fields[index], as: UTF8.self) : nil
        }
    }

    /// Inputs no mutation of a short row reaches: very long and deeply repetitive strings.
    static let longInputs: [String] = [
        Array(repeating: "1", count: 5000).joined(separator: "."),
        "1.0+" + Array(repeating: "abc", count: 3000).joined(separator: "-"),
        String(repeating: "9", count: 4300) + "!" + String(repeating: "9", count: 4300),
        "1.0" + String(repeating: "a", count: 10000), String(repeating: " ", count: 10000) + "1.0",
        String(repeating: "\u{3000}", count: 1000) + "1.0" + String(repeating: "\u{2028}", count: 1000),
        Array(repeating: ">=1.0", count: 2000).joined(separator: ","), "===" + String(repeating: "x", count: 20000),
        "==" + Array(repeating: "0", count: 3000).joined(separator: ".") + ".*",
    ]

    @Test func versionsNeverCrashAndRoundTrip() throws {
        var generator = SeededGenerator(seed: 0x5045_5034_3430)
        let mutator = StringMutator(alphabet: Self.alphabet)
        let rows = try Self.column("versions.tsv", 0) + Self.column("order.tsv", 0)
        #expect(rows.count > 1000)
        var inputs = Self.longInputs
        for _ in 0..<14_000 { inputs.append(mutator.mutate(rows.randomElement(using: &generator)!, using: &generator)) }

        var problems: [String] = []
        var valid: [Version] = []
        for input in inputs {
            do {
                let version = try Version(input)
                valid.append(version)
                let again = try Version(version.description)
                if again.description != version.description || again != version || again.hashValue != version.hashValue
                {
                    problems.append("\(input.debugDescription) → \(version) does not round-trip")
                }
            } catch {
                if error.input != input || error.message.isEmpty {
                    problems.append("\(input.debugDescription): error \(error) lacks its input or message")
                }
            }
        }
        #expect(valid.count > 1000, "too few valid mutants (\(valid.count)) to exercise the ordering")
        #expect(
            problems.isEmpty,
            "\(problems.count) of \(inputs.count) inputs:\n\(problems.prefix(20).joined(separator: "\n"))")

        // Total order on a sample: sorting then every pair in order, antisymmetric, equal means equal hash,
        // and transitive on random triples.
        // Upper-cased canonical forms are equal to their originals: the sample holds equal pairs too.
        let sample =
            Array(valid.shuffled(using: &generator).prefix(400))
            + valid.prefix(50).compactMap { try? Version($0.description.uppercased()) }
        let sorted = sample.sorted()
        for i in sorted.indices {
            for j in sorted.indices where i < j {
                let (a, b) = (sorted[i], sorted[j])
                if b < a || (a < b) == (a == b) || (a == b && a.hashValue != b.hashValue) || (a < b) != (b > a) {
                    problems.append("order breaks between \(a) and \(b)")
                }
            }
        }
        for _ in 0..<20_000 {
            let (a, b, c) = (
                sample.randomElement(using: &generator)!, sample.randomElement(using: &generator)!,
                sample.randomElement(using: &generator)!
            )
            if a <= b && b <= c && !(a <= c) { problems.append("not transitive: \(a) <= \(b) <= \(c)") }
        }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        print("PEP 440 fuzz: \(inputs.count) version inputs, \(valid.count) valid, order checked on \(sample.count)")
    }

    @Test func specifiersNeverCrash() throws {
        var generator = SeededGenerator(seed: 0x5350_4543)
        let mutator = StringMutator(alphabet: Self.alphabet)
        let rows = try Self.column("specifiers.tsv", 0)
        let versions = ["1.0", "1.0a1", "2.0.post1", "1!1.0", "1.0+local", "garbage", "1.4.5", "0.0.dev0"]
            .map { ($0, try? Version($0)) }
        var inputs = Self.longInputs
        for _ in 0..<6_000 { inputs.append(mutator.mutate(rows.randomElement(using: &generator)!, using: &generator)) }

        var problems: [String] = []
        var validCount = 0
        for input in inputs {
            let set: SpecifierSet
            do {
                set = try SpecifierSet(input)
            } catch {
                if error.input != input || error.message.isEmpty {
                    problems.append("\(input.debugDescription): \(error)")
                }
                continue
            }
            validCount += 1
            // The description parses back to an equal set.
            if (try? SpecifierSet(set.description)) != set {
                problems.append("\(input.debugDescription): \(set) does not round-trip")
            }
            for (text, version) in versions {
                let byDefault = set.contains(text)
                if byDefault != set.contains(text, prereleases: true)
                    || (set.contains(text, prereleases: false) && !byDefault)
                {
                    problems.append("\(input.debugDescription) contains \(text): pre-release handling is inconsistent")
                }
                if let version, !input.contains("==="), set.contains(version) != byDefault {
                    problems.append("\(input.debugDescription) contains \(text): Version and String disagree")
                }
            }
        }
        #expect(validCount > 100)
        #expect(
            problems.isEmpty, "\(problems.count) of \(inputs.count):\n\(problems.prefix(20).joined(separator: "\n"))")
        print("PEP 440 fuzz: \(inputs.count) specifier inputs, \(validCount) valid")
    }
}
