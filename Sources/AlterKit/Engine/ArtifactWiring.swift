import Foundation

extension EngineBuilder {
    /// The install gate's risk assessor with the `code` factor added: each artifact in pip's report is fetched
    /// (sha256 checked first), cached by hash under the cache directory, and inspected. With the `code` weight at 0
    /// the artifacts are not fetched at all and `inner` is returned as it is.
    /// `modes` says when it acts: the install gate by default; a scan of an installed environment too. `store`: the
    /// one the gate installs from (so that a file is fetched once for both), else `artifactStore`.
    package func codeAssessor(
        wrapping inner: (any RiskAssessor)?, modes: Set<PolicyMode> = [.install], store: ArtifactStore? = nil
    ) -> (any RiskAssessor)? {
        guard configuration.weight(for: CodeFactor.name) > 0 else { return inner }
        return ArtifactCodeAssessor(
            inner: inner, store: store ?? artifactStore, scorer: RiskScorer(weights: configuration.heuristicWeights),
            concurrency: max(1, configuration.maxConcurrency), modes: modes)
    }

    /// The artifacts fetched for inspection, kept by hash under the cache directory: the install gate installs
    /// from the same files.
    package var artifactStore: ArtifactStore {
        ArtifactStore(directory: cacheDirectory + "/artifacts", http: http)
    }
}
