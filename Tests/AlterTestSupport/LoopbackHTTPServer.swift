import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// An in-process HTTP/1.1 server on 127.0.0.1 for hermetic tests and benchmarks: API doubles (OSV, PyPI, webhooks)
// are a handler closure on top of it.
//
//     let server = try LoopbackHTTPServer { request in
//         switch (request.method, request.path) {
//         case ("GET", "/pypi/requests/json"): .json(#"{"info": {"name": "requests"}}"#)
//         case ("POST", "/v1/querybatch"): .json(answer(for: request.body))
//         default: .notFound
//         }
//     }
//     defer { server.stop() }
//     let client = CurlHTTPClient(environment: [:])
//     let response = try await client.send(HTTPRequest(url: server.url("/pypi/requests/json")))
//     #expect(server.requestCount == 1)
//
// Faults are responses too: `.fault(.dropConnection)`, `.fault(.stall(seconds: 5))`,
// `.fault(.truncatedBody(sendBytes: 10))`, `.tooManyRequests(retryAfter: "3")`, `.serverError()`. For "fail twice,
// then answer", use `LoopbackHTTPServer.sequence([.serverError(), .serverError(), .json("{}")])` as the handler.
// `latency` delays every answer (for benchmarks that model a remote API). The server speaks HTTP/1.1 with keep-alive,
// reads Content-Length and chunked request bodies, answers `Expect: 100-continue`, and always sends Content-Length.
// One thread per connection. Always `stop()` it (a `defer` right after creating it): that closes every socket and
// wakes stalled handlers; its threads keep it alive until then.

/// A request as the server received it.
public struct ServerRequest: Sendable, Hashable {
    /// "GET", "POST"…
    public var method: String
    /// The path without the query, still percent-encoded ("/pypi/requests/json").
    public var path: String
    /// The raw query after "?", nil if there was none.
    public var query: String?
    /// The query's items, percent-decoded; a repeated name keeps its last value.
    public var queryItems: [String: String]
    /// Header names lowercased; repeated headers joined with ", ".
    public var headers: [String: String]
    /// The body after de-chunking.
    public var body: Data

    public init(
        method: String, path: String, query: String? = nil, queryItems: [String: String] = [:],
        headers: [String: String] = [:], body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A misbehaviour the server performs instead of a clean answer.
public enum ServerFault: Sendable, Hashable {
    /// Read the request, then close the connection without a byte of response.
    case dropConnection
    /// Read the request, then say nothing for `seconds` (or until the server stops), then close.
    case stall(seconds: Double)
    /// Send the status line and headers with the full body's Content-Length, then only the first `sendBytes`
    /// bytes of the body, then close.
    case truncatedBody(sendBytes: Int)
}

/// What the handler answers.
public struct ServerResponse: Sendable, Hashable {
    public var status: Int
    /// Extra headers; Content-Length and Connection are set by the server.
    public var headers: [String: String]
    public var body: Data
    /// When set, the server misbehaves this way instead of answering normally.
    public var fault: ServerFault?
    /// Send the body with `Transfer-Encoding: chunked` (no Content-Length), in 16 KiB chunks: the client cannot
    /// know the size in advance.
    public var chunked: Bool

    public init(
        status: Int = 200, headers: [String: String] = [:], body: Data = Data(), fault: ServerFault? = nil,
        chunked: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.fault = fault
        self.chunked = chunked
    }

    /// `text/plain` body.
    public static func text(_ text: String, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Data(text.utf8))
    }

    /// `application/json` body from JSON text.
    public static func json(_ json: String, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(json.utf8))
    }

    /// `application/json` body from raw bytes (e.g. a recorded file from Tests/Fixtures/pypi-json).
    public static func json(data: Data, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: ["Content-Type": "application/json"], body: data)
    }

    /// 404 with an empty body.
    public static let notFound = ServerResponse(status: 404)

    /// 429 with `Retry-After` (seconds like "3", or an HTTP date).
    public static func tooManyRequests(retryAfter: String) -> ServerResponse {
        ServerResponse(status: 429, headers: ["Retry-After": retryAfter], body: Data("slow down".utf8))
    }

    /// A 5xx (500 by default).
    public static func serverError(_ status: Int = 500) -> ServerResponse {
        ServerResponse(status: status, body: Data("server error".utf8))
    }

    /// A fault instead of an answer.
    public static func fault(_ fault: ServerFault) -> ServerResponse {
        ServerResponse(fault: fault)
    }
}

