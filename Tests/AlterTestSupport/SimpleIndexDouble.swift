import AlterKit
import Foundation

/// A package index on the loopback interface serving a folder of distributions (what `WheelBuilder` writes):
/// `GET /simple/NAME/` is a PEP 503 HTML page (or PEP 691 JSON when asked for first) of the folder's files of that
/// project with `#sha256=` hashes, `GET /files/FILE` the file. With `credential` set, every request must carry
/// that user and password (HTTP basic), else 401.
public final class SimpleIndexDouble: @unchecked Sendable {
    public let folder: URL
    public private(set) var server: LoopbackHTTPServer!
    private let credential: (user: String, password: String)?

    public init(folder: URL, credential: (user: String, password: String)? = nil) throws {
        self.folder = folder
        self.credential = credential
        server = try LoopbackHTTPServer { [weak self] request in
            self?.answer(request) ?? ServerResponse(status: 503)
        }
    }

    deinit { server?.stop() }

    /// "http://127.0.0.1:PORT/simple/".
    public var indexURL: String { server.baseURL + "/simple/" }

    /// The paths requested so far.
    public var requestedPaths: [String] { server.requests.map(\.path) }

    private func answer(_ request: ServerRequest) -> ServerResponse {
        if let credential {
            let expected = "Basic " + Data("\(credential.user):\(credential.password)".utf8).base64EncodedString()
            guard request.headers["authorization"] == expected else {
                return ServerResponse(status: 401, headers: ["WWW-Authenticate": "Basic realm=\"test\""])
            }
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if parts.count == 2, parts[0] == "files", !parts[1].contains("..") {
            guard let data = try? Data(contentsOf: folder.appendingPathComponent(parts[1])) else { return .notFound }
            return ServerResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: data)
        }
        guard parts.count == 2, parts[0] == "simple", request.path.hasSuffix("/") else { return .notFound }
        let project = PackageName.normalize(parts[1])
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().filter {
            name in
            let stem = name.split(separator: "-").first.map(String.init) ?? ""
            return PackageName.normalize(stem) == project
        }
        guard !names.isEmpty else { return .notFound }
        let files = names.map { name -> (String, String) in
            let sha = (try? WheelBuilder.sha256(of: folder.appendingPathComponent(name))) ?? ""
            return (name, sha)
        }
        if (request.headers["accept"] ?? "").hasPrefix("application/vnd.pypi.simple.v1+json") {
            let entries = files.map { name, sha in
                #"{"filename": "\#(name)", "url": "/files/\#(name)", "hashes": {"sha256": "\#(sha)"}}"#
            }
            return ServerResponse(
                status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json"],
                body: Data(
                    #"{"meta": {"api-version": "1.0"}, "name": "\#(project)", "files": [\#(entries.joined(separator: ", "))]}"#
                        .utf8))
        }
        let anchors = files.map { name, sha in "<a href=\"../../files/\(name)#sha256=\(sha)\">\(name)</a><br/>" }
        return ServerResponse(
            status: 200, headers: ["Content-Type": "text/html"],
            body: Data(("<!DOCTYPE html><html><body>\n" + anchors.joined(separator: "\n") + "\n</body></html>").utf8))
    }
}
