// alterks-doubles: the loopback OSV and PyPI doubles as a process, for the benchmarks (bench/run.sh). Dev-only: not
// installed by install.sh.
//
//     alterks-doubles [--latency-ms N] [--data DIR] [--find-links DIR] [--files DIR]
//
// Prints its base URL ("http://127.0.0.1:PORT") on stdout, then serves until killed:
// - the OSV API (`POST /v1/querybatch`, `POST /v1/query`, `GET /v1/vulns/{id}`) from `DIR/osv-pypi.zip`, by
//   OSVDouble (Tests/AlterTestSupport);
// - PyPI's JSON API (`GET /pypi/NAME/json`, `GET /pypi/NAME/VERSION/json`): the recorded answer from
//   `DIR/pypi-json/NAME.json` when there is one, else a plain, plausible document for any name of the top-PyPI list
//   or the OSV data (releases: every version the advisories name, and 1.0.0 — described by the real wheel of
//   `--find-links DIR` when that folder holds one, so digests match); anything else is a 404, as on PyPI;
// - `GET /simple/NAME/`: PEP 691 JSON project pages built from the same documents (uv asks the index for a project's
//   status);
// - `--files DIR` (real wheels, e.g. from `pip download`): a PEP 691 index of them — `GET /simple/NAME/` lists each
//   file with its sha256 and PEP 658/714 `core-metadata` (`GET /files/FILE.metadata`, extracted from the wheel, so
//   that pip resolves from metadata alone as it does against PyPI), `GET /files/FILE` serves it; their
//   `/pypi/NAME/json` documents (recorded or synthesized) gain the release with these files, uploaded long ago;
// - every JSON API answer carries an `ETag` and a matching `If-None-Match` gets 304, as PyPI's CDN does;
// - `GET /__stats`: `{"total": N, "by_prefix": {"/v1/querybatch": N, …}}`, requests since start or the last reset
//   (the two `/__` paths themselves are not counted); `POST /__reset` (or GET) zeroes them.
// `--latency-ms N` delays every answer by N ms (a remote API's round trip).

import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging

#if canImport(Glibc)
    import Glibc
#endif

struct Options {
    var latencyMilliseconds = 0.0
    /// Benchmarks only (tests never read it): the full shared data beside the checkout, as bench/run.sh passes.
    var dataDirectory = TestPaths.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    var findLinks: URL?
    var files: URL?

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--latency-ms":
                let text = try value(argument)
                guard let number = Double(text), number >= 0, number < 60_000 else {
                    throw UsageError(message: "--latency-ms: not a number of milliseconds: \(text)")
                }
                latencyMilliseconds = number
            case "--data":
                dataDirectory = URL(fileURLWithPath: try value(argument))
            case "--find-links":
                findLinks = URL(fileURLWithPath: try value(argument))
            case "--files":
                files = URL(fileURLWithPath: try value(argument))
            case "-h", "--help":
                throw UsageError(
                    message: "usage: alterks-doubles [--latency-ms N] [--data DIR] [--find-links DIR] [--files DIR]")
            default:
                throw UsageError(message: "unknown argument \(argument)")
            }
        }
    }
}

struct UsageError: Error {
    var message: String
}

/// Request counts by path prefix, for `/__stats`.
final class RequestStats: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    static func prefix(of path: String) -> String {
        for known in ["/v1/querybatch", "/v1/query", "/v1/vulns/", "/pypi/", "/integrity/", "/simple/", "/files/"]
        where path.hasPrefix(known) {
            return known.hasSuffix("/") ? String(known.dropLast()) : known
        }
        return "other"
    }

    func record(_ path: String) {
        let key = Self.prefix(of: path)
        lock.withLock { counts[key, default: 0] += 1 }
    }

    func reset() { lock.withLock { counts = [:] } }

    var json: Data {
        let snapshot = lock.withLock { counts }
        let object: [String: Any] = ["total": snapshot.values.reduce(0, +), "by_prefix": snapshot]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
    }
}

