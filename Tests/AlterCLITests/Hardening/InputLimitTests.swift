import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// Oversized and looping inputs: bounded memory, a clear error where a limit is hit, and never "clean".
@Suite("Hardening: input limits")
struct InputLimitTests {
    /// A server that must never be reached (the input is rejected before any lookup); it fails loudly if it is.
    private func unreachableServer() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { _ in .serverError() }
    }

    @Test(arguments: [
        ("a.txt", ["a.txt": "-r a.txt\nflask==0.12\n"]),
        ("a.txt", ["a.txt": "-r b.txt\nflask==0.12\n", "b.txt": "-r a.txt\n"]),
        ("a.txt", ["a.txt": "-r sub/b.txt\n", "sub/b.txt": "-r ../c.txt\n", "c.txt": "--requirement a.txt\n"]),
        ("a.txt", ["a.txt": "-c b.txt\nflask==0.12\n", "b.txt": "-c a.txt\n"]),
    ])
    func includeLoopIsAnInputError(entry: String, files: [String: String]) async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try unreachableServer()
        defer { server.stop() }
        for (name, text) in files { try sandbox.write("reqs/" + name, text) }
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)

        let result = await sandbox.run([
            "scan", "--no-deps", "--config", config, "-r", sandbox.path("reqs/" + entry), "--no-heuristics",
            "--cache-dir", sandbox.path("cache"),
        ])

        #expect(result.status == ExitStatus.usage.rawValue, "\(result.output)")
        #expect(result.stderr.contains(".txt"), "the message should name a file: \(result.stderr)")
        #expect(server.requestCount == 0)
    }

    /// 100 MB of well-formed pins: rejected with a clear message (or at least never clean), in bounded memory.
    @Test(.timeLimit(.minutes(10)))
    func hundredMegabyteRequirementsFile() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try unreachableServer()
        defer { server.stop() }
        let path = sandbox.path("huge-requirements.txt")
        try writeLines(to: path, targetBytes: 100 << 20) { index in "package-\(index)==1.0.\(index % 7)\n" }
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
        let before = peakResidentBytes()

        let result = await sandbox.scanJSON(config: config, requirements: path)

        let grown = peakResidentBytes() - before
        #expect(result.status == ExitStatus.usage.rawValue, "\(result.output.prefix(2000))")
        #expect(result.stderr.contains("huge-requirements.txt"), "\(result.stderr.prefix(2000))")
        #expect(grown < 768 << 20, "peak RSS grew by \(grown >> 20) MB")
    }

    /// A generated uv.lock with 10,000 packages (one of them vulnerable): answered in batches of at most 1,000,
    /// every package reported, the vulnerability found, bounded memory.
    @Test(.timeLimit(.minutes(10)))
    func tenThousandEntryLockfile() async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try LoopbackHTTPServer(recordsRequests: false, handler: try MiniOSV.handler())
        defer { server.stop() }
        var lock = "version = 1\nrevision = 3\nrequires-python = \">=3.8\"\n\n"
        lock += "[[package]]\nname = \"big\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\ndependencies = [\n"
        let names = ["flask"] + (1..<10_000).map { "package-\($0)" }
        for name in names { lock += "    { name = \"\(name)\" },\n" }
        lock += "]\n\n"
        for name in names.sorted() {
            let version = name == "flask" ? "0.12" : "1.0.0"
            lock += """
                [[package]]
                name = "\(name)"
                version = "\(version)"
                source = { registry = "https://pypi.org/simple" }

                """
        }
        try sandbox.write("big/pyproject.toml", "[project]\nname = \"big\"\nversion = \"0.1.0\"\n")
        let lockPath = try sandbox.write("big/uv.lock", lock)
        let config = try sandbox.config(baseURL: server.baseURL, extra: #"source = "osv""#)
        let before = peakResidentBytes()

        let result = await sandbox.run([
            "scan", "--config", config, lockPath, "--no-heuristics", "--format", "json",
            "--cache-dir", sandbox.path("cache"),
        ])

        let grown = peakResidentBytes() - before
        #expect(result.status == ExitStatus.findings.rawValue, "\(result.stderr.prefix(2000))")
        #expect(result.stdout.contains(MiniOSV.vulnerabilityID))
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = report?["results"] as? [Any]
        #expect(results?.count == names.count, "reported \(results?.count ?? -1) of \(names.count) packages")
        // 10 batches of 1,000 and one record; retries or per-package queries would show here.
        #expect(server.requestCount <= 20, "\(server.requestCount) requests")
        #expect(grown < 512 << 20, "peak RSS grew by \(grown >> 20) MB")
    }

    /// A 1 GiB answer (streamed by the server, never held by it) from the OSV querybatch endpoint and from the PyPI
    /// JSON API: the client stops reading at its body limit (64 MiB for OSV, 32 MiB for PyPI), the scan is a source
    /// failure whose message names the URL, and memory stays bounded. The server counts what the kernel accepted,
    /// so "bytes sent < limit + socket buffers" shows the transfer was aborted, not drained.
    @Test(
        .timeLimit(.minutes(10)),
        arguments: [("osv", false), ("osv", true), ("pypi", false), ("pypi", true)])
    func gigabyteResponseBody(source: String, chunked: Bool) async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let server = try StreamingBodyServer(totalBytes: 1 << 30, chunked: chunked)
        defer { server.stop() }
        let requirements = try sandbox.write("requirements.txt", vulnerablePins)
        let config = try sandbox.config(
            baseURL: server.baseURL, extra: "source = \"\(source)\"", timeout: 60, totalTimeout: 120)
        let before = peakResidentBytes()

        let result = await sandbox.scanJSON(config: config, requirements: requirements)

        let grown = peakResidentBytes() - before
        #expect(result.status == ExitStatus.sourceFailure.rawValue, "\(result.output.prefix(2000))")
        #expect(result.stderr.contains("response body larger than"), "\(result.stderr.prefix(2000))")
        #expect(result.stderr.contains(server.baseURL + "/"), "the URL is not named: \(result.stderr.prefix(2000))")
        let limit = source == "osv" ? 64 << 20 : 32 << 20
        // Two packages for PyPI (one request each, maybe retried): a few limits at most, far from the gigabyte.
        #expect(server.bytesSent < 8 * limit, "the client read \(server.bytesSent >> 20) MiB")
        if chunked {  // no Content-Length to refuse up front: the limit must have been read up to
            #expect(server.bytesSent >= limit, "the limit was never reached: \(server.bytesSent) bytes")
        }
        #expect(grown < 512 << 20, "peak RSS grew by \(grown >> 20) MB")
        print(
            "1 GiB body, \(source), chunked \(chunked): the server got \(server.bytesSent >> 20) MiB out, RSS +\(grown >> 20) MB"
        )
    }

    /// The advisories answer normally, but the PyPI JSON metadata the heuristics read is a 1 GiB stream: the
    /// metadata client stops at its 64 MiB limit, and the scan of a clean package is not "clean".
    @Test(.timeLimit(.minutes(10)), arguments: [false, true])
    func gigabyteMetadataBody(chunked: Bool) async throws {
        let sandbox = try HardeningSandbox()
        defer { sandbox.remove() }
        let osv = try LoopbackHTTPServer(handler: try MiniOSV.handler())
        defer { osv.stop() }
        let pypi = try StreamingBodyServer(totalBytes: 1 << 30, chunked: chunked)
        defer { pypi.stop() }
        let requirements = try sandbox.write("requirements.txt", "six==1.16.0\n")
        let config = try sandbox.write(
            "alterks.toml",
            """
            source = "osv"
            osv_url = "\(osv.baseURL)"
            pypi_url = "\(pypi.baseURL)"
            http_timeout = 60
            http_total_timeout = 120

            """)
        let before = peakResidentBytes()

        let result = await sandbox.run([
            "scan", "--no-deps", "--config", config, "-r", requirements, "--format", "json", "--cache-dir",
            sandbox.path("cache"),
        ])

        let grown = peakResidentBytes() - before
        print(
            "1 GiB metadata, chunked \(chunked): status \(result.status), sent \(pypi.bytesSent >> 20) MiB, RSS +\(grown >> 20) MB"
        )
        #expect(result.status != ExitStatus.clean.rawValue, "\(result.output.prefix(3000))")
        #expect(result.stderr.contains(pypi.baseURL + "/"), "the URL is not named: \(result.stderr.prefix(2000))")
        #expect(pypi.bytesSent < 8 * (64 << 20), "the client read \(pypi.bytesSent >> 20) MiB")
        #expect(grown < 512 << 20, "peak RSS grew by \(grown >> 20) MB")
    }
}

/// Writes generated lines to `path` until it holds at least `targetBytes`, a megabyte at a time.
func writeLines(to path: String, targetBytes: Int, line: (Int) -> String) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var written = 0
    var index = 0
    while written < targetBytes {
        var block = ""
        block.reserveCapacity(1 << 20)
        while block.utf8.count < 1 << 20 {
            block += line(index)
            index += 1
        }
        let data = Data(block.utf8)
        try handle.write(contentsOf: data)
        written += data.count
    }
}
