import Foundation
import Testing

@testable import AlterKit

@Suite struct ReleasePatternFactorTests {
    let factor = ReleasePatternFactor()

    static func project(_ releases: [(String, String)]) -> PyPIProject {
        let iso = ISO8601DateFormatter()
        var map: [String: [PyPIProject.ReleaseFile]] = [:]
        for (version, date) in releases {
            map[version] = [PyPIProject.ReleaseFile(filename: "x-\(version).tar.gz", uploadTime: iso.date(from: date))]
        }
        return PyPIProject(info: .init(name: "x", version: releases.last!.0), releases: map)
    }

    func evaluate(_ project: PyPIProject, version: String? = nil) throws -> RiskFactor {
        let input = FactorInput(
            dependency: Dependency(name: "x", version: version), metadata: .success(.found(project)),
            typosquat: Recorded.index.check("x"), now: Recorded.now)
        return try #require(factor.evaluate(input))
    }

    @Test(arguments: ["x-bone", "vibemyexpt-lsl", "victron-energy-meter-modbus", "advexp-configuration-cloud"])
    func firstAndOnlyRelease(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0.6)
        #expect(result.reason.contains("first and only release"))
    }

    @Test(arguments: ["requests", "flask", "django"]) func regularHistoryIsLow(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0.05, "\(result)")
        #expect(result.reason.hasPrefix("regular history"))
    }

    @Test func dormantThenSuddenRelease() throws {
        let p = Self.project([
            ("1.0", "2020-06-01T00:00:00Z"), ("1.1", "2021-01-01T00:00:00Z"), ("1.2", "2026-11-20T00:00:00Z"),
        ])
        let result = try evaluate(p)
        #expect(result.score == 0.8)
        #expect(result.reason.contains("without a release (since 1.1)"))
        // The older release, scanned, is fine.
        #expect(try evaluate(p, version: "1.1").score == 0.05)
    }

    @Test func burstOfReleases() throws {
        let young = Self.project([
            ("0.1", "2026-11-01T00:00:00Z"), ("0.2", "2026-11-20T00:00:00Z"), ("0.3", "2026-11-21T00:00:00Z"),
            ("0.4", "2026-11-22T00:00:00Z"), ("0.5", "2026-11-22T12:00:00Z"),
        ])
        let result = try evaluate(young)
        #expect(result.score == 0.5)
        #expect(result.reason.contains("4 releases within 3 days"))
        // Three quick fixes in three days (requests 2.34.0 → 2.34.2) are not a burst.
        #expect(try evaluate(young, version: "0.4").score == 0.05)
    }

    @Test func dormantProjectWakingUpWithSeveralReleases() throws {
        let p = Self.project([
            ("0.1", "2025-01-01T00:00:00Z"), ("0.2", "2026-11-20T00:00:00Z"), ("0.3", "2026-11-21T00:00:00Z"),
            ("0.4", "2026-11-22T00:00:00Z"),
        ])
        let result = try evaluate(p)
        #expect(result.score == 0.8)
        #expect(result.reason.contains("without a release (since 0.1)"))
    }

    @Test func largeMajorJump() throws {
        let p = Self.project([
            ("1.0", "2026-01-01T00:00:00Z"), ("1.1", "2026-03-01T00:00:00Z"), ("5.0", "2026-06-01T00:00:00Z"),
        ])
        let result = try evaluate(p)
        #expect(result.score == 0.6)
        #expect(result.reason.contains("major version jumps from 1 to 5"))
        // Calendar versions and single steps are not jumps.
        #expect(ReleasePatternFactor.majorJump(from: ["2024.1"], to: "2026.1") == nil)
        #expect(ReleasePatternFactor.majorJump(from: ["1.9"], to: "2.0") == nil)
    }

    @Test func yankedReleaseIsSaid() throws {
        var p = Self.project([("1.0", "2024-01-01T00:00:00Z"), ("1.1", "2024-03-01T00:00:00Z")])
        p.releases["1.1"]![0].yanked = true
        p.releases["1.1"]![0].yankedReason = "broken build"
        let result = try evaluate(p, version: "1.1")
        #expect(result.score == 0.7)
        #expect(result.reason == "1.1 was yanked: broken build")
    }

    @Test func unknownWhenTheReleaseHasNoFiles() throws {
        let p = PyPIProject(info: .init(name: "x", version: "1.0"), releases: ["1.0": []])
        #expect(try evaluate(p).score == nil)
    }
}
