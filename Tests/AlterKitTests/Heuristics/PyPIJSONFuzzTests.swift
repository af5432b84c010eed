import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Answers every request with one body (a recorded PyPI JSON document, mutated).
private struct OneBody: HTTPClient {
    let body: Data
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["content-type": "application/json"], body: body)
    }
}

/// Real PyPI JSON API answers (Tests/Fixtures/pypi-json), cut short and mutated (fixed seed), served to the metadata
/// client and then scored by the risk engine: each is a project the engine scores, or a `malformed` failure in one
/// line naming the URL — never a crash, and a failure is never a clean score.
@Suite struct PyPIJSONFuzzTests {
    static let files = ["six.json", "birm.json", "x-bone.json", "viewo-legal.json", "igor2.json"]
    /// Loaded once: the index is the same for every input.
    static let typosquat = Result { try TyposquatIndex.bundled() }

    static func assess(_ body: [UInt8], name: String) async throws -> (decoded: Bool, assessment: RiskAssessment) {
        let client = PyPIMetadataClient(
            http: OneBody(body: Data(body)), baseURL: "https://pypi.test",
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)))
        let lookup: Result<MetadataLookup, PyPIMetadataError>
        do {
            lookup = .success(try await client.project(name))
        } catch let error as PyPIMetadataError {
            #expect(error.description.hasPrefix("https://pypi.test/pypi/\(name)/json: "), "\(error)")
            #expect(!error.description.contains("\n"), "\(error)")
            lookup = .failure(error)
        }
        let decoded = (try? lookup.get()) != nil
        let engine = RiskEngine(
            metadata: client, typosquat: try Self.typosquat.get(),
            clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)), maxProvenanceRequests: 0)
        let assessment = await engine.assess(Dependency(name: name, version: "1.0"), metadata: lookup)
        if !decoded {
            #expect(!assessment.failures.isEmpty, "a malformed answer scored as if it were data")
        }
        return (decoded, assessment)
    }

    @Test func truncatedAnswersFailAsMalformed() async throws {
        var tried = 0
        for file in ["x-bone.json", "viewo-legal.json"] {
            let bytes = try [UInt8](Data(contentsOf: TestPaths.pypiJSON.appendingPathComponent(file)))
            let name = String(file.dropLast(5))
            let end = bytes.lastIndex(of: UInt8(ascii: "}"))!
            for length in stride(from: 0, to: end, by: 11) {
                tried += 1
                let (decoded, _) = try await Self.assess(Array(bytes[0..<length]), name: name)
                #expect(!decoded, "\(file) cut at \(length) bytes decoded")
            }
        }
        #expect(tried > 900)
        print("PyPI JSON fuzz: \(tried) truncations")
    }

    @Test func mutatedAnswersAreScoredOrFailCleanly() async throws {
        var g = SeededGenerator(seed: 0x0059_5049)
        let mutator = ByteMutator(tokens: [
            "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-1", "1e999", "\\u0000", "\"\"",
            "\"2026-13-45T99:99:99Z\"", "\"9999-01-01T00:00:00Z\"", "\"sdist\"", "[]", "{}",
        ])
        var tried = 0
        var decoded = 0
        for file in Self.files {
            let original = try [UInt8](Data(contentsOf: TestPaths.pypiJSON.appendingPathComponent(file)))
            let name = String(file.dropLast(5))
            for _ in 0..<60 {
                let bytes = mutator.mutate(original, using: &g)
                tried += 1
                if try await Self.assess(bytes, name: name).decoded { decoded += 1 }
            }
        }
        #expect(tried == Self.files.count * 60)
        #expect(decoded > 0 && decoded < tried)
        print("PyPI JSON fuzz: \(tried) mutated answers, \(decoded) decoded and scored")
    }
}
