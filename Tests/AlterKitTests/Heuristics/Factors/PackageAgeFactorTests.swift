import AlterKit
import Foundation
import Testing

@Suite struct PackageAgeFactorTests {
    let factor = PackageAgeFactor()

    @Test(arguments: Recorded.small) func newProjectsScoreHigh(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect((result.score ?? 0) >= 0.6, "\(result)")
        #expect(result.reason.contains("project first published"))
    }

    @Test(arguments: ["requests", "flask", "six", "jinja2"]) func oldProjectsScoreZero(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0, "\(result)")
    }

    @Test func aReleaseOfThreeDaysAgoCountsEvenOnAnOldProject() throws {
        // packaging 26.4 was uploaded 2026-11-23T21:44Z, two and a half days before noon on the recording day.
        let result = try #require(factor.evaluate(try Recorded.input("packaging", version: "26.4")))
        #expect(result.score == 0.3)
        #expect(result.reason.contains("26.4 published 2 days ago"))
        let old = try #require(factor.evaluate(try Recorded.input("packaging", version: "20.0")))
        #expect(old.score == 0)
    }

    @Test func aVersionNotOnTheIndexIsSaid() throws {
        let result = try #require(factor.evaluate(try Recorded.input("requests", version: "99.0")))
        #expect(result.reason.contains("99.0 is not a release on the index"))
        #expect(result.score == 0)
    }

    @Test func missingMetadataIsUnknownNotZero() throws {
        var input = try Recorded.input("requests")
        input.metadata = .failure(.status(url: "https://pypi.org/pypi/requests/json", status: 503))
        let failed = try #require(factor.evaluate(input))
        #expect(failed.score == nil)
        #expect(failed.reason.contains("HTTP 503"))
        input.metadata = .success(.notFound)
        #expect(try #require(factor.evaluate(input)).score == nil)
    }
}
