import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// Issue #13 item 2: a private index that requires basic authentication works through the whole gate — real pip
/// resolving from it, the real engine fetching and inspecting its files with the same credentials, the final
/// install from the verified copies — and its password shows up nowhere the gate writes or passes on.
@Suite struct PrivateIndexGateTests {
    static let password = "s3cr3t-Pw-7f2a9"

    /// Records every argv handed to pip, by the process runner (the dry run) and the launcher (the final install).
    final class ArgvLog: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [[String]] = []
        func record(_ argv: [String]) { lock.withLock { lines.append(argv) } }
        var all: [[String]] { lock.withLock { lines } }
    }

    struct RecordingRunner: ProcessRunner {
        let base: any ProcessRunner
        let log: ArgvLog
        func run(
            _ executable: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?,
            stdin: Data?
        ) async throws -> ProcessResult {
            log.record([executable] + arguments)
            return try await base.run(
                executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin)
        }
    }

    struct RecordingLauncher: AttachedProcessLauncher {
        let base: LogFileLauncher
        let log: ArgvLog
        func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
            log.record([executable] + arguments)
            return try await base.run(executable, arguments, environment: environment)
        }
    }

    /// An index of `wheels` (PEP 503 pages, `#sha256=` links) answering only requests with alice's password.
    static func index(_ wheels: [URL]) throws -> LoopbackHTTPServer {
        let expected = "Basic " + Data("alice:\(password)".utf8).base64EncodedString()
        let files = try Dictionary(
            uniqueKeysWithValues: wheels.map { ($0.lastPathComponent, try Data(contentsOf: $0)) })
        return try LoopbackHTTPServer { request in
            guard request.headers["authorization"] == expected else {
                return ServerResponse(status: 401, headers: ["WWW-Authenticate": "Basic realm=\"private\""])
            }
            let parts = request.path.split(separator: "/").map(String.init)
            if parts.count == 2, parts[0] == "simple" {
                let links = files.keys.sorted().filter {
                    PackageName.normalize(String($0.split(separator: "-")[0])) == PackageName.normalize(parts[1])
                }.map { name in
                    "<a href=\"/files/\(name)#sha256=\(hexString(SHA256.hash(files[name]!)))\">\(name)</a>"
                }
                if links.isEmpty { return .notFound }
                let page = "<html><body>\(links.joined(separator: "\n"))</body></html>"
                return ServerResponse(headers: ["Content-Type": "text/html"], body: Data(page.utf8))
            }
            if parts.count == 2, parts[0] == "files", let data = files[parts[1]] { return ServerResponse(body: data) }
            return .notFound
        }
    }

    /// Every file under `folder` whose path or contents hold `secret`.
    static func leaks(of secret: String, under folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [String] = []
        let needle = Data(secret.utf8)
        for case let relative as String in walker {
            let path = folder.path + "/" + relative
            if relative.contains(secret) { found.append(path) }
            if let data = FileManager.default.contents(atPath: path), data.range(of: needle) != nil {
                found.append(path)
            }
        }
        return found
    }

    @Test(
        .disabled("not yet seen passing: written and built at the end of a session under load 30 (gate-fetch)"),
        arguments: ["PIP_INDEX_URL", "requirements file", "netrc"])
    func aBasicAuthIndexWorksAndItsPasswordShowsUpNowhere(_ source: String) async throws {
        let testbed = try await GateTestbed.make("private-index")
        defer { testbed.remove() }
        let served = WheelBuilder(directory: testbed.root.appendingPathComponent("served"))
        try FileManager.default.createDirectory(at: served.directory, withIntermediateDirectories: true)
        let wheels = [
            try served.wheel(name: "tinyauth", version: "1.0", requires: ["tinyauthdep>=1.0"]),
            try served.wheel(name: "tinyauthdep", version: "1.0"),
        ]
        let server = try Self.index(wheels)
        defer { server.stop() }
        let pypi = try PyPIDouble()
        let old = Date().addingTimeInterval(-400 * 86400)
        for name in ["tinyauth", "tinyauthdep"] {
            pypi.setProject(
                name, .json(GateEngineEndToEndTests.projectJSON(name, uploads: [("1.0", old)])))
        }
        let osv = try OSVDouble(records: [])
        defer {
            osv.server.stop()
            pypi.server.stop()
        }
        try GateTestbed.writeConfig(
            in: testbed.root, osvURL: osv.baseURL, pypiURL: pypi.baseURL, extra: ["min_release_age = 0"])

        let host = server.baseURL.dropFirst("http://".count)
        let withPassword = "http://alice:\(Self.password)@\(host)/simple/"
        var environment = testbed.environment
        var requirements = ["tinyauth"]
        switch source {
        case "PIP_INDEX_URL":
            environment["PIP_INDEX_URL"] = withPassword
        case "requirements file":
            let file = testbed.root.appendingPathComponent("requirements.txt")
            try Data("--index-url \(withPassword)\ntinyauth\n".utf8).write(to: file)
            requirements = ["-r", file.path]
        default:
            let home = testbed.root.appendingPathComponent("home")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let netrc = home.appendingPathComponent(".netrc")
            try Data("machine 127.0.0.1\n  login alice\n  password \(Self.password)\n".utf8).write(to: netrc)
            chmod(netrc.path, 0o600)
            environment["HOME"] = home.path
            environment["PIP_INDEX_URL"] = server.baseURL + "/simple/"
        }

        let pipEnvironment = environment
        let argv = ArgvLog()
        let err = BufferStream()
        let out = BufferStream()
        let context = CLIContext(
            stdout: out, stderr: err, environment: pipEnvironment, currentDirectory: testbed.root.path,
            makeServices: { diagnostics in
                Services(
                    http: CurlHTTPClient(environment: [:]), clock: SystemClock(),
                    processes: RecordingRunner(base: PosixProcessRunner(), log: argv), environment: pipEnvironment,
                    diagnostics: diagnostics)
            },
            makeGateDecider: { services, options in
                try CLIContext.engineGateDecider(services: services, options: options)
            },
            attachedLauncher: RecordingLauncher(base: testbed.launcher(), log: argv))
        let code = await CLIContext.$current.withValue(context) {
            await AlterKSMain.run(["gate", "--pip", testbed.pip, "--", "install"] + requirements)
        }
        #expect(code == 0, "\(err.text)\n\(testbed.logText)")
        #expect(try testbed.installed() == ["tinyauth": "1.0", "tinyauthdep": "1.0"], "\(testbed.logText)")

        // The gate fetched each file once, with the index's credentials (anything else got 401); the final install
        // asked the index for nothing.
        let fileRequests = server.requests.filter { $0.path.hasPrefix("/files/") }
        let byGate = fileRequests.filter { !($0.headers["user-agent"] ?? "").hasPrefix("pip/") }
        #expect(byGate.map(\.path).sorted() == wheels.map { "/files/" + $0.lastPathComponent }.sorted())
        #expect(argv.all.count == 2, "\(argv.all)")
        #expect(argv.all.last?.contains("--no-index") == true, "\(argv.all)")

        // The password shows up nowhere: argv, what the gate and pip said, the cache, state and data folders.
        #expect(!argv.all.joined().joined(separator: " ").contains(Self.password))
        #expect(!err.text.contains(Self.password) && !out.text.contains(Self.password), "\(err.text)")
        #expect(!testbed.logText.contains(Self.password))
        for folder in ["cache", "state", "data", "tmp"] {
            #expect(Self.leaks(of: Self.password, under: testbed.root.appendingPathComponent(folder)) == [])
        }
        #expect(FileManager.default.fileExists(atPath: testbed.root.appendingPathComponent("cache/artifacts").path))
    }
}
