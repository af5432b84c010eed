import AlterKit
import Foundation

/// The OSV API on a loopback server, answering like api.osv.dev from a set of OSV records:
/// - `POST /v1/querybatch`: `{id, modified}` per matching vulnerability, `next_page_token` when `pageSize` is set
///   and a query has more; more than 1,000 queries is a 400, as the real API;
/// - `POST /v1/query`: full records (for a version, or every record of the package without one), paginated too;
/// - `GET /v1/vulns/{id}`: the full record (its original JSON), or 404.
/// Matching uses OSVMatcher (which is tested on its own against an independent expectation). Faults and latency are
/// injectable; requests are counted per endpoint.
public final class OSVDouble: @unchecked Sendable {
    public private(set) var server: LoopbackHTTPServer!
    private let lock = NSLock()
    private var recordsByID: [String: (record: OSVRecord, json: Data)] = [:]
    private var matcher = OSVMatcher(records: [])
    private var counts: [String: Int] = [:]
    private var fault: (@Sendable (ServerRequest) -> ServerResponse?)?
    /// Vulnerabilities per query page; nil answers every query in one page.
    public var pageSize: Int? {
        get { lock.withLock { storedPageSize } }
        set { lock.withLock { storedPageSize = newValue } }
    }
    private var storedPageSize: Int?

    /// Serves `records` (with their original JSON when given, else re-encoded).
    package init(records: [(record: OSVRecord, json: Data?)], latency: Double = 0, recordsRequests: Bool = true)
        throws
    {
        load(records)
        server = try LoopbackHTTPServer(latency: latency, recordsRequests: recordsRequests) { [weak self] request in
            self?.handle(request) ?? .serverError(503)
        }
    }

    /// Serves `records` re-encoded.
    package convenience init(records: [OSVRecord], latency: Double = 0) throws {
        try self.init(records: records.map { ($0, nil) }, latency: latency)
    }

    public var baseURL: String { server.baseURL }

    /// Adds or replaces records (an advisory published or modified while a test runs).
    package func upsert(_ records: [OSVRecord]) {
        lock.withLock {
            for record in records { recordsByID[record.id] = (record, (try? JSONEncoder().encode(record)) ?? Data()) }
            matcher = OSVMatcher(records: recordsByID.values.map(\.record))
        }
    }

    private func load(_ records: [(record: OSVRecord, json: Data?)]) {
        lock.withLock {
            for (record, json) in records {
                recordsByID[record.id] = (record, json ?? (try? JSONEncoder().encode(record)) ?? Data())
            }
            matcher = OSVMatcher(records: recordsByID.values.map(\.record))
        }
    }

    /// Answers every request with `fault`'s response when it returns one (a 503, a dropped connection …);
    /// nil restores normal answers.
    public func inject(_ fault: (@Sendable (ServerRequest) -> ServerResponse?)?) {
        lock.withLock { self.fault = fault }
    }

    /// Requests to `/v1/querybatch`.
    public var batchRequests: Int { count("querybatch") }
    /// Requests to `/v1/vulns/{id}`.
    public var detailRequests: Int { count("vulns") }
    /// Requests to `/v1/query`.
    public var queryRequests: Int { count("query") }
    /// Every request, whatever its path.
    public var totalRequests: Int { server.requestCount }

    private func count(_ key: String) -> Int { lock.withLock { counts[key] ?? 0 } }

    public func resetCounts() { lock.withLock { counts = [:] } }

    // MARK: Handling

    private struct Query: Decodable {
        struct Package: Decodable {
            var name: String?
            var ecosystem: String?
        }
        var package: Package?
        var version: String?
        var pageToken: String?

        enum CodingKeys: String, CodingKey {
            case package, version
            case pageToken = "page_token"
        }
    }

    private struct Batch: Decodable { var queries: [Query] }

    private func handle(_ request: ServerRequest) -> ServerResponse {
        let (fault, pageSize) = lock.withLock { (self.fault, storedPageSize) }
        let key: String
        switch (request.method, request.path) {
        case ("POST", "/v1/querybatch"): key = "querybatch"
        case ("POST", "/v1/query"): key = "query"
        case ("GET", let path) where path.hasPrefix("/v1/vulns/"): key = "vulns"
        default: key = "other"
        }
        lock.withLock { counts[key, default: 0] += 1 }
        if let fault, let response = fault(request) { return response }

        switch key {
        case "querybatch":
            guard let batch = try? JSONDecoder().decode(Batch.self, from: request.body) else {
                return Self.error(400, "Invalid request")
            }
            guard batch.queries.count <= 1000 else { return Self.error(400, "Too many queries.") }
            let results: [[String: Any]] = batch.queries.map { query in
                let (page, next) = self.page(self.matches(query), token: query.pageToken, size: pageSize)
                var result: [String: Any] = [:]
                if !page.isEmpty { result["vulns"] = page.map { ["id": $0.id, "modified": $0.modified] } }
                if let next { result["next_page_token"] = next }
                return result
            }
            return Self.json(["results": results])
        case "query":
            guard let query = try? JSONDecoder().decode(Query.self, from: request.body) else {
                return Self.error(400, "Invalid request")
            }
            let (page, next) = self.page(self.matches(query), token: query.pageToken, size: pageSize)
            var body: [String: Any] = [:]
            if !page.isEmpty {
                body["vulns"] = page.compactMap { record in
                    lock.withLock { recordsByID[record.id]?.json }.flatMap {
                        try? JSONSerialization.jsonObject(with: $0)
                    }
                }
            }
            if let next { body["next_page_token"] = next }
            return Self.json(body)
        case "vulns":
            let id = String(request.path.dropFirst("/v1/vulns/".count)).removingPercentEncoding ?? ""
            guard let json = lock.withLock({ recordsByID[id]?.json }) else { return Self.error(404, "Bug not found.") }
            return ServerResponse.json(data: json)
        default:
            return Self.error(404, "Not found")
        }
    }

    private func matches(_ query: Query) -> [OSVRecord] {
        guard query.package?.ecosystem == "PyPI", let name = query.package?.name else { return [] }
        return lock.withLock {
            if let version = query.version {
                return matcher.matchingRecords(name: name, version: version)
            }
            return matcher.records(forPackage: name).sorted { $0.id < $1.id }
        }
    }

    private func page(_ all: [OSVRecord], token: String?, size: Int?) -> ([OSVRecord], String?) {
        let start = token.flatMap { Int($0.dropFirst("page-".count)) } ?? 0
        guard let size, size > 0 else { return (Array(all.dropFirst(start)), nil) }
        let end = min(all.count, start + size)
        let slice = start < end ? Array(all[start..<end]) : []
        return (slice, end < all.count ? "page-\(end)" : nil)
    }

    private static func json(_ object: [String: Any]) -> ServerResponse {
        ServerResponse.json(
            data: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    private static func error(_ status: Int, _ message: String) -> ServerResponse {
        var response = json(["code": status == 404 ? 5 : 3, "message": message])
        response.status = status
        return response
    }
}