/// Answers already computed, by path: the recorded documents are large (numpy's is megabytes) and parsing them on
/// every request would make the double, not the client, the thing measured.
final class ResponseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String: ServerResponse] = [:]

    func answer(_ key: String, _ compute: () -> ServerResponse) -> ServerResponse {
        if let known = lock.withLock({ answers[key] }) { return known }
        let computed = compute()
        lock.withLock { answers[key] = computed }
        return computed
    }
}

/// PyPI's JSON API from recorded answers, with plain synthesized documents for the other known names.
struct PyPIResponder: Sendable {
    let recorded: URL
    let known: Set<String>
    let matcher: OSVMatcher
    /// Versions each name's advisories mention (synthesized releases).
    let advisoryVersions: [String: [String]]
    /// Wheels of `--find-links`, by normalized name and version: (filename, sha256, size).
    let wheels: [String: [String: (filename: String, sha256: String, size: Int)]]
    /// The index of `--files`.
    let served: ServedFiles

    /// `GET /simple/NAME/`: the PEP 691 JSON project page (files, versions), from the same documents.
    func respondSimple(_ request: ServerRequest) -> ServerResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard request.method == "GET", parts.count == 2, parts[0] == "simple" else { return .notFound }
        let name = PackageName.normalize(parts[1].removingPercentEncoding ?? parts[1])
        if let files = served.byName[name] { return served.simplePage(name: name, files: files) }
        guard let document = document(for: name) else { return .notFound }
        let releases = document["releases"] as? [String: Any] ?? [:]
        var files: [[String: Any]] = []
        for (_, entries) in releases.sorted(by: { $0.key < $1.key }) {
            for case let file as [String: Any] in entries as? [Any] ?? [] {
                var entry: [String: Any] = [
                    "filename": file["filename"] ?? "", "url": file["url"] ?? "",
                    "hashes": ["sha256": (file["digests"] as? [String: Any])?["sha256"] ?? ""],
                    "yanked": file["yanked"] ?? false,
                ]
                if let size = file["size"] { entry["size"] = size }
                if let uploaded = file["upload_time_iso_8601"] { entry["upload-time"] = uploaded }
                if let requires = file["requires_python"], !(requires is NSNull) { entry["requires-python"] = requires }
                files.append(entry)
            }
        }
        let object: [String: Any] = [
            "meta": ["api-version": "1.1"], "name": name, "files": files, "versions": releases.keys.sorted(),
        ]
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return ServerResponse(status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json"], body: body)
    }

    func respond(_ request: ServerRequest) -> ServerResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard request.method == "GET", parts.first == "pypi", parts.last == "json", parts.count == 3 || parts.count == 4
        else { return .notFound }
        let name = PackageName.normalize(parts[1])
        let files = served.byName[name]
        if parts.count == 3, files == nil,
            let raw = try? Data(contentsOf: recorded.appendingPathComponent("\(name).json"))
        {
            return .json(data: raw)
        }
        guard var document = document(for: name) else { return .notFound }
        if let files { document = served.adding(files, to: document) }
        if parts.count == 4 {
            let version = parts[2]
            let releases = document["releases"] as? [String: Any] ?? [:]
            guard let files = releases[version] else { return .notFound }
            var info = document["info"] as? [String: Any] ?? [:]
            info["version"] = version
            document = [
                "info": info, "urls": files, "last_serial": document["last_serial"] ?? 1,
                "vulnerabilities": matcher.matchingRecords(name: name, version: version).map(PyPIDouble.entry),
            ]
        }
        let body =
            (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return .json(data: body)
    }

