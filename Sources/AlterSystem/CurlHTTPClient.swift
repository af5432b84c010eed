import CCurl
import Foundation

/// `curl_global_init` must run once per process before any other curl call; a lazy global is initialised exactly
/// once, thread-safely, by the Swift runtime.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// An `HTTPClient` over libcurl's multi interface. One dedicated event-loop thread per client drives every transfer
/// (never Swift's cooperative pool): requests are queued under a lock, the loop is woken with `curl_multi_wakeup`,
/// and completions resume the callers' continuations.
///
/// - TLS peer and host verification are always on; the CA bundle comes only from `SSL_CERT_FILE` or
///   `CURL_CA_BUNDLE` in the environment given to `init`, else libcurl's default.
/// - HTTP/2 over TLS with multiplexing (`CURLPIPE_MULTIPLEX`, `CURLOPT_PIPEWAIT`), connection reuse, and at most
///   `maxConnectionsPerHost` connections per host (further transfers queue inside libcurl).
/// - gzip/deflate/br accepted; the body limit (`HTTPRequest.maxBodyBytes`) counts decoded bytes and aborts the
///   transfer as soon as it is crossed: nothing past the limit is ever buffered.
/// - Only https URLs, or plain http to loopback (`requireSecureURL`); anything else fails with
///   `HTTPError.insecureURL` before a byte is sent. Redirects are followed (at most 5), never from https down to
///   http.
/// - Proxies come from the environment given to `init` (`https_proxy`, `http_proxy`, `no_proxy`), never from the
///   process environment behind our back; loopback addresses never go through a proxy.
/// - A request's `access` (pip's own `--cert`, `--client-cert`, `--proxy`, `--trusted-host` and credentials for that
///   URL) overrides these for that request alone; basic credentials go to the request's host only.
/// - `download(_:to:)` streams the body to a file and hashes it on the way: nothing is buffered whole.
/// - Cancelling the calling task aborts the transfer and throws `CancellationError`.
package final class CurlHTTPClient: HTTPClient, @unchecked Sendable {
    /// Tunables; the defaults suit the public APIs AlterKS talks to.
    package struct Configuration: Sendable, Hashable {
        /// Connections to one host at once (HTTP/2 multiplexes many requests over one of them). With an HTTP/1.1
        /// server (a mirror, a proxy, a private index) every parallel transfer needs its own connection: 8 capped
        /// the configured concurrency and measured 3× slower than 32 for a gate's artifact fetches (issue #13);
        /// 16 doubled a cold 1,000-package scan at 50 ms per request (bench/RESULTS.md).
        package var maxConnectionsPerHost: Int = 32
        /// Connections in total at once.
        package var maxTotalConnections: Int = 64
        /// The `User-Agent` header, unless a request sets its own.
        package var userAgent: String = "alterks"
        /// Seconds allowed for connecting (capped by each request's own timeout).
        package var connectTimeout: Double = 10

        package init(
            maxConnectionsPerHost: Int = 32, maxTotalConnections: Int = 64, userAgent: String = "alterks",
            connectTimeout: Double = 10
        ) {
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.userAgent = userAgent
            self.connectTimeout = connectTimeout
        }
    }

    private let loop: CurlEventLoop
    private let settings: TransferSettings

    /// Starts the event-loop thread. `environment` supplies the CA bundle and proxy variables.
    package init(environment: [String: String], configuration: Configuration = Configuration()) {
        _ = curlGlobalInit
        func nonEmpty(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        settings = TransferSettings(
            caBundle: nonEmpty("SSL_CERT_FILE") ?? nonEmpty("CURL_CA_BUNDLE"),
            httpsProxy: nonEmpty("https_proxy") ?? nonEmpty("HTTPS_PROXY") ?? nonEmpty("all_proxy")
                ?? nonEmpty("ALL_PROXY"),
            // Upper-case HTTP_PROXY is ignored on purpose (httpoxy: CGI sets it from a request header).
            httpProxy: nonEmpty("http_proxy") ?? nonEmpty("all_proxy") ?? nonEmpty("ALL_PROXY"),
            noProxy: ["localhost", "127.0.0.1", "::1"]
                + (nonEmpty("no_proxy") ?? nonEmpty("NO_PROXY") ?? "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            configuration: configuration)
        loop = CurlEventLoop(configuration: configuration)
    }

    deinit {
        loop.stop()
    }

    package func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await perform(Transfer(request: request, settings: settings))
    }

    package func download(_ request: HTTPRequest, to path: String) async throws -> HTTPDownload {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw HTTPError.transport(url: request.url, message: "cannot write \(path): \(systemErrorMessage(errno))")
        }
        defer { close(fd) }
        let sink = DownloadSink(fd: fd, path: path)
        let response = try await perform(Transfer(request: request, settings: settings, sink: sink))
        let hasher = sink.hasher
        return HTTPDownload(
            status: response.status, headers: response.headers, byteCount: sink.written,
            sha256: hexString(hasher.finalize()))
    }

    private func perform(_ transfer: @autoclosure () throws -> Transfer) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let transfer = try transfer()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }
}

