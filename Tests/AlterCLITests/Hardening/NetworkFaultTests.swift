import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// One way the OSV API can misbehave.
struct NetworkFault: Sendable, CustomTestStringConvertible {
    let name: String
    /// Exit statuses that are right for this fault: 3 (the source could not answer), unless said otherwise.
    var allowed: Set<Int32> = [ExitStatus.sourceFailure.rawValue]
    let respond: @Sendable (ServerRequest, _ record: Data) -> ServerResponse
    var testDescription: String { name }

    /// The fault on every endpoint.
    static func everywhere(_ name: String, _ response: ServerResponse) -> NetworkFault {
        NetworkFault(name: name) { _, _ in response }
    }

    /// A correct batch answer (flask affected), then the fault on the record endpoints.
    static func onDetails(_ name: String, _ response: ServerResponse) -> NetworkFault {
        NetworkFault(name: "details: " + name) { request, record in
            request.path.hasPrefix("/v1/vulns/") || request.path == "/v1/query"
                ? response : MiniOSV.answer(request, record: record)
        }
    }

    static let batchAnswer =
        #"{"results": [{}, {"vulns": [{"id": "PYSEC-2018-66", "modified": "2024-10-10T00:00:00Z"}]}]}"#

    static let all: [NetworkFault] = [
        everywhere("dropped connection", .fault(.dropConnection)),
        everywhere("stall past the timeout", .fault(.stall(seconds: 60))),
        everywhere("429 with a Retry-After beyond the budget", .tooManyRequests(retryAfter: "120")),
        everywhere("429 with an HTTP-date Retry-After", .tooManyRequests(retryAfter: "Wed, 21 Oct 2099 07:28:00 GMT")),
        everywhere("500", .serverError()),
        everywhere("503", .serverError(503)),
        everywhere("truncated body", .fault(.truncatedBody(sendBytes: 20))),
        everywhere("not JSON", .text("this is not json")),
        everywhere(
            "HTML error page",
            ServerResponse(
                status: 200, headers: ["Content-Type": "text/html"],
                body: Data("<html><body>Bad gateway</body></html>".utf8))),
        everywhere("empty 200 body", .json("")),
        everywhere("no results key", .json("{}")),
        everywhere("results null", .json(#"{"results": null}"#)),
        everywhere("fewer results than queries", .json(#"{"results": []}"#)),
        everywhere("one result for two queries", .json(#"{"results": [{}]}"#)),
        everywhere("more results than queries", .json(#"{"results": [{}, {}, {}]}"#)),
        everywhere("vulns of the wrong type", .json(#"{"results": [{"vulns": "PYSEC-2018-66"}, {}]}"#)),
        everywhere(
            "vuln without an id", .json(#"{"results": [{"vulns": [{"modified": "2024-01-01T00:00:00Z"}]}, {}]}"#)),
        everywhere("JSON array instead of object", .json("[1, 2, 3]")),
        everywhere("400 from the API", .json(#"{"code": 3, "message": "Invalid request"}"#, status: 400)),
        everywhere("404 for the batch endpoint", .notFound),
        everywhere("redirect to nowhere", ServerResponse(status: 302, headers: ["Location": "http://127.0.0.1:9/x"])),
        onDetails("500", .serverError()),
        onDetails("dropped connection", .fault(.dropConnection)),
        onDetails("404 for a listed id", .json(#"{"code": 5, "message": "Bug not found."}"#, status: 404)),
        onDetails("truncated record", .fault(.truncatedBody(sendBytes: 40))),
        onDetails("malformed record", .json(#"{"id": "PYSEC-2018-66", "affected": "#)),
        // The batch said flask is affected; a thin record may still be reported as that vulnerability (1).
        NetworkFault(
            name: "details: record without affected packages",
            allowed: [ExitStatus.findings.rawValue, ExitStatus.sourceFailure.rawValue]
        ) { request, record in
            request.path.hasPrefix("/v1/vulns/") || request.path == "/v1/query"
                ? .json(#"{"id": "PYSEC-2018-66", "modified": "x"}"#) : MiniOSV.answer(request, record: record)
        },
    ]
}

/// Every way the OSV API can fail must end in exit status 3 and a message that names the source — never 0.
@Suite("Hardening: network faults never end clean")
struct NetworkFaultTests {
    @Test(arguments: NetworkFault.all)
    func faultIsASourceFailure(_ fault: NetworkFault) async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let record = try MiniOSV.record()
        let server = try LoopbackHTTPServer { request in fault.respond(request, record) }
        defer { server.stop() }
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)

        let result = await sandbox.scanJSON(config: config, requirements: requirements)

        #expect(fault.allowed.contains(result.status), "\(fault.name): \(result.output)")
        #expect(result.status != ExitStatus.clean.rawValue)
        #expect(server.requestCount >= 1, "the double was never asked")
        let message = result.stderr.lowercased()
        if result.status == ExitStatus.sourceFailure.rawValue {
            #expect(message.contains("osv") || message.contains("127.0.0.1"), "no source named: \(result.stderr)")
        } else {
            #expect(result.stdout.contains(MiniOSV.vulnerabilityID))
        }
        #expect(!message.contains("fatal error"), "crashed: \(result.stderr)")
    }

    /// 429 with a short Retry-After, twice, then a real answer: the retries are honoured and the verdict is right.
    @Test func retryAfterIsHonouredThenAnswered() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let record = try MiniOSV.record()
        let state = Countdown(failures: 2)
        let server = try LoopbackHTTPServer { request in
            state.next() ? .tooManyRequests(retryAfter: "1") : MiniOSV.answer(request, record: record)
        }
        defer { server.stop() }
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)
        // A budget far beyond the two 1 s waits: under a loaded machine the attempts themselves must not eat it.
        let config = try sandbox.config(
            baseURL: server.baseURL, extra: #"source = "osv""#, timeout: 60, totalTimeout: 300)

        let result = await sandbox.scanJSON(config: config, requirements: requirements)

        #expect(result.status == ExitStatus.findings.rawValue, "\(result.output)")
        #expect(result.stdout.contains(MiniOSV.vulnerabilityID))
        #expect(server.requestCount >= 3)
    }

    /// The control: the same scan against a healthy double finds the vulnerability (so the fault cases above fail
    /// because of the fault, not because the scan cannot work at all).
    @Test func healthyDoubleFindsTheVulnerability() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try LoopbackHTTPServer(handler: try MiniOSV.handler())
        defer { server.stop() }
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)

        let result = await sandbox.scanJSON(config: config, requirements: requirements)

        #expect(result.status == ExitStatus.findings.rawValue, "\(result.output)")
        #expect(result.stdout.contains(MiniOSV.vulnerabilityID))
    }
}

/// Answers "fail" `failures` times, then "succeed".
final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    init(failures: Int) { remaining = failures }
    func next() -> Bool {
        lock.withLock {
            remaining -= 1
            return remaining >= 0
        }
    }
}