    func document(for name: String) -> [String: Any]? {
        let file = recorded.appendingPathComponent("\(name).json")
        if let data = try? Data(contentsOf: file),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            return object
        }
        guard known.contains(name) || served.byName[name] != nil else { return nil }
        return synthesized(name)
    }

    /// A document shaped like PyPI's for a long-lived, well-kept project: first release in 2016, two maintainers,
    /// project URLs, a description.
    private func synthesized(_ name: String) -> [String: Any] {
        var versions = Set(advisoryVersions[name] ?? [])
        versions.insert("0.9.0")
        versions.insert("1.0.0")
        var releases: [String: Any] = [:]
        for (index, version) in versions.sorted().enumerated() {
            let day = String(format: "%02d", 1 + index % 28)
            let year = 2016 + min(index, 8)
            let uploaded = "\(year)-03-\(day)T10:00:00"
            let file: [String: Any]
            if let wheel = wheels[name]?[version] {
                file = fileEntry(wheel.filename, sha256: wheel.sha256, size: wheel.size, uploaded: uploaded)
            } else {
                let filename = "\(name.replacingOccurrences(of: "-", with: "_"))-\(version)-py3-none-any.whl"
                let digest = hexString(SHA256.hash(Data("\(name)-\(version)".utf8)))
                file = fileEntry(filename, sha256: digest, size: 20_000, uploaded: uploaded)
            }
            releases[version] = [file]
        }
        let latest = releases["1.0.0"] ?? []
        let info: [String: Any] = [
            "name": name, "version": "1.0.0", "summary": "The \(name) project.",
            "description": String(repeating: "\(name) does useful things. ", count: 20),
            "description_content_type": "text/markdown", "author": "The \(name) maintainers",
            "author_email": "maintainers@\(name).example.org", "license": "MIT", "home_page": NSNull(),
            "project_urls": [
                "Homepage": "https://github.com/\(name)/\(name)", "Source": "https://github.com/\(name)/\(name)",
            ],
            "classifiers": ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"],
            "requires_dist": NSNull(), "requires_python": ">=3.8", "yanked": false, "yanked_reason": NSNull(),
            "package_url": "https://pypi.org/project/\(name)/",
        ]
        return [
            "info": info, "releases": releases, "urls": latest, "vulnerabilities": [Any](), "last_serial": 1,
            "ownership": [
                "organization": NSNull(),
                "roles": [["role": "Owner", "user": "\(name)-owner"], ["role": "Maintainer", "user": "\(name)-dev"]],
            ],
        ]
    }

    private func fileEntry(_ filename: String, sha256: String, size: Int, uploaded: String) -> [String: Any] {
        [
            "filename": filename, "packagetype": "bdist_wheel", "python_version": "py3", "size": size,
            "digests": ["sha256": sha256], "upload_time": uploaded, "upload_time_iso_8601": uploaded + ".000000Z",
            "url": "https://files.pythonhosted.org/packages/\(filename)", "yanked": false, "yanked_reason": NSNull(),
            "requires_python": ">=3.8", "has_sig": false,
        ]
    }
}

/// Real wheels served as an index (`--files DIR`): each with its sha256 and the METADATA inside it.
struct ServedFiles: Sendable {
    struct File: Sendable {
        var filename: String
        var version: String
        var path: String
        var sha256: String
        var size: Int
        var metadata: Data
        var requiresPython: String?
    }

    /// By normalized project name.
    var byName: [String: [File]] = [:]
    var baseURL = ""
    /// What the index says these files were uploaded (long ago: the minimum release age never excludes them).
    static let uploaded = "2025-06-02T10:00:00.000000Z"

    init() {}

    init(folder: URL, baseURL: String) throws {
        self.baseURL = baseURL
        for filename in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where filename.hasSuffix(".whl") {
            let parts = filename.split(separator: "-")
            guard parts.count >= 5 else { continue }
            let path = folder.appendingPathComponent(filename).path
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            let archive = try ZipArchive(data: data, name: filename)
            guard let entry = archive.entries.first(where: { $0.name.hasSuffix(".dist-info/METADATA") }) else {
                continue
            }
            let metadata = try archive.contents(named: entry.name)
            let requires = String(decoding: metadata, as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("Requires-Python:") }
                .map { $0.dropFirst("Requires-Python:".count).trimmingCharacters(in: .whitespaces) }
            byName[PackageName.normalize(String(parts[0])), default: []].append(
                File(
                    filename: filename, version: String(parts[1]), path: path, sha256: hexString(SHA256.hash(data)),
                    size: data.count, metadata: metadata, requiresPython: requires))
        }
    }

