import Foundation
import PythonPackaging

/// Why an artifact could not be fetched. A hash mismatch is a refusal: nothing of the download is read.
package enum ArtifactStoreError: AlterKSError, Equatable {
    case invalidHash(String)
    case unsupportedURL(String)
    case badFileName(String)
    case hashMismatch(url: String, expected: String, actual: String)
    case fetchFailed(url: String, status: Int)
    case unreadable(path: String, reason: String)
    case cacheUnwritable(path: String, reason: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .invalidHash, .unsupportedURL, .badFileName: .usage
        case .hashMismatch, .fetchFailed, .unreadable, .cacheUnwritable: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .invalidHash(let hash): "not a sha256 hex digest: \(hash.debugDescription)"
        case .unsupportedURL(let url): "\(url): only https:// (http:// to loopback) and file:// URLs are fetched"
        case .badFileName(let name): "refusing artifact file name \(name.debugDescription)"
        case .hashMismatch(let url, let expected, let actual):
            "\(url): sha256 \(actual) does not match the expected \(expected); refused, nothing of it was read"
        case .fetchFailed(let url, let status): "\(url): HTTP \(status)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .cacheUnwritable(let path, let reason): "cannot write the artifact cache \(path): \(reason)"
        }
    }
}

/// An artifact on disk whose sha256 has been checked.
package struct FetchedArtifact: Sendable, Hashable {
    package var path: String
    package var fileName: String
    package var sha256: String
    /// True when no network (or source file) was read: the verified cache answered.
    package var fromCache: Bool
}

/// What every copy of one store shares: how pip reaches each URL (set by the install gate from pip's own
/// options, so that a private index's files are fetched with its credentials, through its proxy, with its CA
/// bundle), and the downloads in flight, so that a file asked for twice at once is fetched once.
package final class ArtifactFetches: @unchecked Sendable {
    private let lock = NSLock()
    private var accessRule: (@Sendable (String) -> HTTPAccess?)?
    /// For each key being fetched, the callers waiting for the fetch's answer.
    private var inFlight: [String: [CheckedContinuation<FetchedArtifact, any Error>]] = [:]

    package init() {}

    /// From now on, each URL is fetched with `rule(url)`.
    package func use(_ rule: @escaping @Sendable (String) -> HTTPAccess?) {
        lock.withLock { accessRule = rule }
    }

    func access(for url: String) -> HTTPAccess? {
        lock.withLock { accessRule }?(url)
    }

    /// `work`'s answer, shared with every caller that asks for the same `key` while it runs. The first caller runs
    /// `work` in its own task (never an unstructured one: the local index runs on its own threads, and a task started
    /// here would wait for the shared cooperative pool); a caller that joined a fetch cancelled under another caller
    /// fetches again itself.
    func once(_ key: String, _ work: @escaping @Sendable () async throws -> FetchedArtifact) async throws
        -> FetchedArtifact
    {
        while true {
            let first = lock.withLock {
                if inFlight[key] != nil { return false }
                inFlight[key] = []
                return true
            }
            if first {
                let result: Result<FetchedArtifact, any Error>
                do {
                    result = .success(try await work())
                } catch {
                    result = .failure(error)
                }
                let waiters = lock.withLock { inFlight.removeValue(forKey: key) ?? [] }
                for waiter in waiters { waiter.resume(with: result) }
                return try result.get()
            }
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    let joined = lock.withLock {
                        guard inFlight[key] != nil else { return false }
                        inFlight[key]?.append(continuation)
                        return true
                    }
                    if !joined { continuation.resume(throwing: ArtifactFetchRetry()) }
                }
            } catch is ArtifactFetchRetry {
                continue
            } catch is CancellationError where !Task.isCancelled {
                continue
            }
        }
    }
}

/// The fetch a caller meant to join ended before it joined: it asks again.
private struct ArtifactFetchRetry: Error {}

