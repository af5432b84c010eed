import AlterKit
import Foundation

/// A PEP 691 package index on the loopback interface, for tests of what pip asks an index:
/// - `GET /simple/NAME/`: the JSON project page (`application/vnd.pypi.simple.v1+json`) listing every added file
///   with its sha256 and, unless `uploadTimes` is off, its `upload-time` (PEP 700; pip 26.0+ filters on it with
///   `--uploaded-prior-to`);
/// - `GET /files/FILE`: the file's bytes.
/// Every request is counted (`requestCount`), so a test can assert that a step asked the index nothing.
public final class SimpleIndexDouble: @unchecked Sendable {
    private struct File {
        var project: String
        var name: String
        var data: Data
        var uploaded: Date?
    }

    private let lock = NSLock()
    private var files: [File] = []
    private let uploadTimes: Bool
    public private(set) var server: LoopbackHTTPServer!

    /// `uploadTimes: false` serves pages without `upload-time`, as many private indexes do.
    public init(uploadTimes: Bool = true) throws {
        self.uploadTimes = uploadTimes
        server = try LoopbackHTTPServer { [weak self] request in
            self?.answer(request) ?? ServerResponse(status: 503)
        }
    }

    deinit { server?.stop() }

    /// The `--index-url`.
    public var indexURL: String { server.baseURL + "/simple/" }

    /// Requests received so far.
    public var requestCount: Int { server.requestCount }

    /// Serves the wheel or sdist at `path` under its file name, uploaded at `uploaded`.
    public func add(_ path: URL, uploaded: Date?) throws {
        let name = path.lastPathComponent
        let project = PackageName.normalize(String(name.prefix { $0 != "-" }))
        let data = try Data(contentsOf: path)
        lock.withLock { files.append(File(project: project, name: name, data: data, uploaded: uploaded)) }
    }

    public func stop() { server.stop() }

    private func answer(_ request: ServerRequest) -> ServerResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "simple" { return page(PackageName.normalize(parts[1])) }
        if parts.count == 2, parts[0] == "files",
            let file = lock.withLock({ files.first { $0.name == parts[1] } })
        {
            return ServerResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: file.data)
        }
        return .notFound
    }

    private func page(_ project: String) -> ServerResponse {
        let listed = lock.withLock { files.filter { $0.project == project } }
        guard !listed.isEmpty else { return .notFound }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let entries: [[String: Any]] = listed.map { file in
            var entry: [String: Any] = [
                "filename": file.name, "url": "/files/" + file.name,
                "hashes": ["sha256": hexString(SHA256.hash(file.data))],
            ]
            if uploadTimes, let uploaded = file.uploaded { entry["upload-time"] = iso.string(from: uploaded) }
            return entry
        }
        let versions = Set(listed.map { $0.name.split(separator: "-").dropFirst().first.map(String.init) ?? "" })
        let document: [String: Any] = [
            "meta": ["api-version": "1.1"], "name": project, "files": entries, "versions": versions.sorted(),
        ]
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return ServerResponse(status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json"], body: body)
    }
}
