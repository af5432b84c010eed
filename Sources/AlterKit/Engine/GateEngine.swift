import Foundation

extension EngineBuilder {
    /// The install gate's decision function: the scan engine in install mode over pip's resolution, plus each
    /// index release's upload time (for the minimum release age) from the same cached PyPI metadata.
    /// What the engine cannot check is never passed as clean: a package it had to skip gets `on_source_error`
    /// (an editable project from a local folder, the user's own code, an ALERT saying so), a failed source too.
    /// A source's note (answers from the offline database, and its date) is said on stderr.
    /// Throws when the artifact store's folder cannot be written: the gate installs only files it verified there,
    /// so that is an error about the folder before any package is looked at, never a verdict on a package.
    package func gateDecider() throws -> GateDecider {
        let artifactStore = self.artifactStore
        try FileIO.ensureWritableDirectory(artifactStore.directory)
        let engine = scanEngine(mode: .install, risk: codeAssessor(wrapping: riskAssessor()))
        let metadata = metadataSource()
        let concurrency = configuration.maxConcurrency
        let onSourceError = configuration.onSourceError
        let diagnostics = services.diagnostics
        let minReleaseAge = configuration.minReleaseAge
        return GateDecider(
            minReleaseAgeHours: configuration.minReleaseAge / 3600,
            allowSourceBuilds: configuration.allowSourceBuilds, artifactStore: artifactStore
        ) { dependencies in
            let report = await engine.scan(dependencies, targets: ["pip install"])
            for source in report.sources where source.name != "policy" {
                if let note = source.note { diagnostics.warning("\(source.name): \(note)") }
            }
            let names = Set(report.results.map(\.dependency.normalizedName))
            let lookups = await metadata.projects(Array(names).sorted(), concurrency: concurrency)
            var decisions = report.results.map { result in
                let uploaded = Self.uploadTime(of: result.dependency, in: lookups[result.dependency.normalizedName])
                var verdict = result.verdict
                if uploaded == nil, minReleaseAge > 0,
                    let reason = Self.unknownUploadTimeReason(
                        result, minReleaseAge: minReleaseAge, action: onSourceError)
                {
                    verdict = Verdict(reasons: [reason] + verdict.reasons)
                }
                return GateDecision(dependency: result.dependency, verdict: verdict, uploadTime: uploaded)
            }
            for skipped in report.skipped {
                let ownCode = skipped.dependency.editable && (skipped.dependency.url?.hasPrefix("file:") ?? true)
                let reason = Reason(
                    kind: .sourceFailure, action: ownCode ? .alert : onSourceError,
                    message: "not checked: \(skipped.reason)")
                decisions.append(GateDecision(dependency: skipped.dependency, verdict: Verdict(reasons: [reason])))
            }
            return decisions
        }
    }

    /// An index release whose upload time is unknown is not known to be old enough: it gets `on_source_error`
    /// (unless allowlisted), never a pass. Direct URLs, paths and VCS checkouts have no upload time to ask for.
    static func unknownUploadTimeReason(_ result: PackageResult, minReleaseAge: TimeInterval, action: Action)
        -> Reason?
    {
        let dependency = result.dependency
        guard dependency.url == nil, dependency.artifactURL != nil, !dependency.editable,
            !result.verdict.reasons.contains(where: { $0.kind == .allowlist })
        else { return nil }
        let hours = (minReleaseAge / 360).rounded() / 10
        return Reason(
            kind: .sourceFailure, action: action,
            message: "upload time of \(dependency.version ?? "this release") unknown (PyPI's metadata has none): not "
                + "known to be older than min_release_age (\(PolicyEngine.formatScore(hours)) h); on_source_error = "
                + action.rawValue,
            subject: "min_release_age")
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
