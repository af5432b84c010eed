import Foundation
import PythonPackaging

/// One file a package index lists for a project (PEP 503 anchor / PEP 691 `files` entry).
package struct IndexFile: Sendable, Hashable {
    package var filename: String
    /// Absolute URL, without the hash fragment.
    package var url: String
    /// Hash algorithm → hex digest (`sha256` → …).
    package var hashes: [String: String]
    package var requiresPython: String?
    /// nil: not yanked; "": yanked without a reason; else the reason.
    package var yanked: String?
    /// The PEP 658/714 metadata file's hashes; nil when the index offers none, empty when it offers one unhashed.
    package var coreMetadata: [String: String]?
    /// PEP 700 `upload-time`, when the index gives it.
    package var uploadTime: Date?
    package var size: Int?

    package init(
        filename: String, url: String, hashes: [String: String] = [:], requiresPython: String? = nil,
        yanked: String? = nil, coreMetadata: [String: String]? = nil, uploadTime: Date? = nil, size: Int? = nil
    ) {
        self.filename = filename
        self.url = url
        self.hashes = hashes
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.coreMetadata = coreMetadata
        self.uploadTime = uploadTime
        self.size = size
    }

    /// The sha256 the index gives, lowercased, when it is a well-formed digest.
    package var sha256: String? {
        guard let value = hashes["sha256"]?.lowercased(), value.utf8.count == 64,
            value.utf8.allSatisfy({ hexValue($0) != nil })
        else { return nil }
        return value
    }
}

/// A project's page: its files, from one or several indexes.
package struct ProjectPage: Sendable, Hashable {
    package var name: String
    package var files: [IndexFile]

    package init(name: String, files: [IndexFile]) {
        self.name = name
        self.files = files
    }
}

/// Why an index page could not be read.
package enum IndexPageError: AlterKSError, Equatable {
    case notJSON(url: String, message: String)
    case badJSON(url: String, key: String)

    package var exitStatus: ExitStatus { .sourceFailure }

    package var description: String {
        switch self {
        case .notJSON(let url, let message): "\(url): not a PEP 691 JSON page: \(message)"
        case .badJSON(let url, let key): "\(url): PEP 691 page with a malformed \(key.debugDescription)"
        }
    }
}

