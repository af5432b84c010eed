import Foundation
import PythonPackaging

/// What the index said about a project name.
package enum MetadataLookup: Sendable, Hashable {
    case found(PyPIProject)
    /// 404: no such project on the index. A finding, not a failure (dependency confusion).
    case notFound
}

/// Whether one file has PEP 740 attestations, and who published it when it has.
package enum ProvenanceLookup: Sendable, Hashable {
    /// The publisher identities named by the attestation bundles (`kind:repository`, e.g. `GitHub:pypa/pip`).
    case present(publishers: [String])
    /// 404 from the Integrity API, or the index's file entry says `provenance: null`.
    case absent
}

/// The metadata could not be had. Never read as "nothing suspicious".
package enum PyPIMetadataError: AlterKSError, Equatable {
    case invalidName(String)
    case status(url: String, status: Int)
    case transport(url: String, message: String)
    case malformed(url: String, message: String)
    case cache(message: String)

    package var exitStatus: ExitStatus {
        if case .invalidName = self { return .usage }
        return .sourceFailure
    }

    package var description: String {
        switch self {
        case .invalidName(let name): "not a valid project name: \(name.debugDescription)"
        case .status(let url, 429): "\(url): HTTP 429 (rate limited)"
        case .status(let url, let status): "\(url): HTTP \(status)"
        case .transport(let url, let message): "\(url): \(message)"
        case .malformed(let url, let message): "\(url): malformed response: \(message)"
        case .cache(let message): "metadata cache: \(message)"
        }
    }
}

/// Where project metadata comes from. The engine takes this protocol; tests give it recorded projects.
package protocol PackageMetadataSource: Sendable {
    /// The project's metadata, or `.notFound`. Throws `PyPIMetadataError` when the index could not answer.
    func project(_ name: String) async throws -> MetadataLookup
    /// Whether one release file has PEP 740 attestations. Throws when the index could not answer.
    func provenance(name: String, version: String, file: PyPIProject.ReleaseFile) async throws -> ProvenanceLookup
}

extension PackageMetadataSource {
    /// Many projects at once, at most `concurrency` requests in flight; one result per distinct normalised name.
    /// `completed(done, total)` is called after each project, on the calling task.
    package func projects(
        _ names: [String], concurrency: Int = 8, completed: ((Int, Int) -> Void)? = nil
    ) async -> [String: Result<MetadataLookup, PyPIMetadataError>] {
        var unique: [String] = []
        var seen = Set<String>()
        for name in names where seen.insert(PackageName.normalize(name)).inserted { unique.append(name) }
        var results: [String: Result<MetadataLookup, PyPIMetadataError>] = [:]
        await withTaskGroup(of: (String, Result<MetadataLookup, PyPIMetadataError>).self) { group in
            var next = 0
            func launch() {
                let name = unique[next]
                next += 1
                group.addTask {
                    do {
                        return (PackageName.normalize(name), .success(try await project(name)))
                    } catch let error as PyPIMetadataError {
                        return (PackageName.normalize(name), .failure(error))
                    } catch {
                        return (
                            PackageName.normalize(name),
                            .failure(.transport(url: name, message: String(describing: error)))
                        )
                    }
                }
            }
            while next < unique.count && next < max(1, concurrency) { launch() }
            while let (name, result) = await group.next() {
                results[name] = result
                completed?(results.count, unique.count)
                if next < unique.count { launch() }
            }
        }
        return results
    }
}

