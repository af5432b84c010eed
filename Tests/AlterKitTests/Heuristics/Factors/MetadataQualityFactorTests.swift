import AlterKit
import Foundation
import Testing

@Suite struct MetadataQualityFactorTests {
    let factor = MetadataQualityFactor()

    @Test(arguments: Recorded.popular) func completeMetadataIsZero(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0, "\(result)")
    }

    @Test func missingItemsAreNamed() throws {
        let viewo = try #require(factor.evaluate(try Recorded.input("viewo-legal")))
        #expect(viewo.reason.contains("summary"))
        #expect((viewo.score ?? 0) >= 0.2)
        let xbone = try #require(factor.evaluate(try Recorded.input("x-bone")))
        #expect(xbone.reason.contains("homepage/repository URL"))
        let birm = try #require(factor.evaluate(try Recorded.input("birm")))
        #expect(birm.reason.contains("classifiers"))
    }

    @Test func emptyProjectScoresOne() throws {
        let project = PyPIProject(
            info: .init(name: "x", version: "1", summary: "UNKNOWN", description: " "), releases: [:])
        let input = FactorInput(
            dependency: Dependency(name: "x"), metadata: .success(.found(project)),
            typosquat: Recorded.index.check("x"), now: Recorded.now)
        let result = try #require(factor.evaluate(input))
        #expect(result.score == 1)
        #expect(result.reason == "missing: summary, description, homepage/repository URL, classifiers, licence")
    }
}
