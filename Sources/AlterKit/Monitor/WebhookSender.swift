import Foundation

/// POSTs monitor reports to a webhook. With a secret, each request carries `X-AlterKS-Timestamp` and
/// `X-AlterKS-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`, so receivers can verify the
/// sender and reject replays. HTTPS is required except for loopback addresses.
package struct WebhookSender: Sendable {
    package var url: String
    package var secret: Data?
    /// Should be a `RetryingHTTPClient`: errors and 5xx are retried with backoff before a delivery fails.
    package var http: any HTTPClient
    package var clock: any WallClock
    package var timeout: Double

    package init(url: String, secret: Data?, http: any HTTPClient, clock: any WallClock, timeout: Double = 15)
        throws
    {
        try requireSecureURL(url)
        self.url = url
        self.secret = secret
        self.http = http
        self.clock = clock
        self.timeout = timeout
    }

    /// The signature header value for `body` sent at `timestamp`.
    package static func signature(body: Data, timestamp: String, secret: Data) -> String {
        var mac = HMACSHA256(key: secret)
        mac.update(Data(timestamp.utf8))
        mac.update(Data(".".utf8))
        mac.update(body)
        return "sha256=" + hexString(mac.finalize())
    }

    /// Sends one report; throws when it could not be delivered (after the client's retries).
    package func send(_ body: Data, cycle: String) async throws {
        let timestamp = String(Int(clock.now().timeIntervalSince1970))
        var headers = [
            "Content-Type": "application/json", "User-Agent": "alterks/\(AlterKSVersion.current)",
            "X-AlterKS-Delivery": cycle, "X-AlterKS-Timestamp": timestamp,
        ]
        if let secret {
            headers["X-AlterKS-Signature"] = Self.signature(body: body, timestamp: timestamp, secret: secret)
        }
        let request = HTTPRequest(
            method: "POST", url: url, headers: headers, body: body, timeout: timeout, maxBodyBytes: 1 << 20)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as any AlterKSError {
            throw MonitorError.webhook(url: url, message: error.description)
        }
        guard (200..<300).contains(response.status) else {
            throw MonitorError.webhook(url: url, message: "HTTP \(response.status)")
        }
    }
}
