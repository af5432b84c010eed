import Foundation
import PythonCodeAnalysis
import PythonPackaging

/// A request to the local index, as its HTTP server read it.
package struct IndexRequest: Sendable, Hashable {
    /// "GET", "HEAD"…
    package var method: String
    /// The path without the query, still percent-encoded.
    package var path: String
    /// Header names lowercased.
    package var headers: [String: String]

    package init(method: String, path: String, headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.headers = headers
    }
}

/// The local index's answer. `reason` replaces the status line's reason phrase: pip prints it
/// (`403 Client Error: <reason> for url: …`), so a refusal names the package and why there.
package struct IndexResponse: Sendable, Hashable {
    package var status: Int
    package var reason: String?
    package var headers: [String: String]
    package var body: Data
    /// A verified file sent from disk instead of `body`, in chunks (a wheel of a gigabyte is never read whole).
    package var file: VerifiedFileBody?

    package init(
        status: Int, reason: String? = nil, headers: [String: String] = [:], body: Data = Data(),
        file: VerifiedFileBody? = nil
    ) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.file = file
    }

    /// A refusal whose one line is both the reason phrase and the body.
    package static func refusal(_ status: Int, _ message: String) -> IndexResponse {
        let line = IndexResponse.reasonPhrase(message)
        return IndexResponse(
            status: status, reason: line, headers: ["Content-Type": "text/plain; charset=utf-8"],
            body: Data((line + "\n").utf8))
    }

    /// One printable ASCII line of at most 400 characters: what may stand in a status line.
    package static func reasonPhrase(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                out.unicodeScalars.append(scalar)
            } else if scalar == "\n" || scalar == "\t" || scalar == "\r" {
                out += " "
            } else {
                out += "?"
            }
        }
        return out.count > 400 ? String(out.prefix(397)) + "..." : out
    }
}

/// A file the engine verified, to be streamed: its bytes are hashed again as they are sent, and the last chunk is
/// held back until the whole hash matched — a file changed after the check reaches the client cut short (its
/// Content-Length unmet), never whole.
package struct VerifiedFileBody: Sendable, Hashable {
    package var path: String
    /// Lowercase hex.
    package var sha256: String

    package init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// The local index's URL layout, under `/TOKEN/`:
/// - `simple/PROJECT/`: the project's page (PEP 691 JSON or PEP 503 HTML, as asked);
/// - `files/PROJECT/SHA256/UPSTREAM/FILENAME`: a gated file (`SHA256` is `-` when the upstream gave none;
///   `UPSTREAM` is the file's upstream URL in unpadded base64url), and `….metadata` its PEP 658 metadata;
/// - `none/PROJECT/`: always 404 (what `PIP_EXTRA_INDEX_URL` is set to, replacing any configured extra index);
/// - `links/`: an empty find-links page (what `PIP_FIND_LINKS` is set to, replacing any configured one).
package enum IndexRoute: Sendable, Hashable {
    case root
    case project(String)
    case file(project: String, sha256: String?, upstream: String, filename: String, metadata: Bool)
    case emptyIndex
    case links
    /// A project path without its trailing slash: redirected.
    case redirect(String)

    /// Parses the path after the token ("/simple/django/"); nil when it names nothing.
    package static func parse(_ path: String) -> IndexRoute? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0].isEmpty else { return nil }
        switch parts[1] {
        case "simple":
            if parts.count == 2 || (parts.count == 3 && parts[2].isEmpty) { return .root }
            let name = parts[2].removingPercentEncoding ?? parts[2]
            guard isProjectName(name) else { return nil }
            if parts.count == 3 { return .redirect(path + "/") }
            guard parts.count == 4, parts[3].isEmpty else { return nil }
            return .project(PackageName.normalize(name))
        case "none":
            return .emptyIndex
        case "links":
            return parts.count <= 3 && (parts.count < 3 || parts[2].isEmpty) ? .links : nil
        case "files":
            guard parts.count == 6, isProjectName(parts[2]),
                let upstream = base64URLDecode(parts[4]), let filename = parts[5].removingPercentEncoding,
                !filename.isEmpty, !filename.contains("/")
            else { return nil }
            let sha = parts[3] == "-" ? nil : parts[3].lowercased()
            if let sha, sha.utf8.count != 64 || !sha.utf8.allSatisfy({ hexValue($0) != nil }) { return nil }
            let metadata = filename.hasSuffix(".metadata")
            return .file(
                project: PackageName.normalize(parts[2]), sha256: sha, upstream: upstream,
                filename: metadata ? String(filename.dropLast(".metadata".count)) : filename, metadata: metadata)
        default:
            return nil
        }
    }

    /// The path (after the token) of a file of `project` from `upstream`.
    package static func filePath(project: String, file: IndexFile) -> String {
        let filename =
            file.filename.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
            ?? file.filename
        return "/files/\(PackageName.normalize(project))/\(file.sha256 ?? "-")/\(base64URLEncode(file.url))/\(filename)"
    }

    static func isProjectName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    static func base64URLEncode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: String) -> String? {
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        guard let data = Data(base64Encoded: base), let value = String(data: data, encoding: .utf8),
            !value.isEmpty
        else { return nil }
        return value
    }
}
