import AlterKit
import Foundation
import Testing

@Suite struct RiskScorerTests {
    @Test func weightedMeanOfKnownFactors() {
        let scorer = RiskScorer(weights: ["a": 1, "b": 3])
        let result = scorer.assess([
            RiskFactor(name: "a", score: 1, reason: ""), RiskFactor(name: "b", score: 0, reason: ""),
            RiskFactor(name: "c", score: nil, reason: "unknown"),
        ])
        #expect(result.composite == 25)
        #expect(result.unknownFactors == ["c"])
    }

    @Test func unknownFactorsAreLeftOutNotCountedAsZero() {
        let scorer = RiskScorer()
        let known = scorer.assess([RiskFactor(name: "package_age", score: 0.8, reason: "")])
        let withUnknown = scorer.assess([
            RiskFactor(name: "package_age", score: 0.8, reason: ""),
            RiskFactor(name: "provenance", score: nil, reason: ""),
        ])
        #expect(known.composite == 80)
        #expect(withUnknown.composite == 80)
        #expect(scorer.assess([RiskFactor(name: "x", score: nil, reason: "")]).composite == nil)
    }

    @Test func defaultWeightsAndOverrides() {
        #expect(RiskScorer().weight(of: "typosquatting") == Configuration.defaultHeuristicWeights["typosquatting"])
        #expect(RiskScorer(weights: ["typosquatting": 0.5]).weight(of: "typosquatting") == 0.5)
        #expect(RiskScorer().weight(of: "something-new") == 0)
        let off = RiskScorer(weights: ["typosquatting": 0])
        let result = off.assess([
            RiskFactor(name: "typosquatting", score: 1, reason: ""),
            RiskFactor(name: "package_age", score: 0, reason: ""),
        ])
        #expect(result.composite == 0)
    }

    @Test func criticalFactorDecidesAlone() {
        let result = RiskScorer().assess([
            RiskFactor(name: "dependency_confusion", score: 1, reason: ""),
            RiskFactor(name: "package_age", score: 0, reason: ""),
        ])
        #expect(result.composite == 100)
    }

    @Test func failuresAreCarried() {
        let failure = SourceFailure(source: "pypi-metadata", message: "HTTP 503")
        #expect(RiskScorer().assess([], failures: [failure]).failures == [failure])
    }
}
