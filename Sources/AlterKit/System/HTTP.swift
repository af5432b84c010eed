import Foundation

/// One HTTP request. Bodies and limits are explicit so every caller states what it can accept.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    /// Header names as given; sent in order.
    public var headers: [String: String]
    public var body: Data?
    /// Whole-request timeout in seconds.
    public var timeout: Double
    /// Largest response body accepted; a larger one fails with `HTTPError.bodyTooLarge`.
    public var maxBodyBytes: Int

    public init(
        method: String = "GET", url: String, headers: [String: String] = [:], body: Data? = nil,
        timeout: Double = 30, maxBodyBytes: Int = 64 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }
}

/// One HTTP response. Header names are lowercased.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Transport-level failures: the server did not give a complete HTTP answer.
public enum HTTPError: AlterKSError, Equatable {
    case invalidURL(String)
    case transport(url: String, message: String)
    case timedOut(url: String, seconds: Double)
    case bodyTooLarge(url: String, limit: Int)
    case insecureURL(String)

    public var exitStatus: ExitStatus { .sourceFailure }

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL: \(url)"
        case .transport(let url, let message): "\(url): \(message)"
        case .timedOut(let url, let seconds): "\(url): timed out after \(seconds) s"
        case .bodyTooLarge(let url, let limit): "\(url): response body larger than \(limit) bytes"
        case .insecureURL(let url): "\(url): HTTPS is required (plain HTTP only for loopback addresses)"
        }
    }
}

/// Sends HTTP requests. TLS is always verified by live implementations.
/// Implementations must be safe to call concurrently; batching and concurrency bounds are the caller's.
public protocol HTTPClient: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