/// The server. Starts listening in `init`; `baseURL` is "http://127.0.0.1:<ephemeral port>".
public final class LoopbackHTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (ServerRequest) -> ServerResponse

    /// The port the kernel gave us.
    public let port: UInt16
    /// "http://127.0.0.1:PORT", no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let handler: Handler
    private let latency: Double
    private let recordsRequests: Bool
    private let listenFD: Int32
    private let condition = NSCondition()
    private var stopped = false
    private var connections: Set<Int32> = []
    private var log: [ServerRequest] = []
    private var count = 0
    private var connectionTotal = 0
    private var acceptLoopDone = false

    /// - Parameters:
    ///   - latency: seconds added before every answer (benchmarks modelling a remote API).
    ///   - recordsRequests: keep every request for `requests` (turn off for long benchmarks).
    ///   - handler: called once per request, on the connection's thread; must be thread-safe.
    public init(latency: Double = 0, recordsRequests: Bool = true, handler: @escaping Handler) throws {
        self.handler = handler
        self.latency = latency
        self.recordsRequests = recordsRequests
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackServerError(message: "socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 512) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw LoopbackServerError(message: "bind/listen on 127.0.0.1: \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listenFD = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "loopback-accept-\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// `baseURL + path` (path starts with "/").
    public func url(_ path: String) -> String { baseURL + path }

    /// Requests answered or faulted so far (counted when the request has been read, before the handler runs).
    public var requestCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Every request received, in arrival order (empty when `recordsRequests` is off).
    public var requests: [ServerRequest] {
        condition.lock()
        defer { condition.unlock() }
        return log
    }

    /// TCP connections accepted so far (shows connection reuse: many requests, few connections).
    public var connectionCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return connectionTotal
    }

    /// Stops accepting, closes every connection, wakes stalled handlers, and waits for the accept loop to end.
    /// Safe to call more than once and from any thread.
    public func stop() {
        condition.lock()
        if stopped {
            condition.unlock()
            return
        }
        stopped = true
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        shutdown(listenFD, Int32(SHUT_RDWR))
        condition.broadcast()
        while !acceptLoopDone { condition.wait() }
        condition.unlock()
        close(listenFD)
    }

    /// A handler that answers with `responses` in order, repeating the last one forever after.
    public static func sequence(_ responses: [ServerResponse]) -> Handler {
        precondition(!responses.isEmpty)
        let state = SequenceState()
        return { _ in
            let index = state.next()
            return responses[min(index, responses.count - 1)]
        }
    }

    // MARK: - Accepting

    private func acceptLoop() {
        defer {
            condition.lock()
            acceptLoopDone = true
            condition.broadcast()
            condition.unlock()
        }
        while true {
            var pollEntry = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollEntry, 1, 100)
            condition.lock()
            let isStopped = stopped
            condition.unlock()
            if isStopped { return }
            if ready <= 0 { continue }
            let client = accept(listenFD, nil, nil)
            if client < 0 { continue }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            condition.lock()
            if stopped {
                condition.unlock()
                close(client)
                return
            }
            connections.insert(client)
            connectionTotal += 1
            condition.unlock()
            let thread = Thread { [self] in
                serve(client)
                condition.lock()
                connections.remove(client)
                condition.unlock()
                close(client)
            }
            thread.name = "loopback-conn-\(port)"
            thread.start()
        }
    }

    /// Sleeps up to `seconds`, waking early when the server stops. Returns false if stopped.
    private func pause(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            if !condition.wait(until: deadline) { return true }
        }
        return false
    }

    // MARK: - One connection

    private func serve(_ fd: Int32) {
        var reader = ConnectionReader(fd: fd)
        while true {
            guard let head = reader.readHead() else { return }
            guard let parsed = RequestHead(head) else {
                send(fd, Data("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
            if parsed.headers["expect"]?.lowercased() == "100-continue" {
                send(fd, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
            let body: Data
            if parsed.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                guard let chunked = reader.readChunkedBody() else { return }
                body = chunked
            } else if let length = Int(parsed.headers["content-length"] ?? "0"), length >= 0 {
                guard let fixed = reader.read(count: length) else { return }
                body = fixed
            } else {
                return
            }
            let request = ServerRequest(
                method: parsed.method, path: parsed.path, query: parsed.query,
                queryItems: parsed.queryItems, headers: parsed.headers, body: body)
            condition.lock()
            count += 1
            if recordsRequests { log.append(request) }
            condition.unlock()

            if latency > 0 && !pause(latency) { return }
            let response = handler(request)
            switch response.fault {
            case .dropConnection:
                return
            case .stall(let seconds):
                _ = pause(seconds)
                return
            case .truncatedBody(let sendBytes):
                send(fd, responseHead(response, keepAlive: false))
                send(fd, response.body.prefix(max(0, sendBytes)))
                return
            case nil:
                let keepAlive =
                    parsed.version != "HTTP/1.0" && parsed.headers["connection"]?.lowercased() != "close"
                if response.chunked {
                    guard send(fd, responseHead(response, keepAlive: keepAlive)) else { return }
                    var offset = 0
                    while offset < response.body.count {
                        let chunk = response.body[offset..<min(offset + (16 << 10), response.body.count)]
                        guard
                            send(
                                fd,
                                Data(String(chunk.count, radix: 16).utf8) + Data("\r\n".utf8) + chunk
                                    + Data("\r\n".utf8))
                        else { return }
                        offset += chunk.count
                    }
                    guard send(fd, Data("0\r\n\r\n".utf8)) else { return }
                } else {
                    guard send(fd, responseHead(response, keepAlive: keepAlive) + response.body) else { return }
                }
                if !keepAlive { return }
            }
        }
    }

    private func responseHead(_ response: ServerResponse, keepAlive: Bool) -> Data {
        var text = "HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key })
        where !["content-length", "connection", "transfer-encoding"].contains(name.lowercased()) {
            text += "\(name): \(value)\r\n"
        }
        text += response.chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(response.body.count)\r\n"
        text += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Data(text.utf8)
    }

    /// Sends everything; false when the peer has gone.
    @discardableResult
    private func send(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}

/// Failure to start the server.
public struct LoopbackServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "loopback server: \(message)" }
}

private final class SequenceState: @unchecked Sendable {
    private let lock = NSLock()
    private var index = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        index += 1
        return index - 1
    }
}

private func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 201: "Created"
    case 204: "No Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 304: "Not Modified"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    default: "Status"
    }
}

