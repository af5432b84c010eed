import AlterKit
import AlterTestSupport
import Foundation
import Testing

@testable import PythonPackaging

/// The answers of Python `packaging` 26.2 recorded by Tests/Fixtures/pep508/generate_vectors.py.
struct PEP508Vectors: Decodable {
    struct RequirementVector: Decodable, Sendable, CustomTestStringConvertible {
        var input: String
        var name: String?
        var extras: [String]?
        var specifier: String?
        var url: String?
        var marker: String?
        var evaluations: [Evaluation]?
        var error: String?
        var position: Int?
        var testDescription: String { input.debugDescription }
    }

    struct MarkerVector: Decodable, Sendable, CustomTestStringConvertible {
        var marker: String
        var normalized: String
        var evaluations: [Evaluation]
        var testDescription: String { marker.debugDescription }
    }

    /// `true`/`false`, or `"undefined"` where packaging raises.
    enum Evaluation: Decodable, Equatable, Sendable {
        case value(Bool)
        case undefined

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) {
                self = .value(b)
            } else {
                self = .undefined
            }
        }
    }

    struct File<V: Decodable & Sendable>: Decodable, Sendable {
        var environment: [String: String]
        var extras_sets: [[String]]
        var vectors: [V]
    }

    static func load<V: Decodable & Sendable>(_ name: String, as: V.Type) -> File<V> {
        let data = try! Data(contentsOf: TestPaths.fixture("pep508/\(name)"))
        return try! JSONDecoder().decode(File<V>.self, from: data)
    }

    static let requirements = load("requirements.json", as: RequirementVector.self)
    static let markers = load("markers.json", as: MarkerVector.self)
}

/// The grammar alone (no PEP 440 involved): every vector parses to what packaging's parser produced, or fails
/// with its message at its position.
@Suite struct PEP508ParserTests {
    @Test(arguments: PEP508Vectors.requirements.vectors)
    func parsesLikePackaging(vector: PEP508Vectors.RequirementVector) {
        do {
            let parsed = try PEP508Parser.parseRequirement(vector.input)
            #expect(vector.error == nil, "packaging rejects it: \(vector.error ?? "")")
            #expect(parsed.name == vector.name)
            #expect(Array(Set(parsed.extras)).sorted() == vector.extras)
            #expect(parsed.specifier == vector.specifier)
            #expect((parsed.url.isEmpty ? nil : parsed.url) == vector.url)
            #expect(parsed.marker.map { Marker(nodes: $0).description } == vector.marker)
        } catch {
            #expect(vector.error != nil, "packaging accepts it, we said: \(error.message)")
            #expect(error.message == vector.error)
            if let position = vector.position { #expect(error.position == position) }
        }
    }

    @Test(arguments: PEP508Vectors.markers.vectors)
    func normalisesMarkersLikePackaging(vector: PEP508Vectors.MarkerVector) throws {
        #expect(try Marker(vector.marker).description == vector.normalized)
    }

    @Test func environmentMatchesTheVectors() {
        #expect(MarkerEnvironment.testDefault.values == PEP508Vectors.requirements.environment)
        #expect(MarkerEnvironment.testDefault.values == PEP508Vectors.markers.environment)
    }

    @Test(arguments: [
        ("'a\\tb'", "a\tb"), ("'\\x41\\u00e9\\U0001F600'", "A\u{e9}\u{1F600}"), ("'\\101\\0'", "A\0"),
        ("'a\\qb'", "a\\qb"), ("\"it's\"", "it's"), ("'a\\\nb'", "ab"),
    ])
    func decodesPythonStringEscapes(literal: String, expected: String) {
        #expect(PythonStringLiteral.decode(literal) == expected)
    }

    @Test(arguments: ["'a\\'", "'\\x4'", "'\\u12'", "'\\N{DASH}'", "'a\nb'", "'\\ud800'"])
    func refusesWhatPythonRefuses(literal: String) {
        #expect(PythonStringLiteral.decode(literal) == nil)
    }

    @Test func errorsAreOneLineWithColumn() {
        #expect(throws: PEP508Error.self) { try Marker("os_name == ") }
        do {
            _ = try Marker("os_name = 'x'")
        } catch {
            #expect(
                error.description
                    == "invalid marker \"os_name = 'x'\": Expected marker operator, one of <=, <, !=, ==, >=, >, "
                    + "~=, ===, in, not in (at column 9)")
            #expect(error.exitStatus == .usage)
        }
    }
}

/// Evaluation and whole requirements: these need PEP 440 (SpecifierSet).
@Suite struct PEP508RequirementTests {
    static let extrasSets = PEP508Vectors.requirements.extras_sets.map(Set.init)

    /// What packaging would answer: the value, or undefined where it raises.
    static func evaluation(_ marker: Marker, _ extras: Set<String>) -> PEP508Vectors.Evaluation {
        (try? marker.evaluateStrictly(.testDefault, extras: extras)).map { .value($0) } ?? .undefined
    }

    @Test(arguments: PEP508Vectors.requirements.vectors)
    func requirementsMatchPackaging(vector: PEP508Vectors.RequirementVector) {
        guard vector.error == nil else {
            #expect(throws: PEP508Error.self) { try Requirement(vector.input) }
            return
        }
        guard let requirement = try? Requirement(vector.input) else {
            Issue.record("packaging accepts \(vector.input.debugDescription)")
            return
        }
        #expect(requirement.name == vector.name)
        #expect(requirement.extras == vector.extras)
        #expect(requirement.url == vector.url)
        #expect(requirement.marker?.description == vector.marker)
        if let marker = requirement.marker, let expected = vector.evaluations {
            for (extras, want) in zip(Self.extrasSets, expected) {
                #expect(Self.evaluation(marker, extras) == want, "extras \(extras.sorted())")
                // The forgiving form never drops a dependency it cannot decide on.
                if want == .undefined { #expect(marker.evaluate(.testDefault, extras: extras)) }
            }
        }
    }

    @Test(arguments: PEP508Vectors.markers.vectors)
    func markersEvaluateLikePackaging(vector: PEP508Vectors.MarkerVector) throws {
        let marker = try Marker(vector.marker)
        for (extras, want) in zip(Self.extrasSets, vector.evaluations) {
            #expect(Self.evaluation(marker, extras) == want, "extras \(extras.sorted())")
        }
    }

    /// Every `requires_dist` string of the recorded PyPI projects parses.
    @Test func everyRealRequiresDistParses() throws {
        let dir = TestPaths.pypiJSON
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 19)
        var count = 0
        for file in files {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(file)))
            let info = (json as? [String: Any])?["info"] as? [String: Any]
            for string in info?["requires_dist"] as? [String] ?? [] {
                count += 1
                #expect(throws: Never.self, "\(file): \(string)") { try Requirement(string) }
            }
        }
        #expect(count > 50)
    }

    @Test func describesLikePackaging() throws {
        let r = try Requirement("Name [b,a] (>=1.0) ; os_name=='posix'")
        #expect(r.specifierText == ">=1.0")
        #expect(r.normalizedName == "name")
        #expect(r.description == "Name[a,b]>=1.0; os_name == \"posix\"")
        let u = try Requirement("pip @ https://x/pip.zip ; python_version > '3'")
        #expect(u.description == "pip @ https://x/pip.zip ; python_version > \"3\"")
        #expect(try Requirement("A.B==1") == Requirement("a-b==1"))
    }
}