    /// `GET /files/FILE` and `GET /files/FILE.metadata`.
    func respond(_ request: ServerRequest) -> ServerResponse {
        let name = String(request.path.dropFirst("/files/".count)).removingPercentEncoding ?? ""
        let wanted = name.hasSuffix(".metadata") ? String(name.dropLast(".metadata".count)) : name
        guard request.method == "GET",
            let file = byName.values.lazy.flatMap({ $0 }).first(where: { $0.filename == wanted })
        else { return .notFound }
        if name.hasSuffix(".metadata") { return ServerResponse(status: 200, body: file.metadata) }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file.path), options: .alwaysMapped) else {
            return .serverError(500)
        }
        return ServerResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: data)
    }

    /// The PEP 691 page of one project's files.
    func simplePage(name: String, files: [File]) -> ServerResponse {
        let entries: [[String: Any]] = files.map { file in
            var entry: [String: Any] = [
                "filename": file.filename, "url": baseURL + "/files/" + file.filename,
                "hashes": ["sha256": file.sha256], "size": file.size, "upload-time": Self.uploaded, "yanked": false,
                "core-metadata": ["sha256": hexString(SHA256.hash(file.metadata))],
                "data-dist-info-metadata": ["sha256": hexString(SHA256.hash(file.metadata))],
            ]
            if let requires = file.requiresPython { entry["requires-python"] = requires }
            return entry
        }
        let object: [String: Any] = [
            "meta": ["api-version": "1.1"], "name": name, "files": entries,
            "versions": Array(Set(files.map(\.version))).sorted(),
        ]
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return ServerResponse(status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json"], body: body)
    }

    /// A JSON API document with these files as their release (replacing what it said of that version).
    func adding(_ files: [File], to document: [String: Any]) -> [String: Any] {
        var document = document
        var releases = document["releases"] as? [String: Any] ?? [:]
        for (version, group) in Dictionary(grouping: files, by: \.version) {
            releases[version] = group.map { file -> [String: Any] in
                [
                    "filename": file.filename, "packagetype": "bdist_wheel", "size": file.size,
                    "digests": ["sha256": file.sha256], "url": baseURL + "/files/" + file.filename,
                    "upload_time_iso_8601": Self.uploaded, "upload_time": String(Self.uploaded.prefix(19)),
                    "yanked": false, "yanked_reason": NSNull(), "requires_python": file.requiresPython ?? NSNull(),
                    "has_sig": false,
                ]
            }
        }
        document["releases"] = releases
        return document
    }
}

extension ServerResponse {
    /// An `ETag` from the body's hash, as PyPI's CDN sends.
    func tagged() -> ServerResponse {
        guard status == 200 else { return self }
        var copy = self
        copy.headers["ETag"] = "\"" + hexString(SHA256.hash(body)).prefix(32) + "\""
        return copy
    }

    /// A successful answer gets `Cache-Control: max-age=N, public`, as PyPI sends.
    func caching(seconds: Int) -> ServerResponse {
        guard status == 200 else { return self }
        var copy = self
        copy.headers["Cache-Control"] = "max-age=\(seconds), public"
        return copy
    }
}

func loadRecords(_ zipPath: String) throws -> [(record: OSVRecord, json: Data?)] {
    let archive = try ZipArchive(path: zipPath)
    return try archive.entries.filter { $0.name.hasSuffix(".json") }.map { entry in
        let data = try archive.contents(of: entry)
        return (try OSVRecord.decode(data, origin: entry.name), data)
    }
}

func topNames(_ path: URL) -> [String] {
    guard let data = try? Data(contentsOf: path),
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let rows = object["rows"] as? [[String: Any]]
    else { return [] }
    return rows.compactMap { $0["project"] as? String }
}

