import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct CurlHTTPClientTests {
    let client = CurlHTTPClient(environment: [:])

    @Test func getSendsHeadersAndReturnsLowercasedHeaders() async throws {
        let server = try LoopbackHTTPServer { request in
            ServerResponse(
                status: 200, headers: ["X-Echo": request.headers["x-token"] ?? "none", "Content-Type": "text/plain"],
                body: Data("path=\(request.path) q=\(request.queryItems["name"] ?? "")".utf8))
        }
        defer { server.stop() }
        let response = try await client.send(
            HTTPRequest(url: server.url("/pypi/x/json?name=a%20b"), headers: ["X-Token": "secret"]))
        #expect(response.status == 200)
        #expect(response.headers["x-echo"] == "secret")
        #expect(response.headers["content-type"] == "text/plain")
        #expect(String(decoding: response.body, as: UTF8.self) == "path=/pypi/x/json q=a b")
        let seen = try #require(server.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.headers["user-agent"] == "alterks")
        #expect(seen.headers["expect"] == nil)
    }

    @Test func postSendsTheBody() async throws {
        let server = try LoopbackHTTPServer { request in
            .json(#"{"received": \#(request.body.count)}"#, status: 201)
        }
        defer { server.stop() }
        let payload = Data(repeating: 0x7a, count: 300_000)
        let response = try await client.send(
            HTTPRequest(
                method: "POST", url: server.url("/v1/querybatch"), headers: ["Content-Type": "application/json"],
                body: payload))
        #expect(response.status == 201)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"received": 300000}"#)
        #expect(server.requests.first?.body == payload)
        #expect(server.requests.first?.method == "POST")
    }

    @Test func statusCodesAreAnswersNotErrors() async throws {
        let server = try LoopbackHTTPServer { _ in .notFound }
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/missing")))
        #expect(response.status == 404)
    }

    @Test func twoHundredConcurrentRequestsReuseConnections() async throws {
        let server = try LoopbackHTTPServer(latency: 0.001) { request in .text(request.path) }
        defer { server.stop() }
        let paths = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let response = try await client.send(HTTPRequest(url: server.url("/item/\(i)")))
                    return String(decoding: response.body, as: UTF8.self)
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(paths == Set((0..<200).map { "/item/\($0)" }))
        #expect(server.requestCount == 200)
        #expect(server.connectionCount <= CurlHTTPClient.Configuration().maxConnectionsPerHost)
    }

    @Test func stalledServerTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in .fault(.stall(seconds: 30)) }
        defer { server.stop() }
        let url = server.url("/slow")
        await #expect(throws: HTTPError.timedOut(url: url, seconds: 0.3)) {
            try await client.send(HTTPRequest(url: url, timeout: 0.3))
        }
    }

    @Test(arguments: [false, true])
    func bodyLimitIsEnforced(chunked: Bool) async throws {
        let server = try LoopbackHTTPServer { _ in
            ServerResponse(body: Data(repeating: 1, count: 4 << 20), chunked: chunked)
        }
        defer { server.stop() }
        let url = server.url("/big")
        await #expect(throws: HTTPError.bodyTooLarge(url: url, limit: 100_000)) {
            try await client.send(HTTPRequest(url: url, maxBodyBytes: 100_000))
        }
        // Exactly at the limit is fine.
        let ok = try await client.send(HTTPRequest(url: url, maxBodyBytes: 4 << 20))
        #expect(ok.body.count == 4 << 20)
    }

    @Test func droppedConnectionIsATransportError() async throws {
        let server = try LoopbackHTTPServer { _ in .fault(.dropConnection) }
        defer { server.stop() }
        do {
            _ = try await client.send(HTTPRequest(url: server.url("/drop")))
            Issue.record("a dropped connection produced a response")
        } catch let error as HTTPError {
            guard case .transport(let url, _) = error else {
                Issue.record("expected a transport error, got \(error)")
                return
            }
            #expect(url == server.url("/drop"))
            #expect(error.exitStatus == .sourceFailure)
        }
    }

    @Test func truncatedBodyIsATransportError() async throws {
        let server = try LoopbackHTTPServer { _ in
            ServerResponse(body: Data(repeating: 2, count: 1000), fault: .truncatedBody(sendBytes: 10))
        }
        defer { server.stop() }
        await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: server.url("/t"))) }
    }

    @Test func tlsToAPlainServerFails() async throws {
        let server = try LoopbackHTTPServer { _ in .text("plain") }
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/"
        await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: url, timeout: 1)) }
    }

    @Test func cancellationAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _ in .fault(.stall(seconds: 30)) }
        defer { server.stop() }
        let client = client
        let task = Task { try await client.send(HTTPRequest(url: server.url("/stall"), timeout: 60)) }
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func rejectsBadURLsAndHeaders() async throws {
        await #expect(throws: HTTPError.invalidURL("ftp://example.org/x")) {
            try await client.send(HTTPRequest(url: "ftp://example.org/x"))
        }
        await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:1/", headers: ["X": "a\r\nInjected: 1"]))
        }
    }

    @Test func plainHTTPToTheInternetIsRefusedBeforeSending() async throws {
        await #expect(throws: HTTPError.insecureURL("http://pypi.org/simple/")) {
            try await client.send(HTTPRequest(url: "http://pypi.org/simple/"))
        }
    }

    @Test func refusedConnectionIsATransportError() async throws {
        // Port 1 on loopback: nothing listens there.
        await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: "http://127.0.0.1:1/")) }
    }

    @Test(arguments: [
        ("https://api.osv.dev/v1/query", true), ("http://127.0.0.1:8080/x", true), ("http://127.9.9.9/", true),
        ("http://localhost:9/", true), ("http://[::1]:80/", true), ("HTTPS://PyPI.org/simple", true),
        ("http://pypi.org/simple", false), ("http://127.0.0.1.evil.com/", false), ("http://10.0.0.1/", false),
        ("ftp://127.0.0.1/", false), ("http://evil.com@127.0.0.1.nip.io/", false),
        ("http://127.0.0.1@evil.com/", false),
    ])
    func secureURLCheck(url: String, allowed: Bool) {
        if allowed {
            #expect(throws: Never.self) { try requireSecureURL(url) }
        } else {
            #expect(throws: HTTPError.self) { try requireSecureURL(url) }
        }
    }

    @Test func secureURLErrorsAreSpecific() {
        #expect(throws: HTTPError.insecureURL("http://pypi.org/")) { try requireSecureURL("http://pypi.org/") }
        #expect(throws: HTTPError.invalidURL("not a url")) { try requireSecureURL("not a url") }
    }
}
