import AlterKit
import Foundation
import PythonPackaging

/// A package index on the loopback interface, for tests of what pip (and the gate) ask an index. It serves the
/// distributions of a folder (what `WheelBuilder` writes; `init(folder:credential:)`) and those added one by one with
/// an upload time (`add(_:uploaded:)`):
/// - `GET /simple/NAME/`: a PEP 503 HTML page of that project's files with `#sha256=` hashes, or the PEP 691 JSON page
///   when the client asks for JSON first (pip does), with each added file's `upload-time` (PEP 700; pip 26.0+
///   filters on it with `--uploaded-prior-to`) unless `uploadTimes` is off;
/// - `GET /files/FILE`: the file's bytes.
/// With `credential` set, every request must carry that user and password (HTTP basic), else 401. Every request is
/// recorded (`requestCount`, `requestedPaths`), so a test can assert that a step asked the index nothing.
public final class SimpleIndexDouble: @unchecked Sendable {
    private struct File {
        var name: String
        var data: Data
        var uploaded: Date?
    }

    /// The folder whose distributions are served, if any.
    public let folder: URL?
    private let credential: (user: String, password: String)?
    private let uploadTimes: Bool
    private let lock = NSLock()
    private var added: [File] = []
    public private(set) var server: LoopbackHTTPServer!

    /// Serves the distributions in `folder` (read at each request).
    public convenience init(folder: URL, credential: (user: String, password: String)? = nil) throws {
        try self.init(folder: folder, credential: credential, uploadTimes: true)
    }

    /// Serves the files given to `add(_:uploaded:)`; `uploadTimes: false` serves pages without `upload-time`, as many
    /// private indexes do.
    public convenience init(uploadTimes: Bool = true, credential: (user: String, password: String)? = nil) throws {
        try self.init(folder: nil, credential: credential, uploadTimes: uploadTimes)
    }

    private init(folder: URL?, credential: (user: String, password: String)?, uploadTimes: Bool) throws {
        self.folder = folder
        self.credential = credential
        self.uploadTimes = uploadTimes
        server = try LoopbackHTTPServer { [weak self] request in
            self?.answer(request) ?? ServerResponse(status: 503)
        }
    }

    deinit { server?.stop() }

    /// "http://127.0.0.1:PORT/simple/" (the `--index-url`).
    public var indexURL: String { server.baseURL + "/simple/" }

    /// The paths requested so far.
    public var requestedPaths: [String] { server.requests.map(\.path) }

    /// Requests received so far.
    public var requestCount: Int { server.requestCount }

    /// Serves the wheel or sdist at `path` under its file name, uploaded at `uploaded`.
    public func add(_ path: URL, uploaded: Date?) throws {
        let file = File(name: path.lastPathComponent, data: try Data(contentsOf: path), uploaded: uploaded)
        lock.withLock { added.append(file) }
    }

    public func stop() { server.stop() }

    private func answer(_ request: ServerRequest) -> ServerResponse {
        if let credential {
            let expected = "Basic " + Data("\(credential.user):\(credential.password)".utf8).base64EncodedString()
            guard request.headers["authorization"] == expected else {
                return ServerResponse(status: 401, headers: ["WWW-Authenticate": "Basic realm=\"test\""])
            }
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "files", !parts[1].contains("..") {
            guard let data = data(of: parts[1]) else { return .notFound }
            return ServerResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: data)
        }
        guard parts.count == 2, parts[0] == "simple", request.path.hasSuffix("/") else { return .notFound }
        let project = PackageName.normalize(parts[1])
        let files = listing().filter {
            PackageName.normalize($0.name.split(separator: "-").first.map(String.init) ?? "") == project
        }
        guard !files.isEmpty else { return .notFound }
        if (request.headers["accept"] ?? "").hasPrefix("application/vnd.pypi.simple.v1+json") {
            return jsonPage(project, files)
        }
        let anchors = files.map { file in
            "<a href=\"../../files/\(file.name)#sha256=\(hexString(SHA256.hash(file.data)))\">\(file.name)</a><br/>"
        }
        return ServerResponse(
            status: 200, headers: ["Content-Type": "text/html"],
            body: Data(("<!DOCTYPE html><html><body>\n" + anchors.joined(separator: "\n") + "\n</body></html>").utf8))
    }

    /// The folder's files (no upload time) and the added ones, by name.
    private func listing() -> [File] {
        var files = lock.withLock { added }
        if let folder {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names where !files.contains(where: { $0.name == name }) {
                guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)) else { continue }
                files.append(File(name: name, data: data, uploaded: nil))
            }
        }
        return files.sorted { $0.name < $1.name }
    }

    private func data(of name: String) -> Data? {
        if let file = lock.withLock({ added.first { $0.name == name } }) { return file.data }
        guard let folder else { return nil }
        return try? Data(contentsOf: folder.appendingPathComponent(name))
    }

    private func jsonPage(_ project: String, _ files: [File]) -> ServerResponse {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let entries: [[String: Any]] = files.map { file in
            var entry: [String: Any] = [
                "filename": file.name, "url": "/files/" + file.name,
                "hashes": ["sha256": hexString(SHA256.hash(file.data))],
            ]
            if uploadTimes, let uploaded = file.uploaded { entry["upload-time"] = iso.string(from: uploaded) }
            return entry
        }
        let versions = Set(files.map { $0.name.split(separator: "-").dropFirst().first.map(String.init) ?? "" })
        let document: [String: Any] = [
            "meta": ["api-version": "1.1"], "name": project, "files": entries, "versions": versions.sorted(),
        ]
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return ServerResponse(status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json"], body: body)
    }
}
