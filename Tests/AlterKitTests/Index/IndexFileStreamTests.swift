import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The local index's server sends a verified file from disk in chunks, never whole in memory, and never all of a
/// file whose bytes no longer have the verified hash.
@Suite struct IndexFileStreamTests {
    /// A server answering every request with `body`.
    static func serve(_ body: VerifiedFileBody) throws -> IndexHTTPServer {
        try IndexHTTPServer { _ in
            IndexResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], file: body)
        }
    }

    /// 3 MiB and a bit of varied bytes (several chunks, the last one short).
    static func bigFile(in folder: URL) throws -> (path: String, data: Data) {
        var data = Data(capacity: 3 << 20 + 777)
        for index in 0..<(3 << 20 + 777) { data.append(UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9)) }
        let path = folder.appendingPathComponent("big-1.0-py3-none-any.whl").path
        try data.write(to: URL(fileURLWithPath: path))
        return (path, data)
    }

    @Test func aVerifiedFileArrivesWholeAcrossChunks() async throws {
        let folder = try TestPaths.temporaryDirectory("alterks-index-stream")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, data) = try Self.bigFile(in: folder)
        let server = try Self.serve(VerifiedFileBody(path: path, sha256: hexString(SHA256.hash(data))))
        defer { server.stop() }
        let client = CurlHTTPClient(environment: [:])
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/f", maxBodyBytes: 64 << 20))
        #expect(response.status == 200)
        #expect(response.body == data)
        let head = try await client.send(HTTPRequest(method: "HEAD", url: server.baseURL + "/f"))
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test func aFileChangedAfterItsCheckIsNeverSentWhole() async throws {
        let folder = try TestPaths.temporaryDirectory("alterks-index-stream")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, data) = try Self.bigFile(in: folder)
        var other = data
        other[other.count - 1] ^= 0xFF
        let server = try Self.serve(VerifiedFileBody(path: path, sha256: hexString(SHA256.hash(other))))
        defer { server.stop() }
        let client = CurlHTTPClient(environment: [:])
        do {
            let response = try await client.send(HTTPRequest(url: server.baseURL + "/f", maxBodyBytes: 64 << 20))
            // Whatever the client makes of a cut connection, it never holds the whole file.
            #expect(response.body.count < data.count)
        } catch {
            // A transfer cut short of its Content-Length: the client fails, as it should.
        }
    }
}