func localWheels(_ folder: URL?) -> [String: [String: (filename: String, sha256: String, size: Int)]] {
    guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [:] }
    var result: [String: [String: (filename: String, sha256: String, size: Int)]] = [:]
    for filename in names where filename.hasSuffix(".whl") {
        let parts = filename.split(separator: "-")
        guard parts.count >= 5, let data = try? Data(contentsOf: folder.appendingPathComponent(filename)) else {
            continue
        }
        let name = PackageName.normalize(String(parts[0]))
        result[name, default: [:]][String(parts[1])] = (filename, hexString(SHA256.hash(data)), data.count)
    }
    return result
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("alterks-doubles: \(message)\n".utf8))
    exit(2)
}

let options: Options
do {
    options = try Options(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    fail(error.message)
}

let records: [(record: OSVRecord, json: Data?)]
do {
    records = try loadRecords(options.dataDirectory.appendingPathComponent("osv-pypi.zip").path)
} catch {
    fail("cannot read the OSV data in \(options.dataDirectory.path): \(error)")
}

var advisoryVersions: [String: Set<String>] = [:]
for (record, _) in records {
    for affected in record.affected where affected.package.ecosystem == "PyPI" {
        let name = PackageName.normalize(affected.package.name)
        advisoryVersions[name, default: []].formUnion(affected.versions)
        for range in affected.ranges where range.type == "ECOSYSTEM" {
            for event in range.events where event.kind == .fixed && (try? Version(event.version)) != nil {
                advisoryVersions[name, default: []].insert(event.version)
            }
        }
    }
}
let wheels = localWheels(options.findLinks)
var known = Set(advisoryVersions.keys)
known.formUnion(
    topNames(options.dataDirectory.appendingPathComponent("top-pypi-packages.json")).map(PackageName.normalize))
known.formUnion(wheels.keys)

let osv: OSVDouble
do {
    osv = try OSVDouble(records: records, latency: options.latencyMilliseconds / 1000, recordsRequests: false)
} catch {
    fail("cannot start the server: \(error)")
}
let served: ServedFiles
do {
    served = try options.files.map { try ServedFiles(folder: $0, baseURL: osv.baseURL) } ?? ServedFiles()
} catch {
    fail("cannot read the files to serve: \(error)")
}
let pypi = PyPIResponder(
    recorded: options.dataDirectory.appendingPathComponent("pypi-json"), known: known,
    matcher: OSVMatcher(records: records.map(\.record)), advisoryVersions: advisoryVersions.mapValues { Array($0) },
    wheels: wheels, served: served)
let stats = RequestStats()
let cache = ResponseCache()
osv.inject { request in
    if request.path == "/__stats" { return .json(data: stats.json) }
    if request.path == "/__reset" {
        stats.reset()
        return .json(#"{"reset": true}"#)
    }
    stats.record(request.path)
    // PyPI's own caching headers (JSON API 15 minutes, index pages 10), so that clients that honour them (uv)
    // behave here as they do against PyPI.
    if request.path.hasPrefix("/pypi/") {
        let answer = cache.answer(request.path) { pypi.respond(request).caching(seconds: 900).tagged() }
        if let etag = answer.headers["ETag"], request.headers["if-none-match"] == etag {
            return ServerResponse(status: 304, headers: ["ETag": etag])
        }
        return answer
    }
    if request.path.hasPrefix("/files/") { return served.respond(request) }
    if request.path.hasPrefix("/simple/") {
        return cache.answer(request.path) { pypi.respondSimple(request).caching(seconds: 600) }
    }
    if request.path.hasPrefix("/v1/") { return nil }
    return .notFound
}

// The recorded projects' index pages are slow to build (megabytes of JSON): build them before saying we are ready.
let recordedNames =
    ((try? FileManager.default.contentsOfDirectory(atPath: pypi.recorded.path)) ?? [])
    .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
for name in recordedNames {
    let path = "/simple/\(name)/"
    _ = cache.answer(path) { pypi.respondSimple(ServerRequest(method: "GET", path: path)).caching(seconds: 600) }
}

FileHandle.standardOutput.write(Data((osv.baseURL + "\n").utf8))
while true { sleep(3600) }
