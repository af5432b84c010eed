import Foundation

/// What `alterks inspect` was asked.
package struct InspectRequest: Sendable {
    /// A path (wheel, sdist, or an installed `.dist-info` directory), a URL, or `NAME==VERSION`.
    package var target: String
    /// The sha256 the download must have (URLs); `#sha256=` fragments and the index's digests are used otherwise.
    package var expectedSHA256: String?
    /// A second target to compare with, as the previous release.
    package var previous: String?
    /// For `NAME==VERSION`: also fetch the previous release from the index and compare.
    package var diffPrevious: Bool
    /// For `NAME==VERSION`: which of the release's files (default: a pure wheel, else the sdist …).
    package var artifactName: String?
    /// Relative paths are read from here.
    package var currentDirectory: String

    package init(
        target: String, expectedSHA256: String? = nil, previous: String? = nil, diffPrevious: Bool = false,
        artifactName: String? = nil, currentDirectory: String
    ) {
        self.target = target
        self.expectedSHA256 = expectedSHA256
        self.previous = previous
        self.diffPrevious = diffPrevious
        self.artifactName = artifactName
        self.currentDirectory = currentDirectory
    }
}

/// The answer: the inspection, and the diff when a previous release was compared.
package struct InspectOutcome: Sendable {
    package var inspection: ArtifactInspection
    package var diff: ReleaseDiff?
    /// Set when a previous release was asked for and the index has none.
    package var note: String?
}

/// Resolves a target to an artifact, fetches it (verified, cached), inspects it, and compares it with the previous
/// release when asked.
package struct InspectService: Sendable {
    package var store: ArtifactStore
    package var locator: PyPIArtifactLocator
    package var inspector = ArtifactInspector()

    package init(store: ArtifactStore, locator: PyPIArtifactLocator) {
        self.store = store
        self.locator = locator
    }

    package func run(_ request: InspectRequest) async throws -> InspectOutcome {
        let (inspection, release) = try await inspect(request.target, request, expected: request.expectedSHA256)
        var outcome = InspectOutcome(inspection: inspection, diff: nil)
        if let previous = request.previous {
            let (old, _) = try await inspect(previous, request, expected: nil)
            outcome.diff = ReleaseDiffer.diff(previous: old, current: inspection)
        } else if request.diffPrevious {
            guard let (name, artifact) = release else {
                throw InspectTargetError.previousNeedsRelease(request.target)
            }
            if let earlier = try await locator.previous(of: artifact, name: name) {
                let (_, old) = try await store.inspect(url: earlier.url, sha256: earlier.sha256, inspector: inspector)
                outcome.diff = ReleaseDiffer.diff(previous: old, current: inspection)
            } else {
                outcome.note = "\(name) has no earlier release to compare with"
            }
        }
        return outcome
    }

    /// Inspects one target; for `NAME==VERSION` also returns the release file chosen.
    func inspect(_ target: String, _ request: InspectRequest, expected: String?) async throws -> (
        ArtifactInspection, (String, PyPIArtifact)?
    ) {
        let path = target.hasPrefix("/") ? target : request.currentDirectory + "/" + target
        var isDirectory: ObjCBool = false
        if !target.contains("://"), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                let url = URL(fileURLWithPath: path).standardizedFileURL
                guard url.lastPathComponent.hasSuffix(".dist-info") else {
                    throw InspectTargetError.notAnArtifact(target)
                }
                let inspection = try ArtifactReader.inspectInstalled(
                    distInfo: url.lastPathComponent, sitePackages: url.deletingLastPathComponent().path,
                    inspector: inspector)
                return (inspection, nil)
            }
            let sha = try? hexString(SHA256.hash(fileAt: path))
            if let expected, let sha, sha != expected.lowercased() {
                throw ArtifactStoreError.hashMismatch(url: path, expected: expected.lowercased(), actual: sha)
            }
            return (try ArtifactReader.inspect(path: path, sha256: sha, inspector: inspector), nil)
        }
        if target.contains("://") {
            let hash = expected ?? ArtifactStore.fragmentHash(target)
            return (try await store.inspect(url: target, sha256: hash, inspector: inspector).inspection, nil)
        }
        if target.contains("==") {
            let (name, version) = try PyPIArtifactLocator.parseRequirement(target)
            let files = try await locator.artifacts(name: name, version: version)
            let chosen: PyPIArtifact?
            if let wanted = request.artifactName {
                chosen = files.first { $0.filename == wanted }
                guard chosen != nil else { throw InspectTargetError.noSuchFile(release: target, file: wanted) }
            } else {
                chosen = PyPIArtifactLocator.preferred(files)
            }
            guard let artifact = chosen else { throw PyPIArtifactError.noArtifacts(name: name, version: version) }
            let (_, inspection) = try await store.inspect(
                url: artifact.url, sha256: artifact.sha256, inspector: inspector)
            return (inspection, (name, artifact))
        }
        throw InspectTargetError.notAnArtifact(target)
    }
}

/// A target `alterks inspect` cannot make sense of.
package enum InspectTargetError: AlterKSError, Equatable {
    case notAnArtifact(String)
    case noSuchFile(release: String, file: String)
    case previousNeedsRelease(String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .notAnArtifact(let target):
            "\(target): not a file, a .dist-info directory, a URL or NAME==VERSION"
        case .noSuchFile(let release, let file): "\(release) has no file \(file)"
        case .previousNeedsRelease(let target): "--diff-previous needs NAME==VERSION, not \(target)"
        }
    }
}
