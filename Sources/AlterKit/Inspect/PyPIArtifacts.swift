import Foundation
import PythonPackaging

/// One file of a release on the index.
package struct PyPIArtifact: Sendable, Hashable, Codable {
    package var filename: String
    package var url: String
    package var sha256: String
    /// `bdist_wheel` or `sdist`.
    package var packagetype: String
    package var version: String
    package var yanked: Bool
}

/// Why the index could not say which artifacts a release has.
package enum PyPIArtifactError: AlterKSError, Equatable {
    case invalidRequirement(String)
    case notFound(name: String, version: String?)
    case status(url: String, code: Int)
    case badResponse(url: String, reason: String)
    case noArtifacts(name: String, version: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .invalidRequirement: .usage
        case .notFound, .status, .badResponse, .noArtifacts: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .invalidRequirement(let text): "expected NAME==VERSION, got \(text.debugDescription)"
        case .notFound(let name, let version): "\(name)\(version.map { "==\($0)" } ?? ""): not found on the index"
        case .status(let url, let code): "\(url): HTTP \(code)"
        case .badResponse(let url, let reason): "\(url): unexpected response: \(reason)"
        case .noArtifacts(let name, let version): "\(name)==\(version): the release has no files"
        }
    }
}

/// Finds a release's artifacts (and the previous release's) through PyPI's JSON API.
package struct PyPIArtifactLocator: Sendable {
    package var baseURL: String
    package var http: any HTTPClient

    /// `ALTERKS_PYPI_URL` from the environment, else https://pypi.org.
    package init(environment: [String: String], http: any HTTPClient) {
        var base = environment["ALTERKS_PYPI_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://pypi.org"
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.http = http
    }

    /// Splits and validates `NAME==VERSION` (PEP 508 name, PEP 440 version), so that neither reaches a URL raw.
    package static func parseRequirement(_ text: String) throws -> (name: String, version: String) {
        let parts = text.components(separatedBy: "==")
        guard parts.count == 2 else { throw PyPIArtifactError.invalidRequirement(text) }
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        let version = parts[1].trimmingCharacters(in: .whitespaces)
        let nameOK =
            !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
            }
            && name.first.map { $0.isLetter || $0.isNumber } == true
            && name.last.map { $0.isLetter || $0.isNumber } == true
        guard nameOK, (try? Version(version)) != nil else { throw PyPIArtifactError.invalidRequirement(text) }
        return (name, version)
    }

    struct ReleaseFile: Decodable {
        var filename: String
        var url: String
        var digests: [String: String]
        var packagetype: String
        var yanked: Bool?
    }

    struct ReleaseResponse: Decodable {
        var urls: [ReleaseFile]?
        var releases: [String: [ReleaseFile]]?
    }

    func get(_ path: String, name: String, version: String?) async throws -> ReleaseResponse {
        let url = baseURL + path
        let response = try await http.send(HTTPRequest(url: url, headers: ["Accept": "application/json"]))
        if response.status == 404 { throw PyPIArtifactError.notFound(name: name, version: version) }
        guard response.status == 200 else { throw PyPIArtifactError.status(url: url, code: response.status) }
        do {
            return try JSONDecoder().decode(ReleaseResponse.self, from: response.body)
        } catch {
            throw PyPIArtifactError.badResponse(url: url, reason: "\(error)")
        }
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "._-+!"))) ?? s
    }

    /// The release's files with a sha256; URLs relative to the JSON document (as mirrors write them) resolved.
    static func artifacts(_ files: [ReleaseFile], version: String, documentURL: String) -> [PyPIArtifact] {
        let base = URL(string: documentURL)
        return files.compactMap { f in
            guard let sha = f.digests["sha256"] else { return nil }
            let url = URL(string: f.url, relativeTo: base)?.absoluteURL.absoluteString ?? f.url
            return PyPIArtifact(
                filename: f.filename, url: url, sha256: sha, packagetype: f.packagetype, version: version,
                yanked: f.yanked ?? false)
        }
    }

    /// The files of `name==version` (`GET /pypi/NAME/VERSION/json`).
    package func artifacts(name: String, version: String) async throws -> [PyPIArtifact] {
        let path = "/pypi/\(Self.escape(name))/\(Self.escape(version))/json"
        let response = try await get(path, name: name, version: version)
        let found = Self.artifacts(response.urls ?? [], version: version, documentURL: baseURL + path)
        if found.isEmpty { throw PyPIArtifactError.noArtifacts(name: name, version: version) }
        return found
    }

    /// The artifact to inspect for a release: a pure-Python wheel, else the sdist (its setup.py is install-time
    /// code), else a Linux x86-64 wheel, else the first file.
    package static func preferred(_ artifacts: [PyPIArtifact]) -> PyPIArtifact? {
        artifacts.first { $0.filename.hasSuffix("-none-any.whl") }
            ?? artifacts.first { $0.packagetype == "sdist" }
            ?? artifacts.first { $0.filename.contains("manylinux") && $0.filename.contains("x86_64") }
            ?? artifacts.first
    }

    /// The same kind of artifact from the newest earlier release (final releases only, unless `version` is itself
    /// a pre-release; yanked ones skipped), or nil when there is none.
    package func previous(of artifact: PyPIArtifact, name: String) async throws -> PyPIArtifact? {
        let path = "/pypi/\(Self.escape(name))/json"
        let response = try await get(path, name: name, version: nil)
        guard let current = try? Version(artifact.version) else { return nil }
        let candidates = (response.releases ?? [:]).compactMap { key, files -> (Version, [PyPIArtifact])? in
            guard let v = try? Version(key), v < current, !v.isPrerelease || current.isPrerelease else { return nil }
            let usable = Self.artifacts(files, version: key, documentURL: baseURL + path).filter { !$0.yanked }
            return usable.isEmpty ? nil : (v, usable)
        }.sorted { $0.0 > $1.0 }
        // The tags after "name-version-" say which wheel of the earlier release matches this one.
        let tags = artifact.filename.split(separator: "-").dropFirst(2).joined(separator: "-")
        for (_, files) in candidates {
            if let same = files.first(where: {
                $0.packagetype == artifact.packagetype
                    && (artifact.packagetype != "bdist_wheel" || $0.filename.hasSuffix(tags))
            }) {
                return same
            }
            if let kind = files.first(where: { $0.packagetype == artifact.packagetype }) { return kind }
        }
        return nil
    }
}
