import Foundation
import PythonPackaging

/// Scores every package of a scan or an install from its name and its PyPI metadata.
///
/// For each package: the typosquat index (offline), the project's metadata (`metadata`, fetched at most
/// `concurrency` at a time), a few PEP 740 checks for the scanned release, then every factor of `factors`, combined
/// by `RiskScorer`. A source that cannot answer leaves the factors it feeds unknown and is listed in the
/// assessment's `failures`; it is never read as clean.
package struct RiskEngine: Sendable {
    let metadata: any PackageMetadataSource
    let typosquat: TyposquatIndex
    let scorer: RiskScorer
    let internalPackages: Set<String>
    let clock: any WallClock
    let concurrency: Int
    let maxProvenanceRequests: Int
    let factors: [any RiskFactorRule]
    /// Where progress goes (projects looked up).
    let diagnostics: any DiagnosticSink

    /// - Parameters:
    ///   - weights: config `heuristic_weights` (merged over `RiskScorer.defaultWeights`).
    ///   - internalPackages: config `internal_packages` (any spelling; normalised here).
    ///   - concurrency: metadata requests in flight at most.
    ///   - maxProvenanceRequests: Integrity API requests per package at most (0 switches the factor to unknown).
    package init(
        metadata: any PackageMetadataSource, typosquat: TyposquatIndex, weights: [String: Double] = [:],
        internalPackages: Set<String> = [], clock: any WallClock, concurrency: Int = 8,
        maxProvenanceRequests: Int = 3, factors: [any RiskFactorRule] = RiskFactors.all,
        diagnostics: any DiagnosticSink = NullDiagnostics()
    ) {
        self.diagnostics = diagnostics
        self.metadata = metadata
        self.typosquat = typosquat
        self.scorer = RiskScorer(weights: weights)
        self.internalPackages = Set(internalPackages.map(PackageName.normalize))
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self.maxProvenanceRequests = max(0, maxProvenanceRequests)
        self.factors = factors
    }

    /// The key of a package in `assess`'s answer: `name==version` (normalised name) when pinned, else the name.
    package static func key(for dependency: Dependency) -> String {
        dependency.version.map { "\(dependency.normalizedName)==\($0)" } ?? dependency.normalizedName
    }

    /// One assessment per distinct package, keyed by `RiskEngine.key(for:)`.
    package func assess(_ packages: [Dependency]) async -> [String: RiskAssessment] {
        var unique: [String: Dependency] = [:]
        for dependency in packages {
            unique[Self.key(for: dependency)] = unique[Self.key(for: dependency)] ?? dependency
        }
        let diagnostics = diagnostics
        let lookups = await metadata.projects(
            unique.values.map(\.normalizedName), concurrency: concurrency,
            completed: { diagnostics.progress("package metadata", done: $0, total: $1) })
        // The targets of flagged names, so the factor can tell a project's own family (shared owners) from a squat.
        var squats: [String: TyposquatVerdict] = [:]
        for dependency in unique.values where squats[dependency.normalizedName] == nil {
            let verdict = typosquat.check(dependency.name)
            if verdict.isSquat { squats[dependency.normalizedName] = verdict }
        }
        let targetNames = Set(squats.values.compactMap { $0.match?.target })
        let targets =
            targetNames.isEmpty
            ? [:] : await metadata.projects(Array(targetNames).sorted(), concurrency: concurrency)
        let items = Array(unique)
        var out: [String: RiskAssessment] = [:]
        await withTaskGroup(of: (String, RiskAssessment).self) { group in
            var next = 0
            func launch() {
                let (key, dependency) = items[next]
                next += 1
                let lookup =
                    lookups[dependency.normalizedName]
                    ?? .failure(.transport(url: dependency.normalizedName, message: "not looked up"))
                var target: PyPIProject? = nil
                if let name = squats[dependency.normalizedName]?.match?.target,
                    case .success(.found(let project)) = targets[name]
                {
                    target = project
                }
                group.addTask { [target] in (key, await assess(dependency, metadata: lookup, target: target)) }
            }
            while next < items.count && next < concurrency { launch() }
            while let (key, assessment) = await group.next() {
                out[key] = assessment
                if next < items.count { launch() }
            }
        }
        return out
    }

    /// One package, given what the index said about its project.
    package func assess(
        _ dependency: Dependency, metadata lookup: Result<MetadataLookup, PyPIMetadataError>,
        target: PyPIProject? = nil
    ) async -> RiskAssessment {
        var failures: [SourceFailure] = []
        if case .failure(let error) = lookup {
            failures.append(SourceFailure(source: "pypi-metadata", message: error.description))
        }
        var input = FactorInput(
            dependency: dependency, metadata: lookup, typosquat: typosquat.check(dependency.name),
            internalPackages: internalPackages, now: clock.now())
        input.targetProject = target
        if input.project != nil {
            input.provenance = await provenanceChecks(input)
            for check in input.provenance {
                if case .failed(let message) = check.outcome {
                    failures.append(SourceFailure(source: "pypi-integrity", message: message))
                }
            }
        }
        return scorer.assess(factors.compactMap { $0.evaluate(input) }, failures: failures)
    }

    /// The scanned release's file first, then one file of each earlier release, newest first, within
    /// `maxProvenanceRequests` requests (files whose index entry already says are free).
    func provenanceChecks(_ input: FactorInput) async -> [ProvenanceCheck] {
        guard let project = input.project, let scanned = input.scannedRelease, maxProvenanceRequests > 0 else {
            return []
        }
        let releases = project.datedReleases
        guard let position = releases.firstIndex(of: scanned) else { return [] }
        var budget = maxProvenanceRequests
        var checks: [ProvenanceCheck] = []
        for release in [scanned] + releases[..<position].reversed() where !release.yanked || release == scanned {
            guard let file = Self.representativeFile(release) else { continue }
            let needsRequest = file.provenance == nil
            if needsRequest && budget == 0 { break }
            if needsRequest { budget -= 1 }
            let outcome: ProvenanceCheck.Outcome
            if case .some(.some) = file.provenance {
                outcome = .present(publishers: [])
            } else {
                do {
                    switch try await metadata.provenance(
                        name: input.dependency.normalizedName, version: release.version, file: file)
                    {
                    case .present(let publishers): outcome = .present(publishers: publishers)
                    case .absent: outcome = .absent
                    }
                } catch {
                    outcome = .failed(String(describing: error))
                }
            }
            checks.append(ProvenanceCheck(version: release.version, filename: file.filename, outcome: outcome))
            // Once the scanned release is attested and one earlier release confirms the publisher, stop.
            if checks.count >= 2, case .present = checks[0].outcome { break }
        }
        return checks
    }

    /// A wheel when there is one (trusted publishers attest every file alike), else the first file by name.
    static func representativeFile(_ release: PyPIProject.Release) -> PyPIProject.ReleaseFile? {
        let files = release.files.sorted { $0.filename < $1.filename }
        return files.first { $0.packageType == "bdist_wheel" } ?? files.first
    }
}
