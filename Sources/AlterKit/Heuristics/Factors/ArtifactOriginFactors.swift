import Foundation

/// What the artifact pip will install is, next to what PyPI published for that project: the two decisive origin
/// signals (`artifact_hash`, `index_confusion`) read it. Only pip's report names an artifact (`artifactURL`), so
/// both apply to the install gate alone; a project PyPI does not know is dependency confusion's concern, not theirs.
enum ArtifactOrigin {
    /// Hosts that serve PyPI's own files: an artifact from one is what PyPI published, whatever cached metadata says.
    static let pypiFileHosts: Set<String> = ["files.pythonhosted.org"]

    /// The host (and port) of an artifact URL, `file` for a local path.
    static func host(of url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        if components.scheme?.lowercased() == "file" { return "a local file" }
        let host = components.host ?? url
        return components.port.map { "\(host):\($0)" } ?? host
    }

    static func isPyPIFile(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
            let host = components.host?.lowercased()
        else { return false }
        return pypiFileHosts.contains(host)
    }

    /// The artifact's sha256 (hex, lower case) from pip's report.
    static func sha256(_ dependency: Dependency) -> String? {
        dependency.hashes.first { $0.lowercased().hasPrefix("sha256:") }.map { String($0.dropFirst(7)).lowercased() }
    }

    /// The archive pip's report names for the dependency; nil for a directory or VCS reference (the user's source).
    static func archiveURL(_ dependency: Dependency) -> String? {
        guard let url = dependency.artifactURL, !dependency.editable else { return nil }
        let name = fileName(url).lowercased()
        return [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar"].contains { name.hasSuffix($0) } ? url : nil
    }

    static func fileName(_ url: String) -> String {
        let path = URLComponents(string: url)?.path ?? url
        return String(path.split(separator: "/").last ?? Substring(url))
    }
}

/// `artifact_hash`: for a project on PyPI, a file from any other index or URL whose sha256 is not among PyPI's files
/// for that release is not what the project published (a rebuilt wheel on a mirror, a tampered cache). Score 1.0 is
/// decisive (`Signal.artifactHash`, BLOCK by default); a mirror serving PyPI's bytes matches and scores 0.
package struct ArtifactHashFactor: RiskFactorRule {
    package static let factorName = "artifact_hash"
    package let name = ArtifactHashFactor.factorName
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        guard let url = ArtifactOrigin.archiveURL(input.dependency), let version = input.dependency.version else {
            return nil
        }
        let project: PyPIProject
        switch input.metadata {
        case .success(.notFound): return nil
        case .failure(let error):
            return RiskFactor(name: name, score: nil, reason: "PyPI's files for comparison unavailable: \(error)")
        case .success(.found(let found)): project = found
        }
        // A version PyPI does not have is `index_confusion`'s.
        guard let key = project.releaseKey(for: version) else { return nil }
        let file = ArtifactOrigin.fileName(url)
        if ArtifactOrigin.isPyPIFile(url) {
            return RiskFactor(name: name, score: 0, reason: "\(file) is served by PyPI")
        }
        guard let sha256 = ArtifactOrigin.sha256(input.dependency) else {
            return RiskFactor(name: name, score: nil, reason: "pip's report gives no sha256 for \(file)")
        }
        let files = project.releases[key] ?? []
        let digests = files.compactMap { $0.sha256?.lowercased() }
        guard !digests.isEmpty else {
            return RiskFactor(
                name: name, score: nil, reason: "PyPI lists no sha256 for the files of \(project.info.name) \(key)")
        }
        if let same = files.first(where: { $0.sha256?.lowercased() == sha256 }) {
            return RiskFactor(name: name, score: 0, reason: "\(file) is PyPI's \(same.filename) (same sha256)")
        }
        return RiskFactor(
            name: name, score: 1,
            reason: "\(file) from \(ArtifactOrigin.host(of: url)) is not what PyPI published: its sha256 "
                + "\(sha256.prefix(16))… is not among PyPI's \(digests.count) file\(digests.count == 1 ? "" : "s") "
                + "for \(project.info.name) \(key)")
    }
}

/// `index_confusion`: a version PyPI does not have, served by another index under the name of a PyPI project — the
/// shape of an extra index taking over a public name (`six 99.0.0`). Score 1.0 is decisive (`Signal.indexConfusion`,
/// BLOCK by default). Names in `internal_packages` are the user's own and are left to `dependency_confusion`.
package struct IndexConfusionFactor: RiskFactorRule {
    package static let factorName = "index_confusion"
    package let name = IndexConfusionFactor.factorName
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        guard let url = ArtifactOrigin.archiveURL(input.dependency), let version = input.dependency.version,
            !input.internalPackages.contains(input.dependency.normalizedName)
        else { return nil }
        switch input.metadata {
        case .success(.notFound): return nil
        case .failure(let error):
            return RiskFactor(name: name, score: nil, reason: "PyPI's releases for comparison unavailable: \(error)")
        case .success(.found(let project)):
            if project.releaseKey(for: version) != nil {
                return RiskFactor(name: name, score: 0, reason: "\(version) is a release on PyPI")
            }
            // PyPI's own file host serving it means the cached metadata is older than the release.
            if ArtifactOrigin.isPyPIFile(url) {
                return RiskFactor(name: name, score: 0, reason: "\(version) is served by PyPI")
            }
            return RiskFactor(
                name: name, score: 1,
                reason: "\(project.info.name) \(version) is not a release on PyPI, yet \(ArtifactOrigin.host(of: url)) "
                    + "serves it under that name (index confusion; list private names in internal_packages)")
        }
    }
}
