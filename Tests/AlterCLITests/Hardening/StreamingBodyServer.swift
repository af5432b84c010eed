import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP server that answers every request with a huge body generated on the fly (never held in memory):
/// `totalBytes` of JSON whitespace after `{"results": [`, with a Content-Length or chunked. It counts what it managed
/// to send, so a test can tell that the client hung up early instead of swallowing the whole body.
final class StreamingBodyServer: @unchecked Sendable {
    let port: UInt16
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private let totalBytes: Int
    private let chunked: Bool
    private let listenFD: Int32
    private let lock = NSLock()
    private var stopped = false
    private var sent = 0
    private var clients: Set<Int32> = []
    private let done = DispatchSemaphore(value: 0)

    init(totalBytes: Int, chunked: Bool) throws {
        self.totalBytes = totalBytes
        self.chunked = chunked
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listenFD = fd
        Thread { [self] in acceptLoop() }.start()
    }

    /// Body bytes written to sockets so far.
    var bytesSent: Int { lock.withLock { sent } }

    func stop() {
        let wasStopped = lock.withLock {
            let was = stopped
            stopped = true
            for client in clients { shutdown(client, Int32(SHUT_RDWR)) }
            return was
        }
        guard !wasStopped else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        done.wait()
        close(listenFD)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        defer { done.signal() }
        while !isStopped {
            var entry = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            lock.withLock { _ = clients.insert(client) }
            Thread { [self] in
                serve(client)
                lock.withLock { _ = clients.remove(client) }
                close(client)
            }.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard readRequest(fd) else { return }
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: \(totalBytes)\r\n\r\n"
        guard write(fd, Array(head.utf8)) else { return }
        let opening = Array(#"{"results": ["#.utf8)
        let block = [UInt8](repeating: 0x20, count: 64 << 10)
        var remaining = totalBytes
        var first = true
        while remaining > 0 && !isStopped {
            var piece = first ? opening + block : block
            first = false
            piece = Array(piece.prefix(remaining))
            let framed = chunked ? Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [13, 10] : piece
            guard write(fd, framed) else { return }
            remaining -= piece.count
            lock.withLock { sent += piece.count }
        }
        if chunked { _ = write(fd, Array("0\r\n\r\n".utf8)) }
    }

    /// Reads the request head and its Content-Length body; false if the peer went away.
    private func readRequest(_ fd: Int32) -> Bool {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return false }
            buffer += chunk[0..<n]
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4) where Array(buffer[index..<index + 4]) == terminator {
                    headEnd = index + 4
                    break
                }
            }
            if buffer.count > 1 << 20 { return false }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self).lowercased()
        var length = 0
        for line in head.components(separatedBy: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        var have = buffer.count - headEnd!
        while have < length {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return false }
            have += n
        }
        return true
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
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
}
