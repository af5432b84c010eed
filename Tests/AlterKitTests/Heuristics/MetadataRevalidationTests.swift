import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// Issue #13 item 3: nothing immutable is asked twice. An expired project is revalidated with its `ETag` (a 304
/// costs no document, and a changed project is seen); a file's provenance is asked once, ever.
@Suite struct MetadataRevalidationTests {
    /// A clock the test moves forward.
    final class StepClock: WallClock, @unchecked Sendable {
        private let lock = NSLock()
        private var date = Date(timeIntervalSince1970: 1_795_694_400)
        func now() -> Date { lock.withLock { date } }
        func advance(_ seconds: TimeInterval) { lock.withLock { date += seconds } }
    }

    /// One project whose document and `ETag` the test changes; `If-None-Match` with the current tag gets 304.
    final class Upstream: @unchecked Sendable {
        private let lock = NSLock()
        private var version = "1.0"
        private(set) var conditional: [String] = []

        func publish(_ version: String) { lock.withLock { self.version = version } }

        func respond(_ request: ServerRequest) -> ServerResponse {
            lock.withLock {
                let etag = "\"v\(version)\""
                if let tag = request.headers["if-none-match"] {
                    conditional.append(tag)
                    if tag == etag { return ServerResponse(status: 304, headers: ["ETag": etag]) }
                }
                var response = ServerResponse.json(
                    """
                    {"info": {"name": "tinyetag", "version": "\(version)"}, "last_serial": 1,
                     "releases": {"\(version)": [{"filename": "tinyetag-\(version)-py3-none-any.whl",
                       "upload_time_iso_8601": "2024-01-01T00:00:00Z", "digests": {"sha256": "\(String(repeating: "a", count: 64))"}}]}}
                    """)
                response.headers["ETag"] = etag
                return response
            }
        }
    }

    func cache(_ folder: URL, clock: any WallClock) throws -> MetadataCache {
        try MetadataCache(
            path: folder.appendingPathComponent(MetadataCache.fileName).path, diagnostics: DiagnosticCollector(),
            clock: clock)
    }

    @Test func anExpiredProjectIsRevalidatedAndAChangeIsSeen() async throws {
        let folder = try TestPaths.temporaryDirectory("alterks-etag")
        defer { try? FileManager.default.removeItem(at: folder) }
        let upstream = Upstream()
        let server = try LoopbackHTTPServer { upstream.respond($0) }
        defer { server.stop() }
        let clock = StepClock()
        let client = PyPIMetadataClient(
            http: CurlHTTPClient(environment: [:]), baseURL: server.baseURL, cache: try cache(folder, clock: clock),
            clock: clock, ttl: 3600)
        func version() async throws -> String? {
            guard case .found(let project) = try await client.project("tinyetag") else { return nil }
            return project.info.version
        }

        #expect(try await version() == "1.0")
        #expect(try await version() == "1.0")
        #expect(server.requestCount == 1, "a fresh entry is not asked for again")

        clock.advance(7200)
        #expect(try await version() == "1.0")
        #expect(server.requestCount == 2)
        #expect(upstream.conditional == ["\"v1.0\""], "the expired entry is revalidated with its ETag")
        #expect(try await version() == "1.0")
        #expect(server.requestCount == 2, "a 304 makes the entry fresh again")

        upstream.publish("2.0")
        clock.advance(7200)
        #expect(try await version() == "2.0", "a new ETag upstream is seen")
        #expect(upstream.conditional == ["\"v1.0\"", "\"v1.0\""])
        #expect(server.requestCount == 3)
    }

    @Test func aFilesProvenanceIsAskedOnceKeyedByItsHash() async throws {
        let folder = try TestPaths.temporaryDirectory("alterks-provenance")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LoopbackHTTPServer { request in
            request.path.hasSuffix("a-1.0-py3-none-any.whl/provenance")
                ? .json(#"{"attestation_bundles": [{"publisher": {"kind": "GitHub", "repository": "o/a"}}]}"#)
                : .notFound
        }
        defer { server.stop() }
        let clock = StepClock()
        let attested = PyPIProject.ReleaseFile(
            filename: "a-1.0-py3-none-any.whl", uploadTime: nil, sha256: String(repeating: "b", count: 64))
        let plain = PyPIProject.ReleaseFile(
            filename: "a-1.0.tar.gz", uploadTime: nil, sha256: String(repeating: "c", count: 64))
        for round in 0..<3 {
            // A new client and cache object each round: the answers live in the SQLite file.
            let client = PyPIMetadataClient(
                http: CurlHTTPClient(environment: [:]), baseURL: server.baseURL,
                cache: try cache(folder, clock: clock), clock: clock)
            #expect(
                try await client.provenance(name: "a", version: "1.0", file: attested)
                    == .present(publishers: ["GitHub:o/a"]))
            #expect(try await client.provenance(name: "a", version: "1.0", file: plain) == .absent)
            #expect(server.requestCount == 2, "round \(round)")
            clock.advance(400 * 86400)
        }
    }
}