/// Reads PEP 691 JSON and PEP 503 HTML project pages; relative links are resolved against the page's URL.
package enum ProjectPageParser {
    /// `application/vnd.pypi.simple.v1+json`.
    package static let jsonType = "application/vnd.pypi.simple.v1+json"
    /// `application/vnd.pypi.simple.v1+html`.
    package static let htmlType = "application/vnd.pypi.simple.v1+html"

    /// Parses a page by its content type (JSON when it says so, HTML otherwise).
    package static func parse(_ data: Data, contentType: String?, pageURL: String, project: String) throws
        -> [IndexFile]
    {
        if let type = contentType?.lowercased(), type.contains("json") {
            return try json(data, pageURL: pageURL)
        }
        return html(String(decoding: data, as: UTF8.self), pageURL: pageURL)
    }

    /// A PEP 691 JSON page's files.
    package static func json(_ data: Data, pageURL: String) throws -> [IndexFile] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw IndexPageError.notJSON(url: pageURL, message: "\(error.localizedDescription)")
        }
        guard let root = object as? [String: Any], let files = root["files"] as? [[String: Any]] else {
            throw IndexPageError.badJSON(url: pageURL, key: "files")
        }
        return try files.map { entry in
            guard let filename = entry["filename"] as? String, let href = entry["url"] as? String else {
                throw IndexPageError.badJSON(url: pageURL, key: "filename/url")
            }
            let (url, fragment) = resolve(href, against: pageURL)
            var hashes = (entry["hashes"] as? [String: String]) ?? [:]
            if hashes.isEmpty, let fragment { hashes = fragment }
            var yanked: String?
            if let reason = entry["yanked"] as? String {
                yanked = reason
            } else if (entry["yanked"] as? Bool) == true {
                yanked = ""
            }
            let metadataValue =
                entry["core-metadata"] ?? entry["dist-info-metadata"] ?? entry["data-dist-info-metadata"]
            var metadata: [String: String]?
            if let hashed = metadataValue as? [String: String] {
                metadata = hashed
            } else if (metadataValue as? Bool) == true {
                metadata = [:]
            }
            return IndexFile(
                filename: filename, url: url, hashes: hashes, requiresPython: entry["requires-python"] as? String,
                yanked: yanked, coreMetadata: metadata,
                uploadTime: (entry["upload-time"] as? String).flatMap(parseTime), size: entry["size"] as? Int)
        }
    }

    /// A PEP 503 HTML page's anchors (files are anchors whose text is the file name).
    package static func html(_ text: String, pageURL: String) -> [IndexFile] {
        var files: [IndexFile] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<a", options: .caseInsensitive) {
            rest = rest[open.upperBound...]
            guard let next = rest.first, next.isWhitespace || next == ">" else { continue }
            guard let close = rest.firstIndex(of: ">") else { break }
            let attributes = parseAttributes(rest[..<close])
            rest = rest[rest.index(after: close)...]
            guard let end = rest.range(of: "</a>", options: .caseInsensitive) else { break }
            let label = decodeEntities(String(rest[..<end.lowerBound])).trimmingCharacters(in: .whitespacesAndNewlines)
            rest = rest[end.upperBound...]
            guard let href = attributes["href"] else { continue }
            let (url, fragment) = resolve(href, against: pageURL)
            let filename = label.isEmpty ? (try? ArtifactStore.fileName(of: url)) ?? "" : label
            guard !filename.isEmpty else { continue }
            var metadata: [String: String]?
            if let value = attributes["data-core-metadata"] ?? attributes["data-dist-info-metadata"] {
                metadata = hashPair(value).map { [$0.0: $0.1] } ?? [:]
                if value.lowercased() == "false" { metadata = nil }
            }
            files.append(
                IndexFile(
                    filename: filename, url: url, hashes: fragment ?? [:],
                    requiresPython: attributes["data-requires-python"], yanked: attributes["data-yanked"],
                    coreMetadata: metadata))
        }
        return files
    }

    /// `name="value"` / `name='value'` / `name=value` / `name` pairs of one tag, names lowercased, values decoded.
    static func parseAttributes(_ text: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var index = text.startIndex
        func skipSpace() { while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) } }
        while index < text.endIndex {
            skipSpace()
            let nameStart = index
            while index < text.endIndex, !text[index].isWhitespace, text[index] != "=", text[index] != "/" {
                index = text.index(after: index)
            }
            let name = text[nameStart..<index].lowercased()
            skipSpace()
            guard index < text.endIndex, text[index] == "=" else {
                if !name.isEmpty { out[name] = "" }
                if index < text.endIndex, text[index] == "/" { index = text.index(after: index) }
                continue
            }
            index = text.index(after: index)
            skipSpace()
            guard index < text.endIndex else { break }
            let value: Substring
            if text[index] == "\"" || text[index] == "'" {
                let quote = text[index]
                let start = text.index(after: index)
                let end = text[start...].firstIndex(of: quote) ?? text.endIndex
                value = text[start..<end]
                index = end < text.endIndex ? text.index(after: end) : end
            } else {
                let start = index
                while index < text.endIndex, !text[index].isWhitespace { index = text.index(after: index) }
                value = text[start..<index]
            }
            if !name.isEmpty { out[name] = decodeEntities(String(value)) }
        }
        return out
    }

    /// `&lt; &gt; &amp; &quot; &#39; &#NN; &#xNN;`.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            guard let semi = rest.firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest.dropFirst()
                continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            let named = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'"]
            if let value = named[String(entity)] {
                out += value
            } else if entity.hasPrefix("#"), let scalar = numericEntity(entity.dropFirst()) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "&"
                rest = rest.dropFirst()
                continue
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    private static func numericEntity(_ digits: Substring) -> Unicode.Scalar? {
        let value =
            digits.lowercased().hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
        return value.flatMap(Unicode.Scalar.init)
    }

    /// `sha256=abc…` → ("sha256", "abc…").
    static func hashPair(_ text: String) -> (String, String)? {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (parts[0].lowercased(), String(parts[1]))
    }

    /// `href` made absolute against `pageURL`, without its fragment; a `#algo=digest` fragment as a hash.
    static func resolve(_ href: String, against pageURL: String) -> (String, [String: String]?) {
        var link = href
        var fragment: [String: String]?
        if let hash = link.firstIndex(of: "#") {
            fragment = hashPair(String(link[link.index(after: hash)...])).map { [$0.0: $0.1] }
            link = String(link[..<hash])
        }
        if let base = URL(string: pageURL), let absolute = URL(string: link, relativeTo: base)?.absoluteString {
            return (absolute, fragment)
        }
        return (link, fragment)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Writes a project page as PEP 691 JSON or PEP 503 HTML, with every file URL made by `link`.
package enum ProjectPageRenderer {
    /// The page in PEP 691 JSON (api-version 1.1: `versions` and `size` when known).
    package static func json(_ page: ProjectPage, link: (IndexFile) -> String) -> Data {
        var files: [[String: Any]] = []
        for file in page.files {
            var entry: [String: Any] = ["filename": file.filename, "url": link(file), "hashes": file.hashes]
            if let requires = file.requiresPython { entry["requires-python"] = requires }
            if let yanked = file.yanked { entry["yanked"] = yanked.isEmpty ? true : yanked as Any }
            if let metadata = file.coreMetadata {
                let value: Any = metadata.isEmpty ? true : metadata
                entry["core-metadata"] = value
                entry["dist-info-metadata"] = value
            }
            if let time = file.uploadTime {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                entry["upload-time"] = formatter.string(from: time)
            }
            if let size = file.size { entry["size"] = size }
            files.append(entry)
        }
        let versions = Set(page.files.compactMap { DistributionFileName.version(of: $0.filename, project: page.name) })
        let root: [String: Any] = [
            "meta": ["api-version": "1.1"], "name": page.name, "files": files, "versions": versions.sorted(),
        ]
        return (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data()
    }

    /// The page in PEP 503 HTML (repository version 1.1, PEP 658/714 attributes both ways).
    package static func html(_ page: ProjectPage, link: (IndexFile) -> String) -> Data {
        var lines = [
            "<!DOCTYPE html>", "<html>", "<head>", "<meta name=\"pypi:repository-version\" content=\"1.1\">",
            "<title>Links for \(escape(page.name))</title>", "</head>", "<body>",
            "<h1>Links for \(escape(page.name))</h1>",
        ]
        for file in page.files {
            var href = link(file)
            if let sha = file.hashes["sha256"] {
                href += "#sha256=" + sha
            } else if let (algorithm, digest) = file.hashes.sorted(by: { $0.key < $1.key }).first {
                href += "#\(algorithm)=\(digest)"
            }
            var attributes = "href=\"\(escape(href))\""
            if let requires = file.requiresPython { attributes += " data-requires-python=\"\(escape(requires))\"" }
            if let yanked = file.yanked { attributes += " data-yanked=\"\(escape(yanked))\"" }
            if let metadata = file.coreMetadata {
                let value =
                    metadata["sha256"].map { "sha256=" + $0 }
                    ?? metadata.sorted(by: { $0.key < $1.key }).first.map { "\($0.key)=\($0.value)" } ?? "true"
                attributes += " data-dist-info-metadata=\"\(escape(value))\" data-core-metadata=\"\(escape(value))\""
            }
            lines.append("<a \(attributes)>\(escape(file.filename))</a><br/>")
        }
        lines += ["</body>", "</html>", ""]
        return Data(lines.joined(separator: "\n").utf8)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Name and version of a distribution file (wheel or sdist), as pip reads them from the file name.
package enum DistributionFileName {
    /// The version `filename` holds when it is a file of `project` (PEP 503-normalised comparison); nil otherwise.
    package static func version(of filename: String, project: String) -> String? {
        let normalized = PackageName.normalize(project)
        if let (name, version) = RequirementLine.wheelNameAndVersion(filename) {
            return PackageName.normalize(name) == normalized ? version : nil
        }
        return SourceBuilds.sdistVersion(filename, of: normalized)
    }

    /// Whether the file is a wheel (everything else must be built, running its code).
    package static func isWheel(_ filename: String) -> Bool { filename.lowercased().hasSuffix(".whl") }
}
