import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// The code factor joining the gate's risk assessment from pip's report (`download_info` URL and sha256).
@Suite struct ArtifactCodeAssessorTests {
    struct Fixed: RiskAssessor {
        func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
            Dictionary(
                uniqueKeysWithValues: dependencies.map {
                    (
                        RiskKey.of($0),
                        RiskAssessment(
                            factors: [RiskFactor(name: "package_age", score: 0, reason: "old")], composite: 0)
                    )
                })
        }
        var sourceInfo: SourceInfo? { SourceInfo(name: "fixed") }
    }

    @Test func pthPayloadQuarantinesAndTheTwinIsAllowed() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = ArtifactReaderTests.maliciousWheel()
        let badData = bad.wheelData()
        var twin = ArtifactBuilder(name: "requests", version: "2.98.0")
        twin.add("requests/__init__.py", "from .api import get\n")
        let twinData = twin.wheelData()
        let server = try LoopbackHTTPServer { request in
            request.path.hasSuffix(bad.wheelFileName) ? ServerResponse(body: badData) : ServerResponse(body: twinData)
        }
        defer { server.stop() }
        let assessor = ArtifactCodeAssessor(
            inner: Fixed(), store: ArtifactStore(directory: dir.path, http: CurlHTTPClient(environment: [:])),
            scorer: RiskScorer())
        let badDep = Dependency(
            name: "requests", version: "2.99.0", url: server.url("/f/\(bad.wheelFileName)"),
            hashes: ["sha256:" + hexString(SHA256.hash(badData))])
        let twinDep = Dependency(
            name: "requests", version: "2.98.0", url: server.url("/f/\(twin.wheelFileName)"),
            hashes: ["sha256:" + hexString(SHA256.hash(twinData))])
        let answer = await assessor.assess([badDep, twinDep], mode: .install)
        let badRisk = try #require(answer[RiskKey.of(badDep)])
        #expect(badRisk.factors.map(\.name) == ["package_age", "code"])
        #expect(badRisk.factors.last?.score == 1.0)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let quarantined = PolicyEngine.decide(
            dependency: badDep, vulnerabilities: [], risk: badRisk, failures: badRisk.failures, config: .defaults,
            mode: .install, now: now)
        #expect(quarantined.verdict.action == .quarantine)
        let twinRisk = try #require(answer[RiskKey.of(twinDep)])
        #expect(twinRisk.factors.last?.score == 0)
        let allowed = PolicyEngine.decide(
            dependency: twinDep, vulnerabilities: [], risk: twinRisk, failures: twinRisk.failures, config: .defaults,
            mode: .install, now: now)
        #expect(allowed.verdict.action == .allow)
        // Scans of requirements have no artifacts: nothing fetched.
        let before = server.requestCount
        let scan = await assessor.assess([badDep], mode: .scan)
        #expect(scan[RiskKey.of(badDep)]?.factors.map(\.name) == ["package_age"])
        #expect(server.requestCount == before)
    }

    @Test func aNewPthSinceTheCachedPreviousReleaseRaisesTheFactor() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var old = ArtifactBuilder(name: "popular", version: "1.0")
        old.add("popular/__init__.py", "")
        var new = ArtifactBuilder(name: "popular", version: "1.1")
        new.add("popular/__init__.py", "")
        new.add("popular-hook.pth", "import popular\n")
        let oldData = old.wheelData()
        let newData = new.wheelData()
        let oldName = old.wheelFileName
        let server = try LoopbackHTTPServer { request in
            ServerResponse(body: request.path.hasSuffix(oldName) ? oldData : newData)
        }
        defer { server.stop() }
        let assessor = ArtifactCodeAssessor(
            inner: nil, store: ArtifactStore(directory: dir.path, http: CurlHTTPClient(environment: [:])),
            scorer: RiskScorer())
        func dependency(_ b: ArtifactBuilder, _ data: Data) -> Dependency {
            Dependency(
                name: b.name, version: b.version, url: server.url("/f/\(b.wheelFileName)"),
                hashes: ["sha256:" + hexString(SHA256.hash(data))])
        }
        // Without a baseline the clean .pth is medium (0.4); after 1.0 was seen, it is new since 1.0 (0.8).
        let fresh = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: fresh) }
        let alone = ArtifactCodeAssessor(
            inner: nil, store: ArtifactStore(directory: fresh.path, http: CurlHTTPClient(environment: [:])),
            scorer: RiskScorer())
        #expect(await alone.codeFactor(for: dependency(new, newData)).0.score == 0.4)
        _ = await assessor.codeFactor(for: dependency(old, oldData))
        let (factor, failure) = await assessor.codeFactor(for: dependency(new, newData))
        #expect(failure == nil)
        #expect(factor.score == 0.8)
        #expect(factor.reason.contains("new since 1.0"))
    }

    @Test func mismatchOrUnreachableIsAFailureNotClean() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = ArtifactReaderTests.maliciousWheel().wheelData()
        let server = try LoopbackHTTPServer { _ in ServerResponse(body: data) }
        defer { server.stop() }
        let assessor = ArtifactCodeAssessor(
            inner: nil, store: ArtifactStore(directory: dir.path, http: CurlHTTPClient(environment: [:])),
            scorer: RiskScorer())
        let mismatch = Dependency(
            name: "x", version: "1.0", url: server.url("/x-1.0-py3-none-any.whl"),
            hashes: ["sha256:" + String(repeating: "0", count: 64)])
        let local = Dependency(
            name: "y", version: "1.0", url: "file:///nonexistent/y-1.0.tar.gz",
            hashes: ["sha256:" + String(repeating: "1", count: 64)])
        let directory = Dependency(name: "z", version: "1.0", url: "file:///src/z")
        let answer = await assessor.assess([mismatch, local, directory], mode: .install)
        let m = try #require(answer[RiskKey.of(mismatch)])
        #expect(m.factors.first?.score == nil)
        #expect(m.failures.first?.source == "artifact")
        #expect(m.failures.first?.message.contains("does not match") == true)
        #expect(answer[RiskKey.of(local)]?.failures.first?.source == "artifact")
        // A directory is not an archive: unknown, said so, no failure.
        let d = try #require(answer[RiskKey.of(directory)])
        #expect(d.factors.first?.score == nil)
        #expect(d.failures.isEmpty)
        let decision = PolicyEngine.decide(
            dependency: mismatch, vulnerabilities: [], risk: m, failures: m.failures, config: .defaults, mode: .install,
            now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(decision.verdict.action == .block)
    }

    /// The gate's dependencies come from pip's report, where an index file has no `url` (it is not a direct
    /// reference) but an `artifactURL`; without a sha256 the artifact cannot be tied to what pip installs.
    @Test func indexArtifactsAreInspectedAndUnhashedOnesAreAFailure() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = ArtifactReaderTests.maliciousWheel()
        let path = dir.path + "/" + bad.wheelFileName
        let data = bad.wheelData()
        try data.write(to: URL(fileURLWithPath: path))
        let assessor = ArtifactCodeAssessor(
            inner: Fixed(),
            store: ArtifactStore(directory: dir.path + "/cache", http: CurlHTTPClient(environment: [:])),
            scorer: RiskScorer())
        var indexed = Dependency(
            name: "requests", version: "2.99.0", hashes: ["sha256:" + hexString(SHA256.hash(data))])
        indexed.artifactURL = "file://" + path
        let (factor, failure) = await assessor.codeFactor(for: indexed)
        #expect(failure == nil)
        #expect(factor.score == 1.0)
        #expect(assessor.contentFingerprint(of: indexed, mode: .install) == "sha256:" + hexString(SHA256.hash(data)))
        #expect(assessor.contentFingerprint(of: indexed, mode: .scan) == nil)

        var unhashed = indexed
        unhashed.hashes = []
        let (unknown, refused) = await assessor.codeFactor(for: unhashed)
        #expect(unknown.score == nil)
        #expect(refused?.source == "artifact")
        #expect(refused?.message.contains("no sha256") == true)
    }
}
