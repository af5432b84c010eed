import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

/// Records the sleeps instead of waiting.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Double] = []
    var sleeps: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
    var sleep: @Sendable (Double) async throws -> Void {
        { [self] seconds in record(seconds) }
    }
    private func record(_ seconds: Double) {
        lock.lock()
        recorded.append(seconds)
        lock.unlock()
    }
}

@Suite struct RetryingHTTPClientTests {
    let curl = CurlHTTPClient(environment: [:])

    func retrying(_ policy: RetryPolicy, _ recorder: SleepRecorder, clock: any WallClock = SystemClock())
        -> RetryingHTTPClient
    {
        // random returns the cap, so backoffs are deterministic: base · 2^(n-1); attempts cost no budget time, so a
        // slow machine cannot change which retries happen.
        RetryingHTTPClient(
            curl, policy: policy, clock: clock, sleep: recorder.sleep, random: { $0 }, elapsed: { 0 })
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        let server = try LoopbackHTTPServer(
            handler: LoopbackHTTPServer.sequence([.serverError(), .serverError(503), .text("ok")]))
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await retrying(RetryPolicy(maxAttempts: 4, baseDelay: 0.5), recorder)
            .send(HTTPRequest(url: server.url("/")))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ok")
        #expect(server.requestCount == 3)
        #expect(recorder.sleeps == [0.5, 1.0])
    }

    @Test func honoursRetryAfterSeconds() async throws {
        let server = try LoopbackHTTPServer(
            handler: LoopbackHTTPServer.sequence([.tooManyRequests(retryAfter: "7"), .text("ok")]))
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await retrying(RetryPolicy(totalBudget: 60), recorder).send(
            HTTPRequest(url: server.url("/")))
        #expect(response.status == 200)
        #expect(recorder.sleeps == [7])
    }

    @Test func honoursRetryAfterHTTPDate() async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        let server = try LoopbackHTTPServer(
            handler: LoopbackHTTPServer.sequence([
                .tooManyRequests(retryAfter: "Tue, 14 Nov 2023 22:13:50 GMT"), .text("ok"),
            ]))
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await retrying(RetryPolicy(), recorder, clock: FixedClock(now))
            .send(HTTPRequest(url: server.url("/")))
        #expect(response.status == 200)
        #expect(recorder.sleeps == [30])
    }

    @Test func budgetExhaustedReturnsTheLastFailure() async throws {
        let server = try LoopbackHTTPServer { _ in .serverError(503) }
        defer { server.stop() }
        let recorder = SleepRecorder()
        // Sleeps would be 4, then 8: 4 + 8 crosses the 10 s budget, so only one retry happens.
        let response = try await retrying(
            RetryPolicy(maxAttempts: 10, baseDelay: 4, maxDelay: 100, totalBudget: 10), recorder
        ).send(HTTPRequest(url: server.url("/")))
        #expect(response.status == 503)
        #expect(server.requestCount == 2)
        #expect(recorder.sleeps == [4])
    }

    @Test func retryAfterBeyondTheBudgetGivesUpAtOnce() async throws {
        let server = try LoopbackHTTPServer { _ in .tooManyRequests(retryAfter: "3600") }
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await retrying(RetryPolicy(totalBudget: 60), recorder).send(
            HTTPRequest(url: server.url("/")))
        #expect(response.status == 429)
        #expect(recorder.sleeps.isEmpty)
    }

    @Test func transportErrorsAreRetriedThenThrown() async throws {
        let server = try LoopbackHTTPServer { _ in .fault(.dropConnection) }
        defer { server.stop() }
        let recorder = SleepRecorder()
        await #expect(throws: HTTPError.self) {
            try await retrying(RetryPolicy(maxAttempts: 3, baseDelay: 0.25), recorder)
                .send(HTTPRequest(url: server.url("/")))
        }
        #expect(server.requestCount == 3)
        #expect(recorder.sleeps == [0.25, 0.5])
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let server = try LoopbackHTTPServer { _ in .notFound }
        defer { server.stop() }
        let recorder = SleepRecorder()
        let response = try await retrying(RetryPolicy(), recorder).send(HTTPRequest(url: server.url("/")))
        #expect(response.status == 404)
        #expect(server.requestCount == 1)
        #expect(recorder.sleeps.isEmpty)
    }

    @Test func bodyTooLargeIsNotRetried() async throws {
        let server = try LoopbackHTTPServer { _ in ServerResponse(body: Data(count: 10_000)) }
        defer { server.stop() }
        let recorder = SleepRecorder()
        await #expect(throws: HTTPError.bodyTooLarge(url: server.url("/"), limit: 10)) {
            try await retrying(RetryPolicy(), recorder).send(HTTPRequest(url: server.url("/"), maxBodyBytes: 10))
        }
        #expect(server.requestCount == 1)
    }

    @Test func backoffIsCappedAndJittered() {
        let client = RetryingHTTPClient(
            curl, policy: RetryPolicy(baseDelay: 1, maxDelay: 5), random: { $0 / 2 })
        #expect(client.backoff(1) == 0.5)
        #expect(client.backoff(2) == 1)
        #expect(client.backoff(3) == 2)
        #expect(client.backoff(4) == 2.5)
        #expect(client.backoff(10) == 2.5)
    }
}
