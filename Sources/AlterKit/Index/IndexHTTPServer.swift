import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why the local index could not start.
package enum IndexServerError: AlterKSError, Equatable {
    case cannotListen(String)

    package var exitStatus: ExitStatus { .sourceFailure }

    package var description: String {
        switch self {
        case .cannotListen(let message): "alterks index: cannot listen on 127.0.0.1: \(message)"
        }
    }
}

/// A small HTTP/1.1 server bound to 127.0.0.1 only (never another address): one thread per connection,
/// keep-alive, GET/HEAD requests (a request body is read and dropped), each answered by an async handler.
/// Heads are limited to 64 KiB and bodies to 1 MiB; anything malformed closes the connection.
package final class IndexHTTPServer: @unchecked Sendable {
    package typealias Handler = @Sendable (IndexRequest) async -> IndexResponse

    /// The port the kernel gave (or the one asked for).
    package let port: UInt16
    private let listenFD: Int32
    private let handler: Handler
    private let condition = NSCondition()
    private var stopped = false
    private var acceptLoopDone = false
    private var connections: Set<Int32> = []
    private let executor = IndexExecutor(threads: 4)

    /// Listens on 127.0.0.1:`port` (0: any free port) and starts accepting.
    package init(port: UInt16 = 0, handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IndexServerError.cannotListen("socket: \(systemErrorMessage(errno))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let message = systemErrorMessage(errno)
            close(fd)
            throw IndexServerError.cannotListen("port \(port): \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        listenFD = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "alterks-index-accept"
        thread.start()
    }

    deinit { stop() }

    /// "http://127.0.0.1:PORT".
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting, closes every connection and waits for the accept loop to end. Safe to call twice.
    package func stop() {
        condition.lock()
        if stopped {
            condition.unlock()
            return
        }
        stopped = true
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        shutdown(listenFD, Int32(SHUT_RDWR))
        while !acceptLoopDone { condition.wait() }
        condition.unlock()
        close(listenFD)
    }

    private func acceptLoop() {
        defer {
            condition.lock()
            acceptLoopDone = true
            condition.broadcast()
            condition.unlock()
        }
        while true {
            var entry = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 200)
            condition.lock()
            let isStopped = stopped
            condition.unlock()
            if isStopped { return }
            if ready <= 0 { continue }
            let client = accept(listenFD, nil, nil)
            if client < 0 { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            condition.lock()
            connections.insert(client)
            condition.unlock()
            let thread = Thread { [self] in
                serve(client)
                condition.lock()
                connections.remove(client)
                condition.unlock()
                close(client)
            }
            thread.name = "alterks-index-conn"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var reader = SocketReader(fd: fd)
        while let head = reader.readHead() {
            guard let parsed = ParsedHead(head) else {
                _ = sendAll(fd, Data("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
            let length = Int(parsed.headers["content-length"] ?? "0") ?? -1
            guard length >= 0, length <= 1 << 20, parsed.headers["transfer-encoding"] == nil,
                reader.skip(count: length)
            else { return }
            let request = IndexRequest(method: parsed.method, path: parsed.path, headers: parsed.headers)
            let response = wait { await self.handler(request) }
            let keepAlive = parsed.version == "HTTP/1.1" && parsed.headers["connection"]?.lowercased() != "close"
            if let file = response.file {
                guard sendFile(fd, response, file, head: request.method == "HEAD", keepAlive: keepAlive), keepAlive
                else { return }
                continue
            }
            var bytes = Self.head(response, length: response.body.count, keepAlive: keepAlive)
            if request.method != "HEAD" { bytes.append(response.body) }
            guard sendAll(fd, bytes), keepAlive else { return }
        }
    }

    /// The status line and headers of `response` with a body of `length` bytes.
    private static func head(_ response: IndexResponse, length: Int, keepAlive: Bool) -> Data {
        var text = "HTTP/1.1 \(response.status) \(response.reason ?? Self.phrase(response.status))\r\n"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            text += "\(name): \(IndexResponse.reasonPhrase(value))\r\n"
        }
        text += "Content-Length: \(length)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Data(text.utf8)
    }

    /// Streams a verified file in 1 MiB chunks, hashing them; the last chunk goes out only when the whole file
    /// still has its verified hash and length (otherwise the connection is dropped short of Content-Length).
    /// False when the connection cannot go on.
    private func sendFile(_ fd: Int32, _ response: IndexResponse, _ file: VerifiedFileBody, head: Bool, keepAlive: Bool)
        -> Bool
    {
        let input = open(file.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        var status = stat()
        guard input >= 0, fstat(input, &status) == 0 else {
            if input >= 0 { close(input) }
            let refusal = IndexResponse.refusal(
                502, "alterks: the verified file is gone from the store; nothing served")
            var bytes = Self.head(refusal, length: refusal.body.count, keepAlive: keepAlive)
            bytes.append(refusal.body)
            return sendAll(fd, bytes)
        }
        defer { close(input) }
        let size = Int(status.st_size)
        guard sendAll(fd, Self.head(response, length: size, keepAlive: keepAlive)) else { return false }
        if head { return true }
        var hasher = SHA256()
        var held = Data()
        var sent = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return false }
            if n == 0 { break }
            guard sendAll(fd, held) else { return false }
            sent += held.count
            held = Data(chunk[0..<n])
            hasher.update(held)
        }
        guard sent + held.count == size, hexString(hasher.finalize()) == file.sha256 else { return false }
        return sendAll(fd, held)
    }

    /// Runs an async answer to completion while this (connection) thread waits. The answer runs on the server's own
    /// threads (a task executor preference), never on the shared cooperative pool: a process whose pool threads are
    /// all blocked (a test waiting for pip, which waits for this server) must not starve it.
    private func wait(_ work: @escaping @Sendable () async -> IndexResponse) -> IndexResponse {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value ?? IndexResponse(status: 500)
    }

    private func sendAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 301: "Moved Permanently"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// A task executor running jobs on a few threads of its own.
private final class IndexExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(threads: Int) {
        for number in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "alterks-index-\(number)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

private final class ResponseBox: @unchecked Sendable {
    var value: IndexResponse?
}

/// The request line and headers.
private struct ParsedHead {
    var method: String
    var path: String
    var version: String
    var headers: [String: String]

    init?(_ text: String) {
        var lines = text.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        method = String(requestLine[0])
        version = String(requestLine[2])
        let target = String(requestLine[1])
        path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        guard path.hasPrefix("/") else { return nil }
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
private struct SocketReader {
    let fd: Int32
    var buffer = Data()

    mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    mutating func readHead() -> String? {
        let terminator = Data("\r\n\r\n".utf8)
        while true {
            if let range = buffer.range(of: terminator) {
                let head = buffer[buffer.startIndex..<range.lowerBound]
                buffer = Data(buffer[range.upperBound...])
                return String(decoding: head, as: UTF8.self)
            }
            if buffer.count > 64 << 10 || !fill() { return nil }
        }
    }

    mutating func skip(count: Int) -> Bool {
        while buffer.count < count {
            if !fill() { return false }
        }
        buffer = Data(buffer.dropFirst(count))
        return true
    }
}
