import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Fetching artifacts once, verified against the expected hash before anything reads them, cached by hash.
@Suite struct ArtifactStoreTests {
    let wheel = ArtifactReaderTests.maliciousWheel()

    func withServer(
        _ body: Data, _ test: (LoopbackHTTPServer, ArtifactStore, String) async throws -> Void
    ) async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try LoopbackHTTPServer { _ in ServerResponse(status: 200, body: body) }
        defer { server.stop() }
        let store = ArtifactStore(directory: dir.path + "/artifacts", http: CurlHTTPClient(environment: [:]))
        try await test(server, store, dir.path)
    }

    @Test func fetchesOnceThenAnswersFromTheVerifiedCache() async throws {
        let data = wheel.wheelData()
        let sha = hexString(SHA256.hash(data))
        try await withServer(data) { server, store, _ in
            let url = server.url("/files/\(wheel.wheelFileName)")
            let first = try await store.fetch(url: url, sha256: sha.uppercased())
            #expect(!first.fromCache)
            #expect(first.sha256 == sha)
            #expect(first.path.hasSuffix("/\(sha.prefix(2))/\(sha)/\(wheel.wheelFileName)"))
            let second = try await store.fetch(url: url, sha256: sha)
            #expect(second.fromCache)
            #expect(server.requestCount == 1)
            // Private: the entry directory 0700, the file 0600.
            let fileMode = try FileManager.default.attributesOfItem(atPath: first.path)[.posixPermissions] as? Int
            let dirMode =
                try FileManager.default.attributesOfItem(atPath: (first.path as NSString).deletingLastPathComponent)[
                    .posixPermissions] as? Int
            #expect(fileMode == 0o600)
            #expect(dirMode == 0o700)
        }
    }

    @Test func hashMismatchIsRefusedAndNothingIsKept() async throws {
        let data = wheel.wheelData()
        let wrong = String(repeating: "ab", count: 32)
        try await withServer(data) { server, store, dir in
            await #expect(throws: ArtifactStoreError.self) {
                try await store.fetch(url: server.url("/\(wheel.wheelFileName)"), sha256: wrong)
            }
            do {
                _ = try await store.inspect(url: server.url("/\(wheel.wheelFileName)"), sha256: wrong)
                Issue.record("a mismatching download was inspected")
            } catch let error as ArtifactStoreError {
                guard case .hashMismatch(_, let expected, let actual) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(expected == wrong)
                #expect(actual == hexString(SHA256.hash(data)))
                #expect(error.exitStatus == .sourceFailure)
                #expect(error.description.contains("refused"))
            }
            let kept = FileManager.default.enumerator(atPath: dir + "/artifacts")?.allObjects as? [String] ?? []
            #expect(!kept.contains { $0.hasSuffix(".whl") })
        }
    }

    @Test func inspectionIsCachedBesideTheArtifact() async throws {
        let data = wheel.wheelData()
        let sha = hexString(SHA256.hash(data))
        try await withServer(data) { server, store, _ in
            let url = server.url("/\(wheel.wheelFileName)#sha256=\(sha)")
            let (fetched, first) = try await store.inspect(url: url, sha256: ArtifactStore.fragmentHash(url))
            #expect(first.hasCritical)
            #expect(first.sha256 == sha)
            #expect(first.artifact == wheel.wheelFileName)
            #expect(!fetched.fromCache)
            let (again, second) = try await store.inspect(url: url, sha256: sha)
            #expect(again.fromCache)
            #expect(second == first)
            #expect(server.requestCount == 1)
        }
    }

    @Test func tamperedCacheIsNotTrusted() async throws {
        let data = wheel.wheelData()
        let sha = hexString(SHA256.hash(data))
        try await withServer(data) { server, store, _ in
            let url = server.url("/\(wheel.wheelFileName)")
            let first = try await store.fetch(url: url, sha256: sha)
            try Data("tampered".utf8).write(to: URL(fileURLWithPath: first.path))
            #expect(try store.cached(sha256: sha) == nil)
            let again = try await store.fetch(url: url, sha256: sha)
            #expect(!again.fromCache)
            #expect(server.requestCount == 2)
        }
    }

    @Test func fileURLsAndRefusedURLs() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/" + wheel.wheelFileName
        let data = wheel.wheelData()
        try data.write(to: URL(fileURLWithPath: path))
        let store = ArtifactStore(directory: dir.path + "/cache", http: CurlHTTPClient(environment: [:]))
        let fetched = try await store.fetch(url: "file://" + path, sha256: hexString(SHA256.hash(data)))
        #expect(fetched.fileName == wheel.wheelFileName)
        // file://localhost/… is the same file; a file URL naming another host or a relative path is refused.
        #expect(try ArtifactStore.localPath(of: "file://localhost" + path) == path)
        #expect(try ArtifactStore.localPath(of: "file:///a%20b/c.whl#sha256=00") == "/a b/c.whl")
        for refused in ["file://mirror.example/a.whl", "file://a.whl", "file://localhostx/a.whl"] {
            #expect(throws: ArtifactStoreError.unsupportedURL(refused)) { try ArtifactStore.localPath(of: refused) }
        }
        await #expect(throws: ArtifactStoreError.unsupportedURL("ftp://x.invalid/a.whl")) {
            try await store.fetch(url: "ftp://x.invalid/a.whl", sha256: nil)
        }
        await #expect(throws: HTTPError.self) { try await store.fetch(url: "http://example.com/a.whl", sha256: nil) }
        await #expect(throws: ArtifactStoreError.invalidHash("xyz")) {
            try await store.fetch(url: "file://" + path, sha256: "xyz")
        }
        await #expect(throws: ArtifactStoreError.badFileName("..")) {
            try await store.fetch(url: "https://x.invalid/a/..", sha256: nil)
        }
    }
}
