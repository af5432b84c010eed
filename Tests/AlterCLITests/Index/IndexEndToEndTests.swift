import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The local index on the real engine, with real pip started the ways programs start it (a child `sh -c`, the
/// venv's `bin/pip`, `bin/python -m pip`) in the environment the shell activation exports: an upstream index
/// double serving tiny wheels, advisories from the OSV double, metadata from the PyPI double — and assertions on
/// what pip actually installed.
@Suite struct IndexEndToEndTests {
    static let advisory = OSVRecords.record(
        "PYSEC-2099-1", package: "tinydep", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
        label: "CRITICAL", summary: "remote code execution in tinydep")

    struct World {
        let testbed: GateTestbed
        let osv: OSVDouble
        let pypi: PyPIDouble
        let upstream: SimpleIndexDouble
        let server: IndexHTTPServer
        /// "http://127.0.0.1:PORT/TOKEN".
        let base: String
        /// What the index wrote (its diagnostics).
        let log: BufferStream

        func stop() {
            server.stop()
            upstream.server.stop()
            osv.server.stop()
            pypi.server.stop()
            testbed.remove()
        }

        /// What activation exports, on top of the testbed's hermetic pip environment; the venv's bin/ first on PATH
        /// (an activated venv, ahead of any shim).
        var activatedEnvironment: [String: String] {
            var environment = testbed.environment
            environment["PIP_INDEX_URL"] = base + "/simple/"
            environment["PIP_EXTRA_INDEX_URL"] = base + "/none/"
            environment["PIP_FIND_LINKS"] = base + "/links/"
            environment["PIP_NO_INDEX"] = "0"
            environment["PATH"] = testbed.venv.appendingPathComponent("bin").path + ":" + (environment["PATH"] ?? "")
            return environment
        }

        /// Runs `command` through `/bin/sh -c` in the activated environment; returns the exit status and output.
        func shell(_ command: String) throws -> (status: Int32, output: String) {
            let result = try runProcess(
                "/bin/sh", ["-c", command], environment: activatedEnvironment, currentDirectory: testbed.root)
            return (result.status, result.stdout + result.stderr)
        }
    }

    /// A world whose upstream is `upstreamURL(double)` (default: the double's plain URL).
    static func world(
        _ label: String, records: [OSVRecord] = [], credential: (user: String, password: String)? = nil,
        minReleaseAge: String = "0", uploads: [String: [(String, Date)]] = [:],
        upstreamEnvironment: ((SimpleIndexDouble) -> [String: String])? = nil
    ) async throws -> World {
        let testbed = try await GateTestbed.make(label)
        let old = Date().addingTimeInterval(-400 * 86400)
        let pypi = try PyPIDouble()
        for name in ["tinyapp", "tinydep", "tinyclean"] {
            let times = uploads[name] ?? [("0.9", old), ("1.0", old.addingTimeInterval(86400))]
            pypi.setProject(name, .json(GateEngineEndToEndTests.projectJSON(name, uploads: times)))
        }
        let osv = try OSVDouble(records: records)
        let upstream = try SimpleIndexDouble(folder: testbed.index, credential: credential)
        try GateTestbed.writeConfig(
            in: testbed.root, osvURL: osv.baseURL, pypiURL: pypi.baseURL,
            extra: ["min_release_age = \(minReleaseAge)", "risk_threshold = 95"])
        let environment = testbed.environment
        let log = BufferStream()
        let context = CLIContext(
            stdout: BufferStream(), stderr: log, environment: environment,
            currentDirectory: testbed.root.path,
            makeServices: { diagnostics in
                Services(
                    http: CurlHTTPClient(environment: [:]), clock: SystemClock(), processes: PosixProcessRunner(),
                    environment: environment, diagnostics: diagnostics)
            })
        let settingsEnvironment =
            upstreamEnvironment?(upstream) ?? [
                "PIP_INDEX_URL": upstream.indexURL, "PIP_CONFIG_FILE": "/dev/null", "HOME": testbed.root.path,
            ]
        let settings = try IndexSettings.read(environment: settingsEnvironment)
        let token = PackageIndex.newToken()
        let index = try CLIContext.$current.withValue(context) {
            try IndexSetup.makeIndex(global: try GlobalOptions.parse([]), token: token, settings: settings)
        }
        let server = try IndexHTTPServer { request in await index.answer(request) }
        return World(
            testbed: testbed, osv: osv, pypi: pypi, upstream: upstream, server: server,
            base: server.baseURL + "/" + token, log: log)
    }

    /// The ways a program starts pip behind the shell's back (a child shell's pip or `python -m pip`, the venv's own).
    static let bypasses = [
        "sh -c 'pip install tinyapp'", "sh -c 'python -m pip install tinyapp'", "venv/bin/pip install tinyapp",
        "venv/bin/python -m pip install tinyapp",
    ]

    @Test(arguments: bypasses)
    func aVulnerableDependencyIsNeverServedWhicheverWayPipIsStarted(_ command: String) async throws {
        let world = try await Self.world("index-bypass", records: [Self.advisory])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let (status, output) = try world.shell(command)
        #expect(status != 0, "\(output)")
        // The reason, on one line: the package, the verdict and the advisory.
        let reason = output.split(separator: "\n").filter { $0.contains("alterks: BLOCKED tinydep 1.0") }
        #expect(!reason.isEmpty && reason.allSatisfy { $0.contains("PYSEC-2099-1") }, "\(output)")
        #expect(try world.testbed.installed() == [:], "\(output)")
        // The upstream was asked for the file once (by the index, to verify it); pip never reached it.
        #expect(world.upstream.requestedPaths.filter { $0.hasPrefix("/files/tinydep") }.count == 1)
    }

    @Test func aCleanInstallThroughTheIndexIsTheSameAsAPlainOne() async throws {
        let world = try await Self.world("index-clean")
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let (status, output) = try world.shell("pip install tinyapp")
        #expect(status == 0, "\(output)")
        let through = try world.testbed.installed()
        #expect(through == ["tinyapp": "1.0", "tinydep": "1.0"], "\(output)")

        let plain = try await PythonEnvironments.shared.makeVenv(at: world.testbed.root.appendingPathComponent("plain"))
        let direct = try runProcess(
            plain.appendingPathComponent("bin/pip").path,
            ["install", "--index-url", world.upstream.indexURL, "tinyapp"],
            environment: world.testbed.environment)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(try PythonEnvironments.installed(in: plain) == through)
        for distribution in ["tinyapp-1.0", "tinydep-1.0"] {
            let installed = try Self.record(in: world.testbed.venv, distribution: distribution)
            #expect(!installed.isEmpty)
            #expect(installed == (try Self.record(in: plain, distribution: distribution)), "\(distribution)")
        }
    }

    /// The RECORD lines (path, hash, size) of an installed distribution, sorted.
    static func record(in venv: URL, distribution: String) throws -> [String] {
        let lib = venv.appendingPathComponent("lib")
        let python = try #require(try FileManager.default.contentsOfDirectory(atPath: lib.path).first)
        let file = lib.appendingPathComponent("\(python)/site-packages/\(distribution).dist-info/RECORD")
        // pip writes RECORD with csv's "\r\n" line ends (one Character in Swift: split on any line end).
        return try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.contains("__pycache__") && !$0.contains("INSTALLER") && !$0.contains("direct_url") }.sorted()
    }

    @Test func aPrivateUpstreamWithBasicAuthWorksThroughIt() async throws {
        let world = try await Self.world("index-auth", credential: ("alice", "s3cret/pw")) { upstream in
            [
                "PIP_INDEX_URL": upstream.indexURL.replacingOccurrences(
                    of: "http://", with: "http://alice:s3cret%2Fpw@"),
                "PIP_CONFIG_FILE": "/dev/null",
            ]
        }
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let (status, output) = try world.shell("pip install tinyclean")
        #expect(status == 0, "\(output)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        // The password (as typed, percent-encoded, or in a Basic header) shows nowhere: not in pip's output, the
        // index's messages, or any file the run left (caches, verdict database, logs).
        let secrets = ["s3cret", Data("alice:s3cret/pw".utf8).base64EncodedString()]
        for secret in secrets {
            #expect(!output.contains(secret), "\(output)")
            #expect(!world.log.text.contains(secret), "\(world.log.text)")
        }
        #expect(try Self.filesHolding(secrets, under: world.testbed.root) == [])
    }

    /// The regular files under `folder` holding any of `needles`.
    static func filesHolding(_ needles: [String], under folder: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = folder.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            if needles.contains(where: { data.range(of: Data($0.utf8)) != nil }) { found.append(relative) }
        }
        return found
    }

    @Test func aPrivateUpstreamWithNetrcCredentialsWorksThroughIt() async throws {
        let world = try await Self.world("index-netrc", credential: ("bob", "hunter2")) { upstream in
            let folder = upstream.folder ?? URL(fileURLWithPath: NSTemporaryDirectory())
            let netrc = folder.deletingLastPathComponent().appendingPathComponent("netrc")
            try? Data("machine 127.0.0.1\n  login bob\n  password hunter2\n".utf8).write(to: netrc)
            return ["PIP_INDEX_URL": upstream.indexURL, "NETRC": netrc.path, "PIP_CONFIG_FILE": "/dev/null"]
        }
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let (status, output) = try world.shell("pip install tinyclean")
        #expect(status == 0, "\(output)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
    }

    @Test func aRequestWithoutTheTokenIsRefused() async throws {
        let world = try await Self.world("index-token")
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        let client = CurlHTTPClient(environment: [:])
        let good = try await client.send(HTTPRequest(url: world.base + "/simple/tinyclean/"))
        #expect(good.status == 200)
        #expect(String(decoding: good.body, as: UTF8.self).contains("tinyclean-1.0-py3-none-any.whl"))
        let origin = world.server.baseURL
        for path in ["/simple/tinyclean/", "/", "/0123456789abcdef0123456789abcdef/simple/tinyclean/"] {
            let refused = try await client.send(HTTPRequest(url: origin + path))
            #expect(refused.status == 403, "\(path)")
            #expect(!String(decoding: refused.body, as: UTF8.self).contains("tinyclean-1.0"), "\(path)")
        }
        // pip without the token: nothing found, nothing installed.
        var environment = world.activatedEnvironment
        environment["PIP_INDEX_URL"] = origin + "/simple/"
        let pip = try runProcess(
            world.testbed.pip, ["install", "tinyclean"], environment: environment)
        #expect(pip.status != 0)
        #expect(try world.testbed.installed() == [:])
    }

    @Test func aTooYoungReleaseIsLeftOutOfThePageAndPipTakesTheOlderOne() async throws {
        let old = Date().addingTimeInterval(-400 * 86400)
        let world = try await Self.world(
            "index-young", minReleaseAge: "48",
            uploads: ["tinyclean": [("1.0", old), ("2.0", Date().addingTimeInterval(-3600))]])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinyclean", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyclean", version: "2.0")
        let page = try await CurlHTTPClient(environment: [:]).send(
            HTTPRequest(url: world.base + "/simple/tinyclean/"))
        let text = String(decoding: page.body, as: UTF8.self)
        #expect(text.contains("tinyclean-1.0-py3-none-any.whl") && !text.contains("tinyclean-2.0"), "\(text)")
        let (status, output) = try world.shell("pip install tinyclean")
        #expect(status == 0, "\(output)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
        // Asked for by its version, the young release is not there to be had.
        let (named, namedOutput) = try world.shell("pip install tinyclean==2.0")
        #expect(named != 0, "\(namedOutput)")
        #expect(try world.testbed.installed() == ["tinyclean": "1.0"])
    }
}

