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
        let engine = scanEngine(mode: .install, risk: codeAssessor(wrapping: riskAssessor(), store: artifactStore))
        let metadata = metadataSource()
        let concurrency = configuration.maxConcurrency
        let onSourceError = configuration.onSourceError
        let minReleaseAge = configuration.minReleaseAge
        let diagnostics = services.diagnostics
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
                let lookup = lookups[result.dependency.normalizedName]
                var decision = GateDecision(
                    dependency: result.dependency, verdict: result.verdict,
                    uploadTime: Self.uploadTime(of: result.dependency, in: lookup),
                    vulnerabilities: result.vulnerabilities)
                if let reason = Self.unknownAgeReason(
                    decision, lookup: lookup, minReleaseAge: minReleaseAge, action: onSourceError)
                {
                    decision.verdict = Verdict(reasons: [reason] + decision.verdict.reasons)
                }
                return decision
            }
            for skipped in report.skipped {
                decisions.append(Self.skippedDecision(skipped, onSourceError: onSourceError))
            }
            return decisions
        }
    }

    /// What the gate does with a package the engine could not look up: `on_source_error`, never a pass — except an
    /// editable project from a local folder (the user's own code), which is an ALERT saying it was not checked.
    static func skippedDecision(_ skipped: SkippedDependency, onSourceError: Action) -> GateDecision {
        let ownCode = skipped.dependency.editable && (skipped.dependency.url?.hasPrefix("file:") ?? true)
        let reason = Reason(
            kind: .sourceFailure, action: ownCode ? .alert : onSourceError, message: "not checked: \(skipped.reason)")
        return GateDecision(dependency: skipped.dependency, verdict: Verdict(reasons: [reason]))
    }

    /// An index release whose upload time is unknown cannot be held to `min_release_age`: that is a source failure
    /// (`on_source_error`), never a pass. Unknown means the PyPI metadata could not be read, PyPI has no such
    /// release, or none of its files has an upload time. A project PyPI does not know at all (a private index's) is
    /// left to the dependency-confusion signals; local folders, direct URLs and VCS have no upload time to check; an
    /// allowlisted package is not held to it.
    static func unknownAgeReason(
        _ decision: GateDecision, lookup: Result<MetadataLookup, PyPIMetadataError>?, minReleaseAge: TimeInterval,
        action: Action
    ) -> Reason? {
        let dependency = decision.dependency
        guard minReleaseAge > 0, decision.uploadTime == nil, dependency.url == nil, !dependency.editable,
            let version = dependency.version, !decision.verdict.reasons.contains(where: { $0.kind == .allowlist })
        else { return nil }
        let why: String
        switch lookup {
        case .success(.notFound): return nil
        case .failure(let error): why = "PyPI metadata could not be read: \(error.description)"
        case .none: why = "PyPI metadata was not looked up"
        case .success(.found(let project)):
            why =
                project.releaseKey(for: version) == nil
                ? "PyPI lists no release \(version)" : "PyPI gives no upload time for \(version)"
        }
        let hours = PolicyEngine.formatScore(minReleaseAge / 3600)
        return Reason(
            kind: .sourceFailure, action: action,
            message: "upload time unknown (\(why)): min_release_age (\(hours) h) cannot be checked",
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