/// What every transfer of one client shares.
struct TransferSettings: Sendable {
    var caBundle: String?
    var httpsProxy: String?
    var httpProxy: String?
    var noProxy: [String]
    var configuration: CurlHTTPClient.Configuration
}

/// Where a download's body goes instead of memory: a file, hashed as it is written. Loop thread only.
final class DownloadSink {
    let fd: Int32
    let path: String
    var hasher = SHA256()
    var written = 0
    /// The `errno` of a failed write (the transfer is aborted).
    var writeError: Int32?

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Writes and hashes one chunk; false when the file could not take it.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                writeError = errno
                return false
            }
            offset += n
        }
        hasher.update(bytes)
        written += bytes.count
        return true
    }
}

/// One request in flight: its easy handle, what it has received, and how to answer the caller.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    let easy: UnsafeMutableRawPointer
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    /// The body, unless `sink` takes it.
    var body = Data()
    let sink: DownloadSink?
    /// Body bytes received so far (in `body` or through `sink`).
    var received = 0
    var headers: [String: String] = [:]
    var bodyTooLarge = false
    /// Set under the loop's lock.
    var cancelled = false
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(request: HTTPRequest, settings: TransferSettings, sink: DownloadSink? = nil) throws {
        self.request = request
        self.sink = sink
        guard let easy = curl_easy_init() else {
            throw HTTPError.transport(url: request.url, message: "could not create a curl handle")
        }
        self.easy = easy
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // Every stored property is initialised by now, so a throw here still runs deinit, which frees them.
        try configure(settings)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(alterks_curl_setopt_long(easy, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(alterks_curl_setopt_string(easy, option, value), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        if code != CURLE_OK {
            throw HTTPError.transport(
                url: request.url,
                message: "curl option \(option.rawValue) refused: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func configure(_ settings: TransferSettings) throws {
        let url = request.url
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), !url.utf8.contains(0) else {
            throw HTTPError.invalidURL(url)
        }
        // Plain HTTP is unverified: only loopback (test doubles, local mirrors) may use it, or a host the user told
        // pip to trust (`--trusted-host`); https is verified in every case.
        let access = request.access
        if access?.allowsPlainHTTP == true {
            guard (try? requireSecureURL(url)) != nil || url.lowercased().hasPrefix("http://") else {
                throw HTTPError.insecureURL(url)
            }
        } else {
            try requireSecureURL(url)
        }
        try set(CURLOPT_URL, url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, url.hasPrefix("https://") ? "https" : "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 1)
        try set(CURLOPT_MAXREDIRS, 5)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = access?.caBundle ?? settings.caBundle { try set(CURLOPT_CAINFO, ca) }
        if let certificate = access?.clientCertificate {
            // pip's --client-cert is one PEM file holding the key and the certificate.
            try set(CURLOPT_SSLCERT, certificate)
            try set(CURLOPT_SSLKEY, certificate)
        }
        try set(
            CURLOPT_PROXY, access?.proxy ?? (url.hasPrefix("https://") ? settings.httpsProxy : settings.httpProxy) ?? ""
        )
        if let credential = access?.credential {
            // Sent to this URL's host only (CURLOPT_UNRESTRICTED_AUTH stays off): a redirect elsewhere loses it.
            try set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC
            try set(CURLOPT_USERNAME, credential.user)
            try set(CURLOPT_PASSWORD, credential.password)
        }
        try set(CURLOPT_NOPROXY, settings.noProxy.joined(separator: ","))
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        try set(CURLOPT_PIPEWAIT, 1)
        try set(CURLOPT_ACCEPT_ENCODING, "")
        let timeoutMS = max(1, Int((request.timeout * 1000).rounded(.up)))
        try set(CURLOPT_TIMEOUT_MS, timeoutMS)
        try set(CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMS, Int(settings.configuration.connectTimeout * 1000)))
        try set(CURLOPT_USERAGENT, settings.configuration.userAgent)
        try check(
            alterks_curl_setopt_offset(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxBodyBytes)),
            CURLOPT_MAXFILESIZE_LARGE)
        try check(alterks_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)

        let method = request.method.uppercased()
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter }) else {
            throw HTTPError.transport(url: url, message: "invalid HTTP method \(request.method.debugDescription)")
        }
        if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if method != "GET" || request.body != nil {
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
            let body = request.body ?? Data()
            try check(
                alterks_curl_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                CURLOPT_POSTFIELDSIZE_LARGE)
            // COPYPOSTFIELDS: curl keeps its own copy, so nothing of ours must outlive the call.
            let code =
                body.isEmpty
                ? alterks_curl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                : body.withUnsafeBytes { raw -> CURLcode in
                    alterks_curl_setopt_pointer(
                        easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress!))
                }
            try check(code, CURLOPT_COPYPOSTFIELDS)
        }

        // "Expect:" stops curl from waiting a second for "100 Continue" before sending a POST body.
        var lines = ["Expect:"]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            let forbidden: (Character) -> Bool = { $0 == "\r" || $0 == "\n" || $0 == "\0" }
            if name.isEmpty || name.contains(where: forbidden) || name.contains(":") || value.contains(where: forbidden)
            {
                throw HTTPError.transport(url: url, message: "refusing header \(name.debugDescription)")
            }
            // "Name;" sends an empty header; "Name:" would remove it.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw HTTPError.transport(url: url, message: "out of memory building headers")
            }
            headerList = appended
        }
        try check(alterks_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)

        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(alterks_curl_setopt_pointer(easy, CURLOPT_PRIVATE, me), CURLOPT_PRIVATE)
        try check(alterks_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, me), CURLOPT_WRITEDATA)
        try check(alterks_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, me), CURLOPT_HEADERDATA)
        try check(
            alterks_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { pointer, size, count, userdata in
                let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                let length = size * count
                if transfer.received + length > transfer.request.maxBodyBytes {
                    transfer.bodyTooLarge = true
                    return 0  // aborts the transfer with CURLE_WRITE_ERROR
                }
                transfer.received += length
                guard let pointer, length > 0 else { return length }
                if let sink = transfer.sink {
                    return sink.append(UnsafeRawBufferPointer(start: pointer, count: length)) ? length : 0
                }
                transfer.body.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
                return length
            }, CURLOPT_WRITEFUNCTION)
        try check(
            alterks_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { pointer, size, count, userdata in
                let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                let length = size * count
                guard let pointer else { return length }
                let line = String(
                    decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
                transfer.receivedHeaderLine(line)
                return length
            }, CURLOPT_HEADERFUNCTION)
    }

    /// One raw header line. A status line starts a new header block (redirects, 100 Continue).
    func receivedHeaderLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if let existing = headers[name] {
            headers[name] = existing + ", " + value
        } else {
            headers[name] = value
        }
    }

    /// Turns curl's result into the caller's answer.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, any Error> {
        let url = request.url
        if bodyTooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(HTTPError.bodyTooLarge(url: url, limit: request.maxBodyBytes))
        }
        if let sink, let error = sink.writeError {
            return .failure(
                HTTPError.transport(url: url, message: "cannot write \(sink.path): \(systemErrorMessage(error))"))
        }
        switch code {
        case CURLE_OK:
            var status = 0
            _ = alterks_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: headers, body: body))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(HTTPError.timedOut(url: url, seconds: request.timeout))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(HTTPError.invalidURL(url))
        default:
            let detail = String(cString: errorBuffer)
            var message = String(cString: curl_easy_strerror(code))
            if !detail.isEmpty && detail != message { message += ": " + detail }
            if code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE {
                message = "TLS verification failed: " + message
            }
            return .failure(HTTPError.transport(url: url, message: message))
        }
    }

    /// Resumes the caller exactly once.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(with: result)
    }
}

