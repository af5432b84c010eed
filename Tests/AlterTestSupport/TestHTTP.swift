import AlterKit
import Foundation

/// HTTP clients for tests against loopback servers.
public enum TestHTTP {
    /// libcurl with quick retries that do not wait (tests must not sleep): 3 attempts.
    package static func client(attempts: Int = 3) -> any HTTPClient {
        RetryingHTTPClient(
            CurlHTTPClient(environment: [:]),
            policy: RetryPolicy(maxAttempts: attempts, baseDelay: 0.001, maxDelay: 0.001, totalBudget: 30),
            sleep: { _ in })
    }
}
