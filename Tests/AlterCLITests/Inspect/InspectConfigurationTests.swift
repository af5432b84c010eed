import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks inspect NAME==VERSION` reads the same configuration as the other commands: `--config`, its `pypi_url`
/// and `cache_dir`, and keeps the download in the gate's artifact cache (`CACHE/artifacts`) (issue #14, item 8).
@Suite struct InspectConfigurationTests {
    @Test func inspectFollowsTheConfigurationFileAndTheGatesArtifactCache() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wheel = InspectCommandTests.benign().wheelData()
        let sha = hexString(SHA256.hash(wheel))
        let name = "requests-2.98.0-py3-none-any.whl"
        let box = ServerBox()
        let server = try LoopbackHTTPServer { request in
            let file = """
                {"filename": "\(name)", "url": "\(box.base)/files/\(name)", "digests": {"sha256": "\(sha)"},
                 "packagetype": "bdist_wheel", "yanked": false}
                """
            switch request.path {
            case "/pypi/requests/2.98.0/json": return .json("{\"urls\": [\(file)]}")
            case "/files/\(name)": return ServerResponse(body: wheel)
            default: return .notFound
            }
        }
        defer { server.stop() }
        box.base = server.baseURL
        let cache = dir.appendingPathComponent("my-cache")
        let config = dir.appendingPathComponent("alterks.toml")
        try Data("pypi_url = \"\(server.baseURL)\"\ncache_dir = \"\(cache.path)\"\n".utf8).write(to: config)

        // No ALTERKS_PYPI_URL: only the configuration file names the index.
        let result = await InspectCommandTests().run(
            ["inspect", "requests==2.98.0", "--config", config.path], home: dir.path)

        #expect(result.code == 0, "\(result.err)")
        #expect(server.requests.contains { $0.path == "/files/\(name)" })
        let artifacts = cache.appendingPathComponent("artifacts")
        let stored = FileManager.default.enumerator(atPath: artifacts.path)?.allObjects as? [String] ?? []
        #expect(!stored.isEmpty, "nothing in \(artifacts.path)")
    }
}