/// The thread that owns the multi handle. Other threads only touch `pending`, `cancelRequests` and `state`,
/// under `lock`, and call `curl_multi_wakeup` (thread-safe) while holding it so the handle cannot be freed under them.
final class CurlEventLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [Transfer] = []
    private var cancelRequests: [Transfer] = []
    private var stopping = false
    private var closed = false
    private let multi: UnsafeMutableRawPointer
    /// Loop thread only.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]

    init(configuration: CurlHTTPClient.Configuration) {
        multi = curl_multi_init()
        _ = alterks_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = alterks_curl_multi_setopt_long(
            multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost))
        _ = alterks_curl_multi_setopt_long(
            multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(1, configuration.maxTotalConnections))
        _ = alterks_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxTotalConnections))
        let thread = Thread { [self] in run() }
        thread.name = "alterks-curl"
        thread.start()
    }

    func submit(_ transfer: Transfer) {
        lock.lock()
        if closed || stopping {
            lock.unlock()
            transfer.finish(.failure(HTTPError.transport(url: transfer.request.url, message: "HTTP client shut down")))
            return
        }
        pending.append(transfer)
        curl_multi_wakeup(multi)
        lock.unlock()
    }

    func cancel(_ transfer: Transfer) {
        lock.lock()
        transfer.cancelled = true
        if !closed {
            cancelRequests.append(transfer)
            curl_multi_wakeup(multi)
        }
        lock.unlock()
    }

    /// Lets the loop finish: transfers in flight complete, then the thread exits and frees the multi handle.
    func stop() {
        lock.lock()
        stopping = true
        if !closed { curl_multi_wakeup(multi) }
        lock.unlock()
    }

    private func run() {
        while true {
            lock.lock()
            // The cancelled flag is read under the lock: a cancel that arrived first is seen here, a later one
            // arrives through `cancelRequests` once the transfer is active.
            let newTransfers = pending.filter { !$0.cancelled }
            let cancelledEarly = pending.filter { $0.cancelled }
            pending = []
            let cancels = cancelRequests
            cancelRequests = []
            let shouldStop = stopping
            lock.unlock()

            for transfer in cancelledEarly {
                transfer.finish(.failure(CancellationError()))
            }
            for transfer in newTransfers {
                let code = curl_multi_add_handle(multi, transfer.easy)
                if code != CURLM_OK {
                    transfer.finish(
                        .failure(
                            HTTPError.transport(
                                url: transfer.request.url, message: String(cString: curl_multi_strerror(code)))))
                    continue
                }
                active[transfer.easy] = transfer
            }
            for transfer in cancels {
                // Not active: not submitted yet (its flag is checked on submission) or already finished.
                if active.removeValue(forKey: transfer.easy) != nil {
                    curl_multi_remove_handle(multi, transfer.easy)
                    transfer.finish(.failure(CancellationError()))
                }
            }
            if shouldStop && active.isEmpty { break }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                if let transfer = active.removeValue(forKey: easy) {
                    transfer.finish(transfer.outcome(result))
                }
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        lock.lock()
        closed = true
        let leftovers = pending + cancelRequests
        pending = []
        cancelRequests = []
        curl_multi_cleanup(multi)
        lock.unlock()
        for transfer in leftovers {
            transfer.finish(.failure(HTTPError.transport(url: transfer.request.url, message: "HTTP client shut down")))
        }
    }
}

