import Foundation

/// Adds the `code` factor to another risk assessor's answer: for every dependency pip's report gives an archive URL
/// and sha256 for (`download_info`), the artifact is fetched once (hash checked first, cached by hash) and inspected,
/// and the factor joins the others before the composite is recomputed. An installed distribution (a scan of an
/// environment) is inspected from the files its RECORD lists. An artifact that cannot be fetched or read is
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

    /// The artifact's sha256 from pip's report: a cached verdict holds for those bytes only.
    package func contentFingerprint(of dependency: Dependency, mode: PolicyMode) -> String? {
        let inner = inner?.contentFingerprint(of: dependency, mode: mode)
        guard modes.contains(mode) else { return inner }
        var own = Self.archiveURL(of: dependency).map { _ in "sha256:" + (Self.sha256(of: dependency) ?? "none") }
        if let (sitePackages, distInfo) = Self.installed(dependency) {
            own =
                "installed:"
                + (ArtifactStore.installedFingerprint(distInfo: distInfo, sitePackages: sitePackages) ?? "none")
        }
        let parts = [inner, own].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "|")
    }

    /// The artifact URL of a dependency from pip's report (`download_info.url` of an index file or a direct
    /// archive), when it names an archive of a scheme the store fetches.
    static func archiveURL(of dependency: Dependency) -> String? {
        guard let url = dependency.artifactURL ?? dependency.url else { return nil }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("file://"),
            let name = try? ArtifactStore.fileName(of: url)
        else { return nil }
        let archive = [".whl", ".tar.gz", ".tgz", ".zip", ".tar"].contains { name.lowercased().hasSuffix($0) }
        return archive ? url : nil
    }

    /// The sha256 (hex) pip's report gives for the dependency's artifact.
    static func sha256(of dependency: Dependency) -> String? {
        dependency.hashes.first { $0.lowercased().hasPrefix("sha256:") }.map { String($0.dropFirst(7)).lowercased() }
    }

    /// The `.dist-info` directory of an installed distribution (an environment scan's dependency), split into
    /// site-packages and the directory's name.
    static func installed(_ dependency: Dependency) -> (sitePackages: String, distInfo: String)? {
        guard dependency.artifactURL == nil, dependency.url == nil, let file = dependency.location?.file,
            file.hasPrefix("/"), file.hasSuffix(".dist-info")
        else { return nil }
        let url = URL(fileURLWithPath: file)
        return (url.deletingLastPathComponent().path, url.lastPathComponent)
    }

    /// The code factor of an installed distribution, from the files its RECORD lists (cached by their fingerprint).
    /// A distribution without a RECORD (an `.egg-info` install, a distribution package that strips it) lists no
    /// files to read: the factor is unknown and says so, without counting as a failed source.
    func installedCodeFactor(sitePackages: String, distInfo: String) -> ([RiskFactor], SourceFailure?) {
        guard FileIO.exists(sitePackages + "/" + distInfo + "/RECORD") else {
            return ([CodeFactor.unavailable("\(distInfo) has no RECORD listing the installed files")], nil)
        }
        do {
            let inspection = try store.inspectInstalled(
                distInfo: distInfo, sitePackages: sitePackages, inspector: inspector)
            return (CodeFactor.factors(inspection), nil)
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            return ([CodeFactor.unavailable(message)], SourceFailure(source: "installed-files", message: message))
        }
    }

    /// The code factor of one dependency, and the failure when it could not be computed.
    package func codeFactor(for dependency: Dependency) async -> (RiskFactor, SourceFailure?) {
        let (factors, failure) = await codeFactors(for: dependency)
        return (factors[0], failure)
    }

    /// The code factor of one dependency first, then `entry_point_shadow` when it installs such a command; and the
    /// failure when they could not be computed.
    package func codeFactors(for dependency: Dependency) async -> ([RiskFactor], SourceFailure?) {
        if let (sitePackages, distInfo) = Self.installed(dependency) {
            return installedCodeFactor(sitePackages: sitePackages, distInfo: distInfo)
        }
        if dependency.artifactURL == nil, dependency.url == nil, let file = dependency.location?.file,
            file.hasSuffix(".egg-info") || file.hasSuffix("EGG-INFO")
        {
            return ([CodeFactor.unavailable("installed as \(file): no RECORD listing its files")], nil)
        }
        guard let url = Self.archiveURL(of: dependency) else {
            return ([CodeFactor.unavailable("no archive in pip's report (a directory or VCS reference)")], nil)
        }
        // What is inspected must be what pip installs: without the report's hash there is nothing to check the
        // download against, so the artifact is not judged at all (a failure, never a clean factor).
        guard let sha256 = Self.sha256(of: dependency) else {
            let message = "\(url): pip's report gives no sha256 for the artifact; it cannot be verified"
            return ([CodeFactor.unavailable(message)], SourceFailure(source: "artifact", message: message))
        }
        do {
            let (_, inspection) = try await store.inspect(url: url, sha256: sha256, inspector: inspector)
            // The hijack pattern: compare with the previous release when this store has inspected one.
            let diff = store.previousInspection(of: inspection).map {
                ReleaseDiffer.diff(previous: $0, current: inspection)
            }
            return (CodeFactor.factors(inspection, diff: diff), nil)
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            return ([CodeFactor.unavailable(message)], SourceFailure(source: "artifact", message: message))
        }
    }

    package func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
        var answer = await inner?.assess(dependencies, mode: mode) ?? [:]
        guard modes.contains(mode) else { return answer }
        var results: [String: ([RiskFactor], SourceFailure?)] = [:]
        await withTaskGroup(of: (String, [RiskFactor], SourceFailure?).self) { group in
            var pending = dependencies.makeIterator()
            func launch() {
                guard let dependency = pending.next() else { return }
                group.addTask {
                    let (factor, failure) = await codeFactors(for: dependency)
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
            factors.removeAll { $0.name == CodeFactor.name || $0.name == CodeFactor.entryPointShadowName }
            factors += factor
            var failures = answer[key]?.failures ?? []
            if let failure { failures.append(failure) }
            answer[key] = scorer.assess(factors, failures: failures)
        }
        return answer
    }
}
