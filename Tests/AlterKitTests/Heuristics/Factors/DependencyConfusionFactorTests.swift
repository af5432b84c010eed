import AlterKit
import Foundation
import Testing

@Suite struct DependencyConfusionFactorTests {
    let factor = DependencyConfusionFactor()

    func input(_ name: String, _ metadata: Result<MetadataLookup, PyPIMetadataError>, internalNames: Set<String>)
        -> FactorInput
    {
        FactorInput(
            dependency: Dependency(name: name), metadata: metadata, typosquat: Recorded.index.check(name),
            internalPackages: internalNames, now: Recorded.now)
    }

    @Test func internalNameOnThePublicIndexIsCritical() throws {
        let found = try Recorded.project("birm")
        let result = try #require(factor.evaluate(input("Birm", .success(.found(found)), internalNames: ["BIRM"])))
        #expect(result.score == 1.0)
        #expect(result.reason.contains("also exists on the public index"))
    }

    @Test func internalNameAbsentFromThePublicIndexIsFine() throws {
        #expect(
            try #require(factor.evaluate(input("acme-core", .success(.notFound), internalNames: ["acme_core"]))).score
                == 0)
    }

    @Test func aPublicNameMissingFromTheIndexIsAWarning() throws {
        let result = try #require(factor.evaluate(input("acme-core", .success(.notFound), internalNames: [])))
        #expect(result.score == 0.6)
    }

    @Test func doesNotApplyToOrdinaryPublicNames() throws {
        #expect(
            factor.evaluate(input("requests", .success(.found(try Recorded.project("requests"))), internalNames: []))
                == nil)
    }

    @Test func failureIsUnknownForInternalNames() throws {
        let failure = PyPIMetadataError.status(url: "u", status: 429)
        #expect(try #require(factor.evaluate(input("acme", .failure(failure), internalNames: ["acme"]))).score == nil)
    }
}
