import AlterKit
import Foundation
import Testing

@Suite struct ProvenanceFactorTests {
    let factor = ProvenanceFactor()

    func evaluate(_ checks: [ProvenanceCheck]) throws -> RiskFactor {
        try #require(factor.evaluate(try Recorded.input("requests", provenance: checks)))
    }

    static func check(_ version: String, _ outcome: ProvenanceCheck.Outcome) -> ProvenanceCheck {
        ProvenanceCheck(version: version, filename: "requests-\(version).whl", outcome: outcome)
    }

    @Test func missingNowButPresentBeforeIsAStrongSignal() throws {
        let result = try evaluate([
            Self.check("2.34.2", .absent), Self.check("2.34.1", .present(publishers: ["GitHub:psf/requests"])),
        ])
        #expect(result.score == 0.9)
        #expect(result.reason.contains("2.34.1 had them"))
    }

    @Test func presentAndConsistentIsReassurance() throws {
        let gh = ProvenanceCheck.Outcome.present(publishers: ["GitHub:psf/requests"])
        let result = try evaluate([Self.check("2.34.2", gh), Self.check("2.34.1", gh)])
        #expect(result.score == 0)
        #expect(result.reason.contains("consistent"))
    }

    @Test func anotherPublisherThanBefore() throws {
        let result = try evaluate([
            Self.check("2.34.2", .present(publishers: ["GitHub:evil/requests"])),
            Self.check("2.34.1", .present(publishers: ["GitHub:psf/requests"])),
        ])
        #expect(result.score == 0.8)
    }

    @Test func absentEverywhereIsMild() throws {
        #expect(try evaluate([Self.check("2.34.2", .absent), Self.check("2.34.1", .absent)]).score == 0.2)
    }

    @Test func failuresAreUnknown() throws {
        #expect(try evaluate([Self.check("2.34.2", .failed("HTTP 503"))]).score == nil)
        #expect(try evaluate([Self.check("2.34.2", .absent), Self.check("2.34.1", .failed("HTTP 503"))]).score == nil)
        #expect(try evaluate([]).score == nil)
    }
}
