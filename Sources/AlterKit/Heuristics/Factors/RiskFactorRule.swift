import Foundation
import PythonPackaging

/// One heuristic: 0–1 with a one-line reason, `score == nil` when it could not be computed.
package protocol RiskFactorRule: Sendable {
    /// The factor's name, as in `heuristic_weights`.
    var name: String { get }
    /// The factor for one package; nil when it does not apply (e.g. dependency confusion for a name that is
    /// neither internal nor missing from the index).
    func evaluate(_ input: FactorInput) -> RiskFactor?
}

/// What the PEP 740 checks found for one release file.
package struct ProvenanceCheck: Sendable, Hashable {
    package enum Outcome: Sendable, Hashable {
        case present(publishers: [String])
        case absent
        /// The Integrity API could not answer.
        case failed(String)
    }

    package var version: String
    package var filename: String
    package var outcome: Outcome

    package init(version: String, filename: String, outcome: Outcome) {
        self.version = version
        self.filename = filename
        self.outcome = outcome
    }
}

/// Everything the factors may look at for one package.
package struct FactorInput: Sendable {
    package var dependency: Dependency
    /// The index's answer, or why there is none.
    package var metadata: Result<MetadataLookup, PyPIMetadataError>
    package var typosquat: TyposquatVerdict
    /// The scanned release's file first, then files of earlier releases, newest first; empty when not checked.
    package var provenance: [ProvenanceCheck]
    /// Normalised names of private packages (config `internal_packages`).
    package var internalPackages: Set<String>
    package var now: Date
    /// The popular project the name looks like (a typosquat's target), when the index answered for it: its owners
    /// tell the target's own family from a squat.
    package var targetProject: PyPIProject?

    package init(
        dependency: Dependency, metadata: Result<MetadataLookup, PyPIMetadataError>, typosquat: TyposquatVerdict,
        provenance: [ProvenanceCheck] = [], internalPackages: Set<String> = [], now: Date
    ) {
        self.dependency = dependency
        self.metadata = metadata
        self.typosquat = typosquat
        self.provenance = provenance
        self.internalPackages = Set(internalPackages.map(PackageName.normalize))
        self.now = now
    }

    /// The project when the index answered with one.
    package var project: PyPIProject? {
        if case .success(.found(let project)) = metadata { return project }
        return nil
    }

    /// The unknown factor to report when the metadata is missing, or nil when there is a project.
    package func unavailable(_ name: String) -> RiskFactor? {
        switch metadata {
        case .success(.found): nil
        case .success(.notFound): RiskFactor(name: name, score: nil, reason: "no such project on the public index")
        case .failure(let error): RiskFactor(name: name, score: nil, reason: "metadata unavailable: \(error)")
        }
    }

    /// The release being scanned: the pinned version, else the latest. Nil when it has no dated files.
    package var scannedRelease: PyPIProject.Release? {
        guard let project else { return nil }
        let wanted = dependency.version ?? project.info.version
        guard let key = project.releaseKey(for: wanted) else { return nil }
        return project.datedReleases.first { $0.version == key }
    }

    /// Whole days from `date` to now (0 for the future).
    package func days(since date: Date) -> Int { max(0, Int(now.timeIntervalSince(date) / 86400)) }
}

/// The built-in factors, in report order.
package enum RiskFactors {
    package static let all: [any RiskFactorRule] = [
        TyposquattingFactor(), DependencyConfusionFactor(), PackageAgeFactor(), MaintainerCountFactor(),
        ReleasePatternFactor(), MetadataQualityFactor(), ProvenanceFactor(), ArtifactHashFactor(),
        IndexConfusionFactor(),
    ]
}
