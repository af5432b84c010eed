import Foundation

/// Adds the `code` factor to another risk assessor's answer: for every dependency pip's report gives an archive URL
/// and sha256 for (`download_info`), the artifact is fetched once (hash checked first, cached by hash) and inspected,
/// and the factor joins the others before the composite is recomputed. An artifact that cannot be fetched or read is
/// a source failure (`artifact`), never a clean factor; a hash mismatch is one too, and says so.
package struct ArtifactCodeAssessor: RiskAssessor {
    package var inner: (any RiskAssessor)?
    package var store: ArtifactStore
    package var scorer: RiskScorer
    package var inspector = ArtifactInspector()
    /// Artifacts fetched and inspected at once.
    package var concurrency: Int
    /// Modes the artifacts are inspected in (the install gate by default; a scan of requirements has no artifact).
    package var modes: Set<PolicyMode>

    package init(
        inner: (any RiskAssessor)?, store: ArtifactStore, scorer: RiskScorer, concurrency: Int = 4,
        modes: Set<PolicyMode> = [.install]
    ) {
        self.inner = inner
        self.store = store
        self.scorer = scorer
        self.concurrency = max(1, concurrency)
        self.modes = modes
    }

    package var sourceInfo: SourceInfo? { inner?.sourceInfo }

    /// The artifact URL and expected sha256 of a dependency from pip's report, when it has an archive.
    static func artifact(of dependency: Dependency) -> (url: String, sha256: String)? {
        guard let url = dependency.url else { return nil }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("file://") else {
            return nil
        }
        let hash = dependency.hashes.first { $0.lowercased().hasPrefix("sha256:") }.map { String($0.dropFirst(7)) }
        guard let hash, let name = try? ArtifactStore.fileName(of: url) else { return nil }
        let archive = [".whl", ".tar.gz", ".tgz", ".zip", ".tar"].contains { name.lowercased().hasSuffix($0) }
        return archive ? (url, hash) : nil
    }

    /// The code factor of one dependency, and the failure when it could not be computed.
    package func codeFactor(for dependency: Dependency) async -> (RiskFactor, SourceFailure?) {
        guard let (url, sha256) = Self.artifact(of: dependency) else {
            return (
                CodeFactor.unavailable("no archive with a sha256 in pip's report (directory, VCS or unhashed)"), nil
            )
        }
        do {
            let (_, inspection) = try await store.inspect(url: url, sha256: sha256, inspector: inspector)
            // The hijack pattern: compare with the previous release when this store has inspected one.
            let diff = store.previousInspection(of: inspection).map {
                ReleaseDiffer.diff(previous: $0, current: inspection)
            }
            return (CodeFactor.factor(inspection, diff: diff), nil)
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            return (CodeFactor.unavailable(message), SourceFailure(source: "artifact", message: message))
        }
    }

    package func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
        var answer = await inner?.assess(dependencies, mode: mode) ?? [:]
        guard modes.contains(mode) else { return answer }
        var results: [String: (RiskFactor, SourceFailure?)] = [:]
        await withTaskGroup(of: (String, RiskFactor, SourceFailure?).self) { group in
            var pending = dependencies.makeIterator()
            func launch() {
                guard let dependency = pending.next() else { return }
                group.addTask {
                    let (factor, failure) = await codeFactor(for: dependency)
                    return (RiskKey.of(dependency), factor, failure)
                }
            }
            for _ in 0..<concurrency { launch() }
            while let (key, factor, failure) = await group.next() {
                results[key] = (factor, failure)
                launch()
            }
        }
        for dependency in dependencies {
            let key = RiskKey.of(dependency)
            guard let (factor, failure) = results[key] else { continue }
            var factors = answer[key]?.factors ?? []
            factors.removeAll { $0.name == CodeFactor.name }
            factors.append(factor)
            var failures = answer[key]?.failures ?? []
            if let failure { failures.append(failure) }
            answer[key] = scorer.assess(factors, failures: failures)
        }
        return answer
    }
}
