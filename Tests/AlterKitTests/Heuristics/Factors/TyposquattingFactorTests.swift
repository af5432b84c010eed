import AlterKit
import Foundation
import Testing

@Suite struct TyposquattingFactorTests {
    let factor = TyposquattingFactor()

    @Test func popularProjectsScoreZero() throws {
        for name in Recorded.popular {
            #expect(try factor.evaluate(Recorded.input(name))?.score == 0)
        }
    }

    @Test func aSquatOfASingleOwnerScoresItsIndexScore() throws {
        var input = try Recorded.input("birm")
        input.dependency = Dependency(name: "reqeusts")
        input.typosquat = Recorded.index.check("reqeusts")
        let result = try #require(factor.evaluate(input))
        #expect(result.score == input.typosquat.match?.score)
        #expect(result.reason.contains("transposition of requests"))
    }

    @Test func httpx2IsOneEditFromHttpxButOwnedByAnOrganization() throws {
        let input = try Recorded.input("httpx2")
        #expect(input.typosquat.match?.target == "httpx")
        // Not in the download list (first published May 2026, after the list's March counts): the name alone
        // looks like a combosquat; the vetted organization owner brings it below the index threshold.
        let result = try #require(factor.evaluate(input))
        #expect((result.score ?? 1) < TyposquatIndex.threshold)
        #expect(result.reason.contains("owned by the PyPI organization pydantic"))
    }

    @Test(arguments: Recorded.small) func unrelatedSmallProjectsAreNotSquats(_ name: String) throws {
        #expect(try factor.evaluate(Recorded.input(name))?.score == 0)
    }
}
