import AlterKit
import Foundation

/// PyPI's JSON API on a loopback server — the minimal version the vulnerability engine needs; the heuristics work
/// may extend it.
/// - `GET /pypi/NAME/json`: the recorded response from `shared/data/pypi-json/NAME.json`, else 404;
/// - `GET /pypi/NAME/VERSION/json`: `info` (with that version), `urls` (that release's files) and `vulnerabilities`,
///   computed as PyPI does from OSV records (`id`, `aliases`, `details`, `summary`, `fixed_in`, `link`, `source`,
///   `withdrawn`); for a package with no recorded response but with OSV records, a minimal document; else 404.
public final class PyPIDouble: @unchecked Sendable {
    public private(set) var server: LoopbackHTTPServer!
    private let lock = NSLock()
    private let recorded: URL?
    private let matcher: OSVMatcher
    private var fault: (@Sendable (ServerRequest) -> ServerResponse?)?

    /// - Parameters:
    ///   - recorded: a folder of `NAME.json` recorded responses (`TestPaths.shared("data/pypi-json")`), or nil.
    ///   - records: OSV records the `vulnerabilities` field is computed from.
    package init(recorded: URL? = nil, records: [OSVRecord] = [], latency: Double = 0) throws {
        self.recorded = recorded
        self.matcher = OSVMatcher(records: records)
        server = try LoopbackHTTPServer(latency: latency) { [weak self] request in
            self?.handle(request) ?? .serverError(503)
        }
    }

    public var baseURL: String { server.baseURL }
    public var requestCount: Int { server.requestCount }

    /// Answers with `fault`'s response whenever it returns one; nil restores normal answers.
    public func inject(_ fault: (@Sendable (ServerRequest) -> ServerResponse?)?) {
        lock.withLock { self.fault = fault }
    }

    private func handle(_ request: ServerRequest) -> ServerResponse {
        if let fault = lock.withLock({ self.fault }), let response = fault(request) { return response }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard request.method == "GET", parts.first == "pypi", parts.last == "json" else { return .notFound }
        switch parts.count {
        case 3:
            guard let document = recordedDocument(parts[1]) else { return .notFound }
            return .json(data: document)
        case 4:
            return release(name: parts[1], version: parts[2].removingPercentEncoding ?? parts[2])
        default:
            return .notFound
        }
    }

    private func recordedDocument(_ name: String) -> Data? {
        guard let recorded else { return nil }
        return try? Data(contentsOf: recorded.appendingPathComponent("\(PackageName.normalize(name)).json"))
    }

    private func release(name: String, version: String) -> ServerResponse {
        let records = matcher.records(forPackage: name)
        var document: [String: Any]
        if let data = recordedDocument(name),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            let releases = object["releases"] as? [String: Any] ?? [:]
            guard let files = releases[version] else { return .notFound }
            var info = object["info"] as? [String: Any] ?? [:]
            info["version"] = version
            document = ["info": info, "urls": files, "last_serial": object["last_serial"] ?? 0]
        } else if !records.isEmpty {
            document = ["info": ["name": name, "version": version], "urls": [Any](), "last_serial": 0]
        } else {
            return .notFound
        }
        document["vulnerabilities"] = matcher.matchingRecords(name: name, version: version).map(Self.entry)
        let body = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return .json(data: body)
    }

    /// One `vulnerabilities` entry as PyPI serves it.
    static func entry(_ record: OSVRecord) -> [String: Any] {
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
