import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// Bounded fuzzing with a fixed seed: every fixture, mutated many times, must give a result or an
/// `InventoryError` (typed throws make anything else impossible); a crash or a hang fails the run.
@Suite struct InventoryFuzzTests {
    /// `ALTERKS_FUZZ_SCALE=N` multiplies the number of inputs (for long local runs); `ALTERKS_FUZZ_DUMP=FILE`
    /// writes each input there before it is parsed, so the one that crashed can be found.
    static let scale = Int(ProcessInfo.processInfo.environment["ALTERKS_FUZZ_SCALE"] ?? "") ?? 1
    static let dumpPath = ProcessInfo.processInfo.environment["ALTERKS_FUZZ_DUMP"]
    static let mutationsPerFixture = 40 * scale
    static let mutationsPerRequirement = 12 * scale

    /// Bytes that mean something to one of the formats, plus a few that mean trouble.
    static let tokens: [[UInt8]] =
        [
            "[", "]", "[[", "]]", "{", "}", "\"", "'", "=", "==", "\\", "#", "\n", "\r\n", " ", "\t", ",", ";", "@",
            ":",
            "-r ", "-c ", "-e ", "--hash=sha256:", "--index-url ", "${HOME}", "#egg=", "name = ", "version = ",
            "[[package]]\n", "[[packages]]\n", "lock-version = ", "include-group", "é", "\u{2028}",
            "99999999999999999999",
            "\u{FEFF}",
        ].map { Array($0.utf8) } + [[0], [0xFF], [0xC3], [0xED, 0xA0, 0x80]]

    static func mutate(_ input: [UInt8], _ g: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            let at = Int.random(in: 0...bytes.count, using: &g)
            switch Int.random(in: 0..<5, using: &g) {
            case 0 where !bytes.isEmpty:
                let i = Int.random(in: 0..<bytes.count, using: &g)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
            case 1:
                bytes = Array(bytes.prefix(at))
            case 2:
                // Duplicate the line around `at`.
                let start = bytes[..<at].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let end = bytes[at...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
                bytes.insert(contentsOf: bytes[start..<end], at: start)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &g))
                bytes.removeSubrange(min(at, end)..<end)
            default:
                bytes.insert(contentsOf: tokens.randomElement(using: &g)!, at: at)
            }
        }
        return bytes
    }

    static let formats: [(String, InventoryLoader.Format)] = [
        ("requirements", .requirements), ("pyproject", .pyproject), ("poetry-lock", .poetryLock),
        ("uv-lock", .uvLock), ("pdm-lock", .pdmLock), ("pylock", .pylock), ("pipfile-lock", .pipfileLock),
    ]

    @Test func mutatedFixturesGiveAResultOrAnInventoryError() throws {
        var g = SeededGenerator(seed: 0xA17E_4B5)
        var tried = 0
        var parsed = 0
        for (directory, format) in Self.formats {
            let dir = TestPaths.fixture("inventory/\(directory)").path
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                .filter { name in
                    var isDirectory: ObjCBool = false
                    FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory)
                    return !name.hasPrefix(".") && !isDirectory.boolValue
                }
            for name in names {
                let path = dir + "/" + name
                let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                for _ in 0..<Self.mutationsPerFixture {
                    let bytes = Self.mutate(original, &g)
                    tried += 1
                    let context = InventoryContext(environment: ["HOME": "/root"])
                    if let dump = Self.dumpPath { try? Data(bytes).write(to: URL(fileURLWithPath: dump)) }
                    do {
                        let text = try InventoryContext.decodeText(Data(bytes), file: path)
                        let inventory = try InventoryLoader.parse(
                            text: text, path: path, format: format, context: context)
                        parsed += 1
                        for d in inventory.dependencies {
                            // Whatever comes out is well-formed: a name, and a location in a file we read.
                            #expect(!d.name.isEmpty)
                            #expect(d.location.map { inventory.sources.contains($0.file) } ?? true)
                        }
                    } catch {
                        #expect(!error.description.isEmpty && !error.description.contains("\n"))
                    }
                }
            }
        }
        #expect(tried >= 3000)
        // Most mutations leave something parseable: the fuzzing reaches past the first syntax check.
        #expect(parsed > tried / 10)
        print("inventory fuzz: \(tried) inputs, \(parsed) parsed")
    }

    @Test func mutatedRequirementStringsParseOrFailCleanly() throws {
        var g = SeededGenerator(seed: 508)
        let vectors = PEP508Vectors.requirements.vectors.map(\.input)
        var tried = 0
        for input in vectors {
            for _ in 0..<Self.mutationsPerRequirement {
                let bytes = Self.mutate(Array(input.utf8), &g)
                let text = String(decoding: bytes, as: UTF8.self)
                tried += 1
                do {
                    let requirement = try Requirement(text)
                    _ = requirement.description
                    if let marker = requirement.marker {
                        // Evaluation never crashes; an undefined comparison counts as true.
                        _ = marker.evaluate(.testDefault, extras: ["test"])
                        // Formatting is stable. Like packaging, values are written in double quotes without
                        // escaping, so a value holding a quote or a backslash does not read back as itself.
                        if !marker.description.contains("\\"), let again = try? Marker(marker.description) {
                            #expect(again.description == marker.description)
                        }
                    }
                } catch {
                    #expect(!error.description.contains("\n"))
                }
                _ = try? Marker(text)
            }
        }
        #expect(tried >= 3000)
        print("PEP 508 fuzz: \(tried) inputs")
    }
}
