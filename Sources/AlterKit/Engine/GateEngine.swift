import Foundation

extension EngineBuilder {
    /// The install gate's decision function: the scan engine in install mode over pip's resolution, plus each
    /// index release's upload time (for the minimum release age) from the same cached PyPI metadata.
    /// What the engine cannot check is never passed as clean: a package it had to skip gets an ALERT saying
    /// so (editable and local projects are the user's own code), a failed source gets `on_source_error`.
    package func gateDecider() -> GateDecider {
        let engine = scanEngine(mode: .install, risk: codeAssessor(wrapping: riskAssessor()))
        let metadata = metadataSource()
        let concurrency = configuration.maxConcurrency
        return GateDecider(
            minReleaseAgeHours: configuration.minReleaseAge / 3600,
            allowSourceBuilds: configuration.allowSourceBuilds, artifactStore: artifactStore
        ) { dependencies in
            let report = await engine.scan(dependencies, targets: ["pip install"])
            let names = Set(report.results.map(\.dependency.normalizedName))
            let lookups = await metadata.projects(Array(names).sorted(), concurrency: concurrency)
            var decisions = report.results.map { result in
                GateDecision(
                    dependency: result.dependency, verdict: result.verdict,
                    uploadTime: Self.uploadTime(of: result.dependency, in: lookups[result.dependency.normalizedName]))
            }
            for skipped in report.skipped {
                let reason = Reason(
                    kind: .sourceFailure, action: .alert, message: "not checked: \(skipped.reason)")
                decisions.append(GateDecision(dependency: skipped.dependency, verdict: Verdict(reasons: [reason])))
            }
            return decisions
        }
    }

    static func uploadTime(
        of dependency: Dependency, in lookup: Result<MetadataLookup, PyPIMetadataError>?
    ) -> Date? {
        guard case .success(.found(let project)) = lookup, let version = dependency.version,
            let key = project.releaseKey(for: version)
        else { return nil }
        return project.releases[key]?.compactMap(\.uploadTime).min()
    }
}