/// Throws `HTTPError.insecureURL` unless `url` is https, or plain http to a loopback host (127.0.0.0/8, ::1,
/// localhost). Parsed with libcurl's own URL parser, so the check sees the host curl would connect to.
/// Throws `HTTPError.invalidURL` for what does not parse.
package func requireSecureURL(_ url: String) throws {
    _ = curlGlobalInit
    guard let handle = curl_url() else { throw HTTPError.invalidURL(url) }
    defer { curl_url_cleanup(handle) }
    guard !url.utf8.contains(0), curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else {
        throw HTTPError.invalidURL(url)
    }
    func part(_ which: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
    guard let scheme = part(CURLUPART_SCHEME)?.lowercased(), let host = part(CURLUPART_HOST), !host.isEmpty else {
        throw HTTPError.invalidURL(url)
    }
    switch scheme {
    case "https":
        return
    case "http":
        if isLoopbackHost(host) { return }
        throw HTTPError.insecureURL(url)
    default:
        throw HTTPError.insecureURL(url)
    }
}

/// Whether `host` (as a URL spells it) is the loopback interface.
func isLoopbackHost(_ host: String) -> Bool {
    let lowered = host.lowercased()
    if lowered == "localhost" { return true }
    if lowered == "[::1]" || lowered == "::1" { return true }
    var address = in_addr()
    if inet_pton(AF_INET, lowered, &address) == 1 {
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }
    return false
}
