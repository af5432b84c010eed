import AlterCore
import Foundation

/// When and how long `RetryingHTTPClient` retries.
package struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included (1 = no retry).
    package var maxAttempts: Int
    /// The backoff cap before the first retry, in seconds; doubles with each retry ("full jitter": the actual
    /// sleep is uniformly random between 0 and the cap).
    package var baseDelay: Double
    /// The largest backoff cap, in seconds (a server's `Retry-After` may ask for longer, within the budget).
    package var maxDelay: Double
    /// Seconds the whole exchange may take, sleeps and attempts included; no retry starts once its sleep would
    /// cross it, and each attempt's timeout is cut to what is left.
    package var totalBudget: Double

    package init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 20, totalBudget: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.totalBudget = totalBudget
    }

    /// Four attempts, 0.5 s base, 20 s cap, 60 s budget.
    package static let standard = RetryPolicy()
    /// One attempt.
    package static let never = RetryPolicy(maxAttempts: 1)

    /// Whether a response with this status is worth another try: 429 and every 5xx.
    package static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Whether an error is worth another try: timeouts and transport failures (not bad URLs, size limits,
    /// cancellation).
    package static func isRetryable(error: any Error) -> Bool {
        switch error as? HTTPError {
        case .timedOut, .transport: true
        default: false
        }
    }
}

/// Wraps any `HTTPClient` with retries: timeouts, transport errors, 429 and 5xx are retried with exponential
/// backoff and full jitter, honouring `Retry-After` (seconds or an HTTP date). When attempts or the time budget run
/// out, the last failure is handed back as it was — the last 429/5xx response, or the last error — never a made-up
/// success. Sleeps go through the injected `sleep`, so tests record them instead of waiting.
package struct RetryingHTTPClient: HTTPClient {
    package let base: any HTTPClient
    package let policy: RetryPolicy
    let clock: any WallClock
    let sleep: @Sendable (Double) async throws -> Void
    let random: @Sendable (Double) -> Double
    let elapsed: @Sendable () -> Double

    /// - Parameters:
    ///   - clock: "now" for `Retry-After` dates.
    ///   - sleep: waits the given seconds (default `Task.sleep`; cancellation ends the retries).
    ///   - random: a uniform value in 0...upper (default `Double.random`).
    ///   - elapsed: monotonic seconds since some fixed point, to charge attempts to the budget.
    package init(
        _ base: any HTTPClient, policy: RetryPolicy = .standard, clock: any WallClock = SystemClock(),
        sleep: @escaping @Sendable (Double) async throws -> Void = { seconds in
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
        },
        random: @escaping @Sendable (Double) -> Double = { upper in upper > 0 ? Double.random(in: 0...upper) : 0 },
        elapsed: @escaping @Sendable () -> Double = {
            let now = DispatchTime.now().uptimeNanoseconds
            return Double(now) / 1_000_000_000
        }
    ) {
        self.base = base
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.random = random
        self.elapsed = elapsed
    }

    package func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await retrying(request, { try await base.send($0) }, status: { ($0.status, $0.headers) })
    }

    /// Each attempt writes the file afresh; the last attempt's file and answer are what the caller gets.
    package func download(_ request: HTTPRequest, to path: String) async throws -> HTTPDownload {
        try await retrying(request, { try await base.download($0, to: path) }, status: { ($0.status, $0.headers) })
    }

    private func retrying<Answer>(
        _ request: HTTPRequest, _ attemptOnce: (HTTPRequest) async throws -> Answer,
        status: (Answer) -> (Int, [String: String])
    ) async throws -> Answer {
        var spent = 0.0
        var attempt = 0
        while true {
            attempt += 1
            var attemptRequest = request
            let remaining = policy.totalBudget - spent
            attemptRequest.timeout = max(0.001, min(request.timeout, remaining))
            let started = elapsed()
            let outcome: Result<Answer, any Error>
            do {
                outcome = .success(try await attemptOnce(attemptRequest))
            } catch {
                outcome = .failure(error)
            }
            spent += max(0, elapsed() - started)

            let delay: Double
            switch outcome {
            case .success(let answer):
                let (code, headers) = status(answer)
                guard RetryPolicy.isRetryable(status: code) else { return answer }
                delay = retryAfter(HTTPResponse(status: code, headers: headers)) ?? backoff(attempt)
            case .failure(let error):
                if error is CancellationError || Task.isCancelled { throw error }
                guard RetryPolicy.isRetryable(error: error) else { throw error }
                delay = backoff(attempt)
            }
            if attempt >= policy.maxAttempts || spent + delay >= policy.totalBudget {
                return try outcome.get()
            }
            try await sleep(delay)
            spent += delay
        }
    }

    /// Full jitter: uniform in 0...min(maxDelay, baseDelay · 2^(attempt-1)).
    func backoff(_ attempt: Int) -> Double {
        let cap = min(policy.maxDelay, policy.baseDelay * pow(2, Double(attempt - 1)))
        return min(cap, max(0, random(cap)))
    }

    /// `Retry-After` as seconds from now: an integer, or an HTTP date (IMF-fixdate, RFC 850, asctime).
    func retryAfter(_ response: HTTPResponse) -> Double? {
        guard let raw = response.headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return nil
        }
        if let seconds = Int(raw) { return Double(max(0, seconds)) }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: raw) {
                return max(0, date.timeIntervalSince(clock.now()))
            }
        }
        return nil
    }
}
