import Foundation
import PythonPackaging

/// The OSV API (https://google.github.io/osv.dev/api/): `POST /v1/querybatch` for the whole package set, then
/// `GET /v1/vulns/{id}` for each record not already cached at the `modified` stamp the batch reported.
///
/// A warm repeat scan makes only the batch call(s). Anything that fails (after the HTTP client's own retries) makes
/// every package that depended on it a `SourceFailure("osv", …)`.
package struct OSVAPISource: VulnerabilitySource {
    package struct Configuration: Sendable, Hashable {
        /// Base URL, for mirrors; `https://api.osv.dev` by default.
        package var baseURL: String
        /// Queries per `querybatch` request (the API accepts at most 1,000).
        package var batchSize: Int
        /// `querybatch` requests in flight at once.
        package var batchConcurrency: Int
        /// `vulns/{id}` requests in flight at once.
        package var detailConcurrency: Int

        /// Record fetches in flight for a `max_concurrency` of `maxConcurrency`: small GETs that HTTP/2 multiplexes
        /// as streams of one connection, so a cold scan's records come in one wave (1,300 records at 16 in flight
        /// were 80 sequential round trips); at most 256.
        package static func detailStreams(maxConcurrency: Int) -> Int { min(256, max(1, maxConcurrency) * 8) }
        /// Rounds of `next_page_token` follow-ups before giving up (a server that never stops paging).
        package var maxPages: Int
        /// Per-request timeout, seconds.
        package var timeout: Double

        package init(
            baseURL: String = "https://api.osv.dev", batchSize: Int = 1000, batchConcurrency: Int = 4,
            detailConcurrency: Int = 128, maxPages: Int = 50, timeout: Double = 30
        ) {
            self.baseURL = baseURL
            self.batchSize = batchSize
            self.batchConcurrency = batchConcurrency
            self.detailConcurrency = detailConcurrency
            self.maxPages = maxPages
            self.timeout = timeout
        }
    }

    package static let sourceName = "osv"

    let configuration: Configuration
    let http: any HTTPClient
    let cache: any AdvisoryRecordCache
    let builder: FindingBuilder
    let clock: any WallClock
    let diagnostics: any DiagnosticSink

    package init(
        configuration: Configuration = Configuration(), http: any HTTPClient, cache: any AdvisoryRecordCache,
        builder: FindingBuilder = FindingBuilder(), clock: any WallClock, diagnostics: any DiagnosticSink
    ) {
        self.configuration = configuration
        self.http = http
        self.cache = cache
        self.builder = builder
        self.clock = clock
        self.diagnostics = diagnostics
    }

    private var base: String {
        configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
    }

    package func lookup(_ packages: [PackageQuery]) async -> VulnerabilityLookup {
        await lookup(packages, reusable: { _, _ in false })
    }

    package func lookup(
        _ packages: [PackageQuery], reusable: @escaping @Sendable (PackageQuery, String) -> Bool
    ) async -> VulnerabilityLookup {
        let queries = Array(Set(packages)).sorted()
        let info = SourceInfo(name: Self.sourceName, location: configuration.baseURL, dataDate: clock.now())
        var results: [PackageQuery: Result<[VulnerabilityFinding], SourceFailure>] = [:]
        var fingerprints: [PackageQuery: String] = [:]

        // 1. Which vulnerabilities (id + modified) affect each package.
        let listed = await listVulnerabilities(queries)
        // A query whose advisory data the caller already has an answer for needs no records (a warm scan).
        var reused = Set<PackageQuery>()
        var keysByName: [String: Set<RecordKey>] = [:]
        for (query, outcome) in listed {
            guard case .success(let keys) = outcome else { continue }
            if reusable(query, Self.fingerprint(keys)) {
                reused.insert(query)
            } else {
                keysByName[query.name, default: []].formUnion(keys)
            }
        }

        // 2. What each package's findings need of its records: digests from the cache at that `modified`, else the
        //    records fetched (one wave) and digested.
        let (digests, fetchFailures) = await recordDigests(keysByName)

        // 3. Findings per package.
        let memo = FindingMemo()
        for query in queries {
            switch listed[query] ?? .failure(SourceFailure(source: Self.sourceName, message: "no answer for \(query)"))
            {
            case .failure(let failure):
                results[query] = .failure(failure)
            case .success(let keys) where reused.contains(query):
                results[query] = .success([])
                fingerprints[query] = Self.fingerprint(keys)
            case .success(let keys):
                if let failed = keys.sorted().first(where: { fetchFailures[$0] != nil }),
                    let why = fetchFailures[failed]
                {
                    results[query] = .failure(why)
                    continue
                }
                let matched = keys.sorted().compactMap { digests[query.name]?[$0] }
                results[query] = .success(
                    builder.findings(for: matched, package: query.name, version: query.version, memo: memo))
                fingerprints[query] = Self.fingerprint(keys)
            }
        }
        return VulnerabilityLookup(results: results, sourceInfo: info, fingerprints: fingerprints)
    }

    /// The advisory-data fingerprint of one query's answer: its records' ids and `modified` stamps.
    static func fingerprint(_ keys: Set<RecordKey>) -> String {
        AdvisoryFingerprint.of(source: sourceName, records: keys.map { (id: $0.id, modified: $0.modified) })
    }

    // MARK: querybatch

    private struct BatchRequest: Encodable {
        struct Query: Encodable {
            struct Package: Encodable {
                var name: String
                var ecosystem: String
            }
            var package: Package
            var version: String
            var pageToken: String?

            enum CodingKeys: String, CodingKey {
                case package, version
                case pageToken = "page_token"
            }
        }
        var queries: [Query]
    }

    private struct BatchResponse: Decodable {
        struct Result: Decodable {
            struct Vuln: Decodable {
                var id: String
                var modified: String
            }
            var vulns: [Vuln]?
            var nextPageToken: String?

            enum CodingKeys: String, CodingKey {
                case vulns
                case nextPageToken = "next_page_token"
            }
        }
        var results: [Result]
    }

    /// Asks `querybatch` for every query, following `next_page_token` per query until none is left.
    private func listVulnerabilities(
        _ queries: [PackageQuery]
    ) async -> [PackageQuery: Result<Set<RecordKey>, SourceFailure>] {
        var found: [PackageQuery: Set<RecordKey>] = [:]
        var failed: [PackageQuery: SourceFailure] = [:]
        var pending: [(PackageQuery, String?)] = queries.map { ($0, nil) }
        var round = 0
        while !pending.isEmpty {
            if round > configuration.maxPages {
                for (query, _) in pending {
                    failed[query] = SourceFailure(
                        source: Self.sourceName,
                        message: "\(base)/v1/querybatch: still paging after \(configuration.maxPages) pages")
                }
                break
            }
            round += 1
            let chunks = stride(from: 0, to: pending.count, by: max(1, configuration.batchSize)).map {
                Array(pending[$0..<min($0 + max(1, configuration.batchSize), pending.count)])
            }
            let sizes = chunks.map(\.count)
            let total = pending.count
            let stage = round == 1 ? "packages queried" : "packages queried (page \(round))"
            let answers = await boundedConcurrentMap(
                chunks, limit: configuration.batchConcurrency,
                completed: { diagnostics.progress(stage, done: sizes.prefix($0).reduce(0, +), total: total) }
            ) { chunk in
                await self.queryBatch(chunk)
            }
            var next: [(PackageQuery, String?)] = []
            for (chunk, answer) in zip(chunks, answers) {
                switch answer {
                case .failure(let failure):
                    for (query, _) in chunk { failed[query] = failure }
                case .success(let pages):
                    for ((query, _), page) in zip(chunk, pages) {
                        found[query, default: []].formUnion(page.keys)
                        if let token = page.nextPageToken { next.append((query, token)) }
                    }
                }
            }
            pending = next
        }
        var out: [PackageQuery: Result<Set<RecordKey>, SourceFailure>] = [:]
        for query in queries {
            out[query] = failed[query].map { .failure($0) } ?? .success(found[query] ?? [])
        }
        return out
    }

    private struct Page: Sendable {
        var keys: [RecordKey]
        var nextPageToken: String?
    }

    /// One `querybatch` request; its results in the order of `chunk`.
    private func queryBatch(_ chunk: [(PackageQuery, String?)]) async -> Result<[Page], SourceFailure> {
        let url = "\(base)/v1/querybatch"
        let request = BatchRequest(
            queries: chunk.map { query, token in
                .init(
                    package: .init(name: query.name, ecosystem: OSVMatcher.ecosystem), version: query.version,
                    pageToken: token)
            })
        do {
            let body = try JSONEncoder().encode(request)
            let response = try await http.send(
                HTTPRequest(
                    method: "POST", url: url, headers: ["Content-Type": "application/json"], body: body,
                    timeout: configuration.timeout))
            guard response.status == 200 else { throw AdvisoryError.httpStatus(url: url, status: response.status) }
            let decoded: BatchResponse
            do {
                decoded = try JSONDecoder().decode(BatchResponse.self, from: response.body)
            } catch {
                throw AdvisoryError.malformedResponse(url: url, message: OSVRecord.describe(error))
            }
            guard decoded.results.count == chunk.count else {
                throw AdvisoryError.malformedResponse(
                    url: url, message: "\(decoded.results.count) results for \(chunk.count) queries")
            }
            return .success(
                decoded.results.map { result in
                    Page(
                        keys: (result.vulns ?? []).map { RecordKey(id: $0.id, modified: $0.modified) },
                        nextPageToken: result.nextPageToken.flatMap { $0.isEmpty ? nil : $0 })
                })
        } catch {
            return .failure(SourceFailure(source: Self.sourceName, message: Self.reason(error)))
        }
    }

    // MARK: vulns/{id}

    /// Digests of the records each package name needs (`keysByName`): cached ones, and the rest fetched, digested
    /// for every PyPI package they name, and cached with their JSON.
    private func recordDigests(
        _ keysByName: [String: Set<RecordKey>]
    ) async -> (digests: [String: [RecordKey: AdvisoryDigest]], failures: [RecordKey: SourceFailure]) {
        var digests: [String: [RecordKey: AdvisoryDigest]] = [:]
        var failures: [RecordKey: SourceFailure] = [:]
        var missing = Set<RecordKey>()
        var readable = true
        for (name, keys) in keysByName.sorted(by: { $0.key < $1.key }) {
            let sorted = keys.sorted()
            var found: [RecordKey: AdvisoryDigest] = [:]
            if readable {
                do {
                    found = try cache.digests(for: sorted, package: name)
                } catch {
                    diagnostics.warning("advisory cache unreadable, fetching every record: \(Self.reason(error))")
                    readable = false
                }
            }
            digests[name] = found
            for key in sorted where found[key] == nil { missing.insert(key) }
        }
        let wanted = missing.sorted()
        let total = wanted.count
        if total > 0 { diagnostics.progress("advisory records fetched", done: 0, total: total) }
        let fetched = await boundedConcurrentMap(
            wanted, limit: configuration.detailConcurrency,
            completed: { diagnostics.progress("advisory records fetched", done: $0, total: total) }
        ) { key in
            await self.fetchRecord(key)
        }
        var namesByKey: [RecordKey: [String]] = [:]
        for (name, keys) in keysByName {
            for key in keys where missing.contains(key) { namesByKey[key, default: []].append(name) }
        }
        var toStore: [RecordKey: Data] = [:]
        var digestsToStore: [RecordKey: [String: AdvisoryDigest]] = [:]
        for (key, outcome) in zip(wanted, fetched) {
            switch outcome {
            case .success(let (record, data)):
                toStore[key] = data
                var names = Set(
                    record.affected.filter { $0.package.ecosystem == OSVMatcher.ecosystem }
                        .map { PackageName.normalize($0.package.name) })
                names.formUnion(namesByKey[key] ?? [])
                var byName: [String: AdvisoryDigest] = [:]
                for name in names { byName[name] = AdvisoryDigest(record, package: name) }
                digestsToStore[key] = byName
                for name in namesByKey[key] ?? [] { digests[name, default: [:]][key] = byName[name] }
            case .failure(let failure):
                failures[key] = failure
            }
        }
        if !toStore.isEmpty {
            do {
                try cache.store(toStore, digests: digestsToStore)
            } catch {
                diagnostics.warning("could not cache advisory records: \(Self.reason(error))")
            }
        }
        return (digests, failures)
    }

    private func fetchRecord(_ key: RecordKey) async -> Result<(OSVRecord, Data), SourceFailure> {
        guard Self.isSafeID(key.id) else {
            return .failure(
                SourceFailure(source: Self.sourceName, message: "refusing vulnerability id \(key.id.debugDescription)"))
        }
        let url = "\(base)/v1/vulns/\(key.id)"
        do {
            let response = try await http.send(HTTPRequest(url: url, timeout: configuration.timeout))
            guard response.status == 200 else { throw AdvisoryError.httpStatus(url: url, status: response.status) }
            let record = try OSVRecord.decode(response.body, origin: url)
            guard record.id == key.id else {
                throw AdvisoryError.malformedResponse(url: url, message: "answered with record \(record.id)")
            }
            return .success((record, response.body))
        } catch {
            return .failure(SourceFailure(source: Self.sourceName, message: Self.reason(error)))
        }
    }

    /// Ids go into a URL path: letters, digits and `-_.:` only, starting with a letter or digit.
    static func isSafeID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first) else {
            return false
        }
        return id.count <= 200
            && id.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || "-_.:".unicodeScalars.contains(scalar))
            }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? any AlterKSError { return error.description }
        return String(describing: error)
    }
}
