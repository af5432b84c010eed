import AlterKit
import Foundation
import PythonPackaging
import Testing

/// Answers from the recorded responses; names in `failing` fail, unknown names are 404s.
struct RecordedSource: PackageMetadataSource {
    var failing: Set<String> = []
    var provenance: [String: ProvenanceLookup] = [:]

    func project(_ name: String) async throws -> MetadataLookup {
        let key = PackageName.normalize(name)
        if failing.contains(key) {
            throw PyPIMetadataError.status(url: "https://pypi.org/pypi/\(key)/json", status: 503)
        }
        guard let project = try? Recorded.project(key) else { return .notFound }
        return .found(project)
    }

    func provenance(name: String, version: String, file: PyPIProject.ReleaseFile) async throws -> ProvenanceLookup {
        provenance["\(name)==\(version)"] ?? .absent
    }
}

@Suite struct RiskEngineTests {
    func engine(_ source: RecordedSource = RecordedSource(), internalNames: Set<String> = []) -> RiskEngine {
        RiskEngine(metadata: source, typosquat: Recorded.index, internalPackages: internalNames, clock: Recorded.clock)
    }

    @Test func smallNewProjectsScoreAbovePopularOnes() async throws {
        let names = Recorded.small + Recorded.popular
        let result = await engine().assess(names.map { Dependency(name: $0) })
        #expect(result.count == names.count)
        for small in Recorded.small {
            for popular in Recorded.popular {
                let s = try #require(result[small]?.composite)
                let p = try #require(result[popular]?.composite)
                #expect(s > p, "\(small) \(s) vs \(popular) \(p)")
            }
        }
        for popular in Recorded.popular { #expect((result[popular]?.composite ?? 100) < 12) }
        for small in Recorded.small { #expect((result[small]?.composite ?? 0) > 20) }
    }

    @Test func httpx2StaysLowDespiteItsName() async throws {
        let result = await engine().assess([Dependency(name: "httpx2", version: "2.16.2")])
        let httpx2 = try #require(result["httpx2==2.16.2"])
        let typo = try #require(httpx2.factors.first { $0.name == "typosquatting" }?.score)
        #expect(typo > 0 && typo < TyposquatIndex.threshold)
        #expect((httpx2.composite ?? 100) < 30, "\(httpx2)")
    }

    @Test func keysAreNormalisedNameAndVersion() async {
        let result = await engine().assess([
            Dependency(name: "Requests", version: "2.34.2"), Dependency(name: "requests", version: "2.34.2"),
            Dependency(name: "Flask"),
        ])
        #expect(Set(result.keys) == ["requests==2.34.2", "flask"])
        #expect(RiskEngine.key(for: Dependency(name: "Jinja2", version: "3.1.6")) == "jinja2==3.1.6")
    }

    @Test func aMetadataFailureLeavesFactorsUnknownAndIsKept() async throws {
        let result = await engine(RecordedSource(failing: ["birm"])).assess([Dependency(name: "birm")])
        let birm = try #require(result["birm"])
        #expect(birm.failures.map(\.source) == ["pypi-metadata"])
        #expect(Set(birm.unknownFactors).isSuperset(of: ["package_age", "maintainer_count", "release_pattern"]))
        // Only the name-based factor is known: 0, but never presented as a full clean assessment.
        #expect(birm.factors.first { $0.name == "typosquatting" }?.score == 0)
        #expect(!birm.failures.isEmpty)
    }

    @Test func internalPackageOnThePublicIndexIsCritical() async throws {
        let result = await engine(internalNames: ["birm"]).assess([Dependency(name: "birm", version: "0.1.3")])
        let birm = try #require(result["birm==0.1.3"])
        #expect(birm.composite == 100)
        #expect(birm.factors.contains { $0.name == "dependency_confusion" && $0.score == 1 })
    }

    @Test func aNameMissingFromTheIndexIsAFindingNotAFailure() async throws {
        let result = await engine().assess([Dependency(name: "acme-internal-thing")])
        let missing = try #require(result["acme-internal-thing"])
        #expect(missing.failures.isEmpty)
        #expect(missing.factors.contains { $0.name == "dependency_confusion" && $0.score == 0.6 })
        #expect(missing.factors.first { $0.name == "package_age" }?.reason == "no such project on the public index")
    }

    @Test func provenanceDroppedAfterAttestedReleasesIsReported() async throws {
        var source = RecordedSource()
        source.provenance = ["requests==2.34.1": .present(publishers: ["GitHub:psf/requests"])]
        let result = await engine(source).assess([Dependency(name: "requests", version: "2.34.2")])
        let factor = try #require(result["requests==2.34.2"]?.factors.first { $0.name == "provenance" })
        #expect(factor.score == 0.9)
    }
}