/// The same net for uv: `uv pip install` in the activated environment (`UV_DEFAULT_INDEX`, `UV_INDEX_URL`).
@Suite struct IndexUVTests {
    static func uv(_ world: IndexEndToEndTests.World, _ arguments: [String]) throws -> (status: Int32, output: String) {
        var environment = world.activatedEnvironment
        environment["UV_DEFAULT_INDEX"] = world.base + "/simple/"
        environment["UV_INDEX_URL"] = world.base + "/simple/"
        environment["UV_NO_CACHE"] = "1"
        environment["UV_CACHE_DIR"] = world.testbed.root.appendingPathComponent("uv-cache").path
        environment["UV_NO_CONFIG"] = "1"
        environment["UV_PYTHON_DOWNLOADS"] = "never"
        let result = try runProcess(
            try UVBinary.path(),
            ["pip", "install", "--python", world.testbed.venv.appendingPathComponent("bin/python").path] + arguments,
            environment: environment, currentDirectory: world.testbed.root)
        return (result.status, result.stdout + result.stderr)
    }

    @Test func uvGetsNothingOfABlockedDependencyAndSaysWhy() async throws {
        let world = try await IndexEndToEndTests.world("index-uv-block", records: [IndexEndToEndTests.advisory])
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let (status, output) = try Self.uv(world, ["tinyapp"])
        #expect(status != 0, "\(output)")
        #expect(output.contains("alterks: BLOCKED tinydep 1.0"), "\(output)")
        #expect(output.contains("PYSEC-2099-1"), "\(output)")
        #expect(try world.testbed.installed() == [:], "\(output)")
    }

    @Test func uvInstallsACleanProjectThroughTheIndex() async throws {
        let world = try await IndexEndToEndTests.world("index-uv-clean")
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "tinydep", version: "1.0")
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let (status, output) = try Self.uv(world, ["tinyapp"])
        #expect(status == 0, "\(output)")
        #expect(try world.testbed.installed() == ["tinyapp": "1.0", "tinydep": "1.0"], "\(output)")
        #expect(world.upstream.requestedPaths.contains { $0.hasPrefix("/files/tinyapp") })
    }
}