/// PyPI's JSON API (`GET {base}/pypi/NAME/json`) and Integrity API
/// (`GET {base}/integrity/NAME/VERSION/FILENAME/provenance`), with an optional SQLite cache: projects for the
/// configured TTL, then revalidated with the index's `ETag` (`If-None-Match`; a 304 costs no document), and
/// provenance answers for good, keyed by the file's sha256 (a file's attestations never change).
/// 404 is `.notFound`; 429, 5xx, other statuses, transport errors and bodies that do not decode throw. Retries
/// are the `http` client's business (wrap it in `RetryingHTTPClient`).
package struct PyPIMetadataClient: PackageMetadataSource {
    package static let defaultBaseURL = "https://pypi.org"

    let http: any HTTPClient
    let baseURL: String
    let cache: MetadataCache?
    let clock: any WallClock
    let ttl: TimeInterval
    let diagnostics: any DiagnosticSink

    /// - Parameters:
    ///   - baseURL: scheme and host (and optional path prefix) of the index, without a trailing slash.
    ///   - ttl: how long a cached answer is trusted (config `metadata_ttl`); 0 disables storing.
    package init(
        http: any HTTPClient, baseURL: String = PyPIMetadataClient.defaultBaseURL, cache: MetadataCache? = nil,
        clock: any WallClock, ttl: TimeInterval = 24 * 3600, diagnostics: any DiagnosticSink = NullDiagnostics()
    ) {
        self.http = http
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.cache = cache
        self.clock = clock
        self.ttl = ttl
        self.diagnostics = diagnostics
    }

    package func project(_ name: String) async throws -> MetadataLookup {
        guard PackageName.isValid(name) else { throw PyPIMetadataError.invalidName(name) }
        let key = PackageName.normalize(name)
        if let cache {
            do {
                if let hit = try cache.lookup(key, now: clock.now()) {
                    diagnostics.debug("metadata cache hit: \(key)")
                    return hit
                }
            } catch {
                diagnostics.warning("metadata cache unreadable, asking the index: \(error)")
            }
        }
        let url = "\(baseURL)/pypi/\(key)/json"
        let stale = try? cache?.revalidatable(key)
        var headers = ["Accept": "application/json"]
        if let stale { headers["If-None-Match"] = stale.etag }
        let response = try await get(url, headers: headers)
        let lookup: MetadataLookup
        switch response.status {
        case 304 where stale != nil:
            diagnostics.debug("metadata unchanged on the index: \(key)")
            do {
                try cache?.refresh(key, now: clock.now(), ttl: ttl)
            } catch {
                diagnostics.warning("could not store metadata for \(key): \(error)")
            }
            return .found(stale!.project)
        case 200:
            do {
                lookup = .found(try PyPIProject.decode(response.body))
            } catch {
                throw PyPIMetadataError.malformed(url: url, message: Self.describe(error))
            }
        case 404:
            lookup = .notFound
        default:
            throw PyPIMetadataError.status(url: url, status: response.status)
        }
        if let cache {
            do {
                if case .found(let project) = lookup, let old = try cache.lastSerial(key), let new = project.lastSerial,
                    new != old
                {
                    diagnostics.debug("\(key) changed on the index (serial \(old) → \(new))")
                }
                try cache.store(lookup, for: key, now: clock.now(), ttl: ttl, etag: response.headers["etag"])
            } catch {
                diagnostics.warning("could not store metadata for \(key): \(error)")
            }
        }
        return lookup
    }

    package func provenance(name: String, version: String, file: PyPIProject.ReleaseFile) async throws
        -> ProvenanceLookup
    {
        if case .some(.none) = file.provenance { return .absent }
        guard PackageName.isValid(name), Self.isSafeSegment(version), Self.isSafeSegment(file.filename) else {
            throw PyPIMetadataError.invalidName("\(name)/\(version)/\(file.filename)")
        }
        let fileKey =
            file.sha256.map { "sha256:" + $0.lowercased() }
            ?? "\(PackageName.normalize(name))/\(version)/\(file.filename)"
        if let cache, let known = try? cache.provenance(file: fileKey) { return known }
        let answer = try await fetchProvenance(name: name, version: version, file: file)
        do {
            try cache?.storeProvenance(answer, file: fileKey, now: clock.now())
        } catch {
            diagnostics.warning("could not store provenance for \(file.filename): \(error)")
        }
        return answer
    }

    private func fetchProvenance(name: String, version: String, file: PyPIProject.ReleaseFile) async throws
        -> ProvenanceLookup
    {
        let url = "\(baseURL)/integrity/\(PackageName.normalize(name))/\(version)/\(file.filename)/provenance"
        let response = try await get(url, headers: ["Accept": "application/vnd.pypi.integrity.v1+json"])
        switch response.status {
        case 200:
            guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let bundles = object["attestation_bundles"] as? [[String: Any]]
            else { throw PyPIMetadataError.malformed(url: url, message: "expected attestation_bundles") }
            let publishers = bundles.compactMap { bundle -> String? in
                guard let publisher = bundle["publisher"] as? [String: Any] else { return nil }
                let kind = publisher["kind"] as? String ?? "?"
                let where_ = publisher["repository"] as? String ?? publisher["project"] as? String ?? "?"
                return "\(kind):\(where_)"
            }
            return .present(publishers: publishers.sorted())
        case 404:
            return .absent
        default:
            throw PyPIMetadataError.status(url: url, status: response.status)
        }
    }

    private func get(_ url: String, headers: [String: String]) async throws -> HTTPResponse {
        do {
            return try await http.send(HTTPRequest(url: url, headers: headers, timeout: 30, maxBodyBytes: 64 << 20))
        } catch let error as HTTPError {
            throw PyPIMetadataError.transport(url: url, message: error.description)
        } catch {
            throw PyPIMetadataError.transport(url: url, message: String(describing: error))
        }
    }

    /// Versions and file names go into a URL path: no separators, no dot-segments, no escapes.
    static func isSafeSegment(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".."
            && s.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || c == 0x2E || c == 0x2D || c == 0x5F || c == 0x2B || c == 0x21
            }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context): "\(context.debugDescription)"
        case .keyNotFound(let key, _): "missing key \(key.stringValue)"
        case .typeMismatch(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .valueNotFound(_, let context):
            "null at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: String(describing: error)
        }
    }
}
