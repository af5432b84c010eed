import AlterCore
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
    /// How this request reaches its server beyond the client's defaults (pip's `--cert`, `--proxy`,
    /// `--trusted-host` and index credentials for the same URL); nil: the client's defaults.
    package var access: HTTPAccess?

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

/// A user name and password for HTTP basic authentication. Never shown: its descriptions name the user only.
package struct HTTPCredential: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    package var user: String
    package var password: String

    package init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    package var description: String { user.isEmpty ? "****" : "\(user):****" }
    package var debugDescription: String { description }
}

/// What pip's own options say about reaching one URL, for a request that must reach it as pip did. TLS is verified
/// all the same: a trusted host may be reached over plain http (as pip allows), never over unverified https.
package struct HTTPAccess: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A CA bundle (PEM file) used instead of the client's (`--cert`, `PIP_CERT`, pip.conf `cert`).
    package var caBundle: String?
    /// A client certificate with its key, one PEM file (`--client-cert`).
    package var clientCertificate: String?
    /// One proxy for http and https (`--proxy`, `PIP_PROXY`) instead of the environment's `*_proxy`; it may hold
    /// credentials.
    package var proxy: String?
    /// Basic authentication for this URL's host (index URL user-info, `~/.netrc`). curl sends it to that host
    /// only, never to another one a redirect points at.
    package var credential: HTTPCredential?
    /// Plain http to this host is allowed (`--trusted-host`), not only to loopback.
    package var allowsPlainHTTP: Bool

    package init(
        caBundle: String? = nil, clientCertificate: String? = nil, proxy: String? = nil,
        credential: HTTPCredential? = nil, allowsPlainHTTP: Bool = false
    ) {
        self.caBundle = caBundle
        self.clientCertificate = clientCertificate
        self.proxy = proxy
        self.credential = credential
        self.allowsPlainHTTP = allowsPlainHTTP
    }

    package var description: String {
        var parts: [String] = []
        if let caBundle { parts.append("cert \(caBundle)") }
        if let clientCertificate { parts.append("client-cert \(clientCertificate)") }
        if let proxy { parts.append("proxy \(CredentialRedaction.redact(proxy))") }
        if let credential { parts.append("credential \(credential)") }
        if allowsPlainHTTP { parts.append("trusted host") }
        return "HTTPAccess(" + parts.joined(separator: ", ") + ")"
    }

    package var debugDescription: String { description }
}

/// A response whose body went to a file, hashed on the way.
public struct HTTPDownload: Sendable, Hashable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    /// Bytes written to the file.
    public var byteCount: Int
    /// The sha256 of those bytes, lowercase hex.
    public var sha256: String

    public init(status: Int, headers: [String: String] = [:], byteCount: Int, sha256: String) {
        self.status = status
        self.headers = headers
        self.byteCount = byteCount
        self.sha256 = sha256
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
    /// Sends `request` and writes the response body to a new file at `path` (0600; replaced when it exists),
    /// hashing it on the way. The default sends, then writes; clients that can stream override it so that a
    /// large body is never held in memory. The caller removes the file whatever the status.
    func download(_ request: HTTPRequest, to path: String) async throws -> HTTPDownload
}

extension HTTPClient {
    /// Sends, then writes the whole body (for clients that cannot stream).
    public func download(_ request: HTTPRequest, to path: String) async throws -> HTTPDownload {
        let response = try await send(request)
        try FileIO.writeAtomically(response.body, to: path)
        return HTTPDownload(
            status: response.status, headers: response.headers, byteCount: response.body.count,
            sha256: hexString(SHA256.hash(response.body)))
    }
}
