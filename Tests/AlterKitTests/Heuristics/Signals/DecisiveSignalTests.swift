import AlterKit
import Foundation
import Testing

/// The decisive signals on real recorded PyPI documents: the popular projects stay ALLOW through the whole risk
/// engine and policy, look-alikes are held by the name alone, a file PyPI did not publish is caught by its hash.
@Suite struct DecisiveSignalTests {
    static let popular20 = [
        "requests", "flask", "django", "jinja2", "urllib3", "pyyaml", "attrs", "numpy", "boto3", "setuptools", "pip",
        "click", "six", "certifi", "idna", "charset-normalizer", "packaging", "cryptography", "pydantic", "rich",
    ]

    func engine() -> RiskEngine {
        RiskEngine(metadata: RecordedSource(), typosquat: Recorded.index, clock: Recorded.clock)
    }

    func decide(_ dependency: Dependency, _ risk: RiskAssessment?, mode: PolicyMode = .install) -> PolicyDecision {
        PolicyEngine.decide(
            dependency: dependency, vulnerabilities: [], risk: risk, failures: risk?.failures ?? [],
            config: .defaults, mode: mode, now: Recorded.now)
    }

    /// Each at its latest version, as pip would resolve it from PyPI itself (the file's own URL and sha256).
    @Test func theTwentyRecordedPopularProjectsStayAllow() async throws {
        var dependencies: [Dependency] = []
        for name in Self.popular20 {
            let project = try Recorded.project(name)
            let version = project.info.version
            let file = try #require(project.releases[version]?.first { $0.packageType == "bdist_wheel" })
            var dependency = Dependency(name: name, version: version, hashes: ["sha256:\(file.sha256 ?? "")"])
            dependency.artifactURL = "https://files.pythonhosted.org/packages/xx/\(file.filename)"
            dependencies.append(dependency)
        }
        let result = await engine().assess(dependencies)
        for dependency in dependencies {
            let risk = result[RiskEngine.key(for: dependency)]
            let decision = decide(dependency, risk)
            #expect(decision.verdict.action == .allow, "\(dependency.name): \(decision.verdict.reasons)")
        }
    }

    /// The same release from a mirror serving PyPI's bytes passes; rebuilt bytes under the same name do not.
    @Test func aMirrorServingPyPIsBytesPassesARebuiltFileIsBlocked() async throws {
        let project = try Recorded.project("six")
        let file = try #require(project.releases["1.17.0"]?.first { $0.packageType == "bdist_wheel" })
        var mirrored = Dependency(name: "six", version: "1.17.0", hashes: ["sha256:\(file.sha256 ?? "")"])
        mirrored.artifactURL = "https://mirror.example/simple/six/\(file.filename)"
        var rebuilt = Dependency(
            name: "six", version: "1.17.0", hashes: ["sha256:" + String(repeating: "ab", count: 32)])
        rebuilt.artifactURL = "https://mirror.example/simple/six/\(file.filename)"
        var confused = Dependency(
            name: "six", version: "99.0.0", hashes: ["sha256:" + String(repeating: "cd", count: 32)])
        confused.artifactURL = "https://extra.example/simple/six/six-99.0.0-py3-none-any.whl"
        let result = await engine().assess([mirrored, rebuilt, confused])
        let one = await engine().assess([mirrored])
        #expect(decide(mirrored, one[RiskEngine.key(for: mirrored)]).verdict.action == .allow)
        let two = await engine().assess([rebuilt])
        let blocked = decide(rebuilt, two[RiskEngine.key(for: rebuilt)])
        #expect(blocked.verdict.action == .block)
        #expect(
            blocked.verdict.reasons.first?.message.contains("artifact_hash: six-1.17.0-py2.py3-none-any.whl") == true)
        let three = decide(confused, result[RiskEngine.key(for: confused)])
        #expect(three.verdict.action == .block)
        #expect(three.verdict.reasons.first?.subject == "index_confusion", "\(three.verdict.reasons)")
        // Unless the project is the user's own.
        let internalEngine = RiskEngine(
            metadata: RecordedSource(), typosquat: Recorded.index, internalPackages: ["six"], clock: Recorded.clock)
        let own = await internalEngine.assess([confused])
        #expect(own[RiskEngine.key(for: confused)]?.factors.contains { $0.name == "index_confusion" } == false)
    }

    /// A name one edit from a popular one, not on PyPI or young with one unrelated owner: held on its own.
    @Test(arguments: ["atrs", "reqeusts", "djnago", "numpyy", "urlib3", "cryptograpy", "python-dateutils"])
    func obviousSquatsAreHeldWhateverTheComposite(_ name: String) async throws {
        let dependency = Dependency(name: name, version: "1.0")
        let result = await engine().assess([dependency])
        let decision = decide(dependency, result[RiskEngine.key(for: dependency)])
        #expect(decision.verdict.action >= .quarantine, "\(name): \(decision.verdict.reasons)")
        #expect(decision.verdict.reasons.contains { $0.message.hasPrefix("typosquat: ") })
    }

    @Test func decisiveFactorsAreNotSharesOfTheComposite() {
        let scorer = RiskScorer()
        let assessment = scorer.assess([
            RiskFactor(name: "package_age", score: 0.8, reason: ""), RiskFactor(name: "code", score: 0, reason: ""),
            RiskFactor(name: "typosquatting", score: 0, reason: ""),
        ])
        #expect(assessment.composite == 80)
    }
}