/// The parsed request line and headers.
private struct RequestHead {
    var method: String
    var path: String
    var query: String?
    var queryItems: [String: String]
    var version: String
    var headers: [String: String]

    init?(_ text: String) {
        var lines = text.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3 else { return nil }
        method = String(requestLine[0])
        version = String(requestLine[2])
        let target = String(requestLine[1])
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            let raw = String(target[target.index(after: mark)...])
            query = raw
            var items: [String: String] = [:]
            for pair in raw.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) -> String {
                    String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
                }
                items[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
            }
            queryItems = items
        } else {
            path = target
            query = nil
            queryItems = [:]
        }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        self.headers = headers
    }
}

/// Buffered reads from one socket.
private struct ConnectionReader {
    let fd: Int32
    var buffer = Data()
    static let maxHead = 64 << 10
    static let maxBody = 256 << 20

    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes into the buffer; false on EOF or error.
    mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    /// The request line and headers, without the blank line; nil on EOF or an oversized head.
    mutating func readHead() -> String? {
        let terminator = Data("\r\n\r\n".utf8)
        while true {
            if let range = buffer.range(of: terminator) {
                let head = buffer[buffer.startIndex..<range.lowerBound]
                buffer = Data(buffer[range.upperBound...])
                return String(decoding: head, as: UTF8.self)
            }
            if buffer.count > Self.maxHead || !fill() { return nil }
        }
    }

    mutating func read(count: Int) -> Data? {
        guard count <= Self.maxBody else { return nil }
        while buffer.count < count {
            if !fill() { return nil }
        }
        let result = Data(buffer.prefix(count))
        buffer = Data(buffer.dropFirst(count))
        return result
    }

    mutating func readLine() -> String? {
        let crlf = Data("\r\n".utf8)
        while true {
            if let range = buffer.range(of: crlf) {
                let line = String(decoding: buffer[buffer.startIndex..<range.lowerBound], as: UTF8.self)
                buffer = Data(buffer[range.upperBound...])
                return line
            }
            if buffer.count > Self.maxHead || !fill() { return nil }
        }
    }

    mutating func readChunkedBody() -> Data? {
        var body = Data()
        while true {
            guard let line = readLine() else { return nil }
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                return nil
            }
            if size == 0 {
                // Trailers, then the blank line.
                while let trailer = readLine() {
                    if trailer.isEmpty { return body }
                }
                return nil
            }
            guard body.count + size <= Self.maxBody, let chunk = read(count: size), readLine() == "" else { return nil }
            body.append(chunk)
        }
    }
}