/// Fetches artifacts once and keeps them content-addressed by sha256 in a private directory (0700 dirs, 0600
/// files): `DIR/ab/abcdef…/name-1.0-py3-none-any.whl`, with the inspection result beside it. A download streams to
/// a private temporary file (`DIR/.partial/`) and is hashed on the way; the expected hash is checked before
/// anything else reads the bytes; a cached file is re-hashed before it is trusted.
package struct ArtifactStore: Sendable {
    package var directory: String
    package var http: any HTTPClient
    /// Largest artifact fetched.
    package var maxBytes: Int
    package var timeout: Double
    /// Shared by every copy of this store.
    package let fetches: ArtifactFetches

    package init(directory: String, http: any HTTPClient, maxBytes: Int = 2 << 30, timeout: Double = 600) {
        self.directory = directory
        self.http = http
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.fetches = ArtifactFetches()
    }

    /// The store under the cache directory of `paths`.
    package init(paths: AlterKSPaths, http: any HTTPClient) {
        self.init(directory: paths.cacheDir + "/artifacts", http: http)
    }

    static func validHash(_ hash: String) throws -> String {
        let lower = hash.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ hexValue($0) != nil }) else {
            throw ArtifactStoreError.invalidHash(hash)
        }
        return lower
    }

    /// The artifact's file name: the last path component of the URL, without query or fragment.
    static func fileName(of url: String) throws -> String {
        var u = url
        if let cut = u.firstIndex(where: { $0 == "#" || $0 == "?" }) { u = String(u[..<cut]) }
        let name = (u.split(separator: "/").last.map(String.init) ?? "").removingPercentEncoding ?? ""
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.hasPrefix("."),
            !name.utf8.contains(0)
        else { throw ArtifactStoreError.badFileName(name) }
        return name
    }

    /// The local path of a `file://` URL (a `--find-links` folder or a local mirror): absolute, on this host
    /// (`file:///…` or `file://localhost/…`), percent-decoded; anything else is refused rather than guessed at.
    static func localPath(of url: String) throws -> String {
        var rest = String(url.dropFirst("file://".count))
        if let cut = rest.firstIndex(where: { $0 == "#" || $0 == "?" }) { rest = String(rest[..<cut]) }
        if rest.lowercased().hasPrefix("localhost/") { rest.removeFirst("localhost".count) }
        guard rest.hasPrefix("/"), let path = rest.removingPercentEncoding, !path.utf8.contains(0) else {
            throw ArtifactStoreError.unsupportedURL(url)
        }
        return path
    }

    /// A `#sha256=…` fragment (as package indexes write them), when the URL has one.
    package static func fragmentHash(_ url: String) -> String? {
        guard let range = url.range(of: "#sha256=") else { return nil }
        return String(url[range.upperBound...].prefix(64))
    }

    func entryDirectory(_ sha256: String) -> String {
        directory + "/" + String(sha256.prefix(2)) + "/" + sha256
    }

    /// The verified cached artifact with this hash, if any. A cached file whose bytes no longer match is removed.
    package func cached(sha256 expected: String) throws -> FetchedArtifact? {
        let hash = try Self.validHash(expected)
        let dir = entryDirectory(hash)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        for name in names where !name.hasPrefix(".") && !name.hasSuffix(".inspection.json") {
            let path = dir + "/" + name
            guard let actual = try? hexString(SHA256.hash(fileAt: path)) else { continue }
            if actual == hash { return FetchedArtifact(path: path, fileName: name, sha256: hash, fromCache: true) }
            unlink(path)
        }
        return nil
    }

    /// The artifact at `url`, verified against `sha256` (hex) before anything reads it, from the cache when it is
    /// there. With no expected hash the download is taken as it is and cached under its own hash.
    package func fetch(url: String, sha256 expected: String?) async throws -> FetchedArtifact {
        let expectedHash = try expected.map(Self.validHash)
        if let expectedHash, let hit = try cached(sha256: expectedHash) { return hit }
        let name = try Self.fileName(of: url)
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            let store = self
            return try await fetches.once(expectedHash ?? url) {
                if let expectedHash, let hit = try store.cached(sha256: expectedHash) { return hit }
                return try await store.download(url: url, name: name, expected: expectedHash)
            }
        }
        let data: Data
        if lower.hasPrefix("file://") {
            let path = try Self.localPath(of: url)
            do {
                data = try FileIO.read(path, limit: maxBytes)
            } catch {
                throw ArtifactStoreError.unreadable(path: path, reason: "\(error)")
            }
        } else {
            guard url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://") else {
                throw ArtifactStoreError.unsupportedURL(url)
            }
            throw ArtifactStoreError.unsupportedURL(url)
        }
        let actual = hexString(SHA256.hash(data))
        if let expectedHash, actual != expectedHash {
            throw ArtifactStoreError.hashMismatch(url: url, expected: expectedHash, actual: actual)
        }
        let dir = entryDirectory(actual)
        let path = dir + "/" + name
        do {
            try FileIO.ensurePrivateDirectory(dir)
            try FileIO.writeAtomically(data, to: path)
        } catch {
            throw ArtifactStoreError.cacheUnwritable(path: path, reason: "\(error)")
        }
        return FetchedArtifact(path: path, fileName: name, sha256: actual, fromCache: false)
    }

    /// Streams `url` to a private temporary file, hashing it on the way, then moves it under its hash.
    func download(url: String, name: String, expected: String?) async throws -> FetchedArtifact {
        var request = HTTPRequest(url: url, timeout: timeout, maxBodyBytes: maxBytes)
        request.access = fetches.access(for: url)
        if request.access?.allowsPlainHTTP != true { try requireSecureURL(url) }
        let partial = directory + "/.partial"
        let temporary = partial + "/" + UUID().uuidString
        do {
            try FileIO.ensurePrivateDirectory(partial)
        } catch {
            throw ArtifactStoreError.cacheUnwritable(path: partial, reason: "\(error)")
        }
        defer { unlink(temporary) }
        let download = try await http.download(request, to: temporary)
        guard download.status == 200 else { throw ArtifactStoreError.fetchFailed(url: url, status: download.status) }
        if let expected, download.sha256 != expected {
            throw ArtifactStoreError.hashMismatch(url: url, expected: expected, actual: download.sha256)
        }
        let dir = entryDirectory(download.sha256)
        let path = dir + "/" + name
        do {
            try FileIO.ensurePrivateDirectory(dir)
        } catch {
            throw ArtifactStoreError.cacheUnwritable(path: path, reason: "\(error)")
        }
        guard rename(temporary, path) == 0 else {
            throw ArtifactStoreError.cacheUnwritable(path: path, reason: systemErrorMessage(errno))
        }
        return FetchedArtifact(path: path, fileName: name, sha256: download.sha256, fromCache: false)
    }

    /// Fetches (or finds) the artifact and inspects it; the inspection is cached beside it, keyed by the rules'
    /// version, so a warm gate neither downloads nor re-reads.
    package func inspect(
        url: String, sha256 expected: String?, inspector: ArtifactInspector = ArtifactInspector()
    ) async throws -> (artifact: FetchedArtifact, inspection: ArtifactInspection) {
        let artifact = try await fetch(url: url, sha256: expected)
        let resultPath = entryDirectory(artifact.sha256) + "/v\(CodeAnalyzer.rulesVersion).inspection.json"
        if artifact.fromCache, let data = try? FileIO.read(resultPath, limit: 64 << 20),
            let saved = try? JSONDecoder().decode(ArtifactInspection.self, from: data), saved.sha256 == artifact.sha256
        {
            return (artifact, saved)
        }
        var inspection = try ArtifactReader.inspect(path: artifact.path, sha256: artifact.sha256, inspector: inspector)
        inspection.artifact = artifact.fileName
        if let data = try? JSONEncoder().encode(inspection) { try? FileIO.writeAtomically(data, to: resultPath) }
        remember(inspection)
        return (artifact, inspection)
    }

    // MARK: Releases seen, for the release diff

    /// One inspected release of a project, as the per-project index keeps it.
    struct Seen: Codable, Hashable {
        var version: String
        var sha256: String
        var format: ArtifactFormat
        /// The wheel's tags or "sdist", so that a wheel is compared with the same kind of wheel.
        var flavour: String
    }

    static func flavour(_ inspection: ArtifactInspection) -> String {
        guard inspection.format == .wheel else { return inspection.format.rawValue }
        return inspection.artifact.split(separator: "-").dropFirst(2).joined(separator: "-")
    }

    func indexPath(_ project: String) -> String {
        directory + "/projects/" + PackageName.normalize(project) + ".json"
    }

    /// Notes an inspected release under its project, so that the next release can be compared with it.
    func remember(_ inspection: ArtifactInspection) {
        guard let project = inspection.project, let version = inspection.version, let sha = inspection.sha256,
            !project.isEmpty,
            PackageName.normalize(project).allSatisfy({
                $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_"
            })
        else { return }
        let path = indexPath(project)
        var seen =
            (try? FileIO.read(path, limit: 4 << 20)).flatMap { try? JSONDecoder().decode([Seen].self, from: $0) } ?? []
        let entry = Seen(version: version, sha256: sha, format: inspection.format, flavour: Self.flavour(inspection))
        guard !seen.contains(entry) else { return }
        seen.append(entry)
        guard let data = try? JSONEncoder().encode(seen.suffix(200)) else { return }
        try? FileIO.ensurePrivateDirectory(directory + "/projects")
        try? FileIO.writeAtomically(data, to: path)
    }

    /// The inspection of the newest earlier release of the same project (same format and wheel tags) that this store
    /// has inspected, when there is one: the release diff's baseline without a download.
    package func previousInspection(of inspection: ArtifactInspection) -> ArtifactInspection? {
        guard let project = inspection.project, let current = inspection.version.flatMap({ try? Version($0) }),
            let data = try? FileIO.read(indexPath(project), limit: 4 << 20),
            let seen = try? JSONDecoder().decode([Seen].self, from: data)
        else { return nil }
        let flavour = Self.flavour(inspection)
        let earlier = seen.compactMap { entry -> (Version, Seen)? in
            guard entry.format == inspection.format, entry.flavour == flavour, let v = try? Version(entry.version),
                v < current
            else { return nil }
            return (v, entry)
        }.sorted { $0.0 > $1.0 }
        for (_, entry) in earlier {
            let path = entryDirectory(entry.sha256) + "/v\(CodeAnalyzer.rulesVersion).inspection.json"
            if let data = try? FileIO.read(path, limit: 64 << 20),
                let saved = try? JSONDecoder().decode(ArtifactInspection.self, from: data), saved.sha256 == entry.sha256
            {
                return saved
            }
        }
        return nil
    }
}
