import AlterKit
import Foundation
import PythonPackaging

/// A PyPI on the loopback interface, answering from what a test puts in; names are matched PEP 503-normalised.
/// - `GET /pypi/NAME/json`: what `setProject`/`serveRecorded` set, else the recorded response in the `recorded`
///   folder (`TestPaths.pypiJSON`: `Tests/Fixtures/pypi-json/NAME.json`) when one was given, else 404;
/// - `GET /pypi/NAME/VERSION/json`: `info` (with that version), `urls` (that release's files) and
///   `vulnerabilities`, computed as PyPI does from the OSV records given (`id`, `aliases`, `details`, `summary`,
///   `fixed_in`, `link`, `source`, `withdrawn`); for a package with no project document but with OSV records, a
///   minimal document; else 404;
/// - `GET /integrity/NAME/VERSION/FILE/provenance`: what `setProvenance` set, else 404.
/// Faults are injectable with `inject`.
public final class PyPIDouble: @unchecked Sendable {
    private let lock = NSLock()
    private var projects: [String: ServerResponse] = [:]
    private var provenance: [String: ServerResponse] = [:]
    private var recorded: URL?
    private var matcher = OSVMatcher(records: [])
    private var fault: (@Sendable (ServerRequest) -> ServerResponse?)?
    public private(set) var server: LoopbackHTTPServer!

    public init() throws {
        server = try LoopbackHTTPServer { [weak self] request in
            self?.answer(request) ?? ServerResponse(status: 503)
        }
    }

    /// Serves project documents from `recorded` (a folder of `NAME.json`) and `vulnerabilities` from `records`.
    package convenience init(recorded: URL? = nil, records: [OSVRecord] = []) throws {
        try self.init()
        lock.withLock {
            self.recorded = recorded
            self.matcher = OSVMatcher(records: records)
        }
    }

    deinit { server?.stop() }

    public var baseURL: String { server.baseURL }

    /// Requests received so far.
    public var requestCount: Int { server.requestCount }

    /// `GET /pypi/NAME/json` answers `response`.
    public func setProject(_ name: String, _ response: ServerResponse) {
        lock.withLock { projects[PackageName.normalize(name)] = response }
    }

    /// `GET /pypi/NAME/json` answers the recorded real response `Tests/Fixtures/pypi-json/NAME.json`.
    public func serveRecorded(_ name: String) throws {
        setProject(name, .json(data: try Data(contentsOf: TestPaths.pypiJSON(name))))
    }

    /// `GET /integrity/NAME/VERSION/FILE/provenance` answers `response`.
    public func setProvenance(_ name: String, version: String, file: String, _ response: ServerResponse) {
        lock.withLock { provenance["\(PackageName.normalize(name))/\(version)/\(file)"] = response }
    }

    /// The OSV records `vulnerabilities` is computed from.
    package func setAdvisories(_ records: [OSVRecord]) {
        lock.withLock { matcher = OSVMatcher(records: records) }
    }

    /// Answers every request with `fault`'s response whenever it returns one; nil restores normal answers.
    public func inject(_ fault: (@Sendable (ServerRequest) -> ServerResponse?)?) {
        lock.withLock { self.fault = fault }
    }

    /// The paths requested so far, in order.
    public var requestedPaths: [String] { server.requests.map(\.path) }

    private func answer(_ request: ServerRequest) -> ServerResponse {
        if let fault = lock.withLock({ self.fault }), let response = fault(request) { return response }
        let parts = request.path.split(separator: "/").map(String.init)
        if parts.count == 3, parts[0] == "pypi", parts[2] == "json" {
            guard let data = projectDocument(parts[1]) else {
                return lock.withLock { projects[PackageName.normalize(parts[1])] } ?? .notFound
            }
            return .json(data: data)
        }
        if parts.count == 4, parts[0] == "pypi", parts[3] == "json" {
            return release(name: parts[1], version: parts[2].removingPercentEncoding ?? parts[2])
        }
        if parts.count == 5, parts[0] == "integrity", parts[4] == "provenance" {
            return lock.withLock { provenance["\(PackageName.normalize(parts[1]))/\(parts[2])/\(parts[3])"] }
                ?? .notFound
        }
        return .notFound
    }

    /// The project document: set by the test (when a 200), else recorded.
    private func projectDocument(_ name: String) -> Data? {
        let normalized = PackageName.normalize(name)
        let (set, folder) = lock.withLock { (projects[normalized], recorded) }
        if let set { return set.status == 200 ? set.body : nil }
        guard let folder else { return nil }
        return try? Data(contentsOf: folder.appendingPathComponent("\(normalized).json"))
    }

    private func release(name: String, version: String) -> ServerResponse {
        let matcher = lock.withLock { self.matcher }
        var document: [String: Any]
        if let data = projectDocument(name),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            let releases = object["releases"] as? [String: Any] ?? [:]
            guard let files = releases[version] else { return .notFound }
            var info = object["info"] as? [String: Any] ?? [:]
            info["version"] = version
            document = ["info": info, "urls": files, "last_serial": object["last_serial"] ?? 0]
        } else if !matcher.records(forPackage: name).isEmpty {
            document = ["info": ["name": name, "version": version], "urls": [Any](), "last_serial": 0]
        } else {
            return .notFound
        }
        document["vulnerabilities"] = matcher.matchingRecords(name: name, version: version).map(Self.entry)
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return .json(data: body)
    }

    /// One `vulnerabilities` entry as PyPI serves it (also served by `alterks-doubles`).
    package static func entry(_ record: OSVRecord) -> [String: Any] {
        let fixed = record.affected.filter { $0.package.ecosystem == "PyPI" }
            .flatMap(\.ranges).filter { $0.type == "ECOSYSTEM" }
            .flatMap(\.events).filter { $0.kind == .fixed }.map(\.version)
        return [
            "id": record.id, "aliases": record.aliases, "details": record.details ?? "",
            "summary": record.summary ?? NSNull(), "fixed_in": fixed,
            "link": "https://osv.dev/vulnerability/\(record.id)", "source": "osv",
            "withdrawn": record.withdrawn ?? NSNull(),
        ]
    }
}
