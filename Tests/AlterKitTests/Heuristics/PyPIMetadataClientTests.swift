import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct PyPIMetadataClientTests {
    func client(_ pypi: PyPIDouble, cache: MetadataCache? = nil, clock: any WallClock = Recorded.clock)
        -> PyPIMetadataClient
    {
        PyPIMetadataClient(
            http: CurlHTTPClient(environment: [:]), baseURL: pypi.baseURL + "/", cache: cache, clock: clock, ttl: 3600)
    }

    @Test func decodesARecordedProject() async throws {
        let pypi = try PyPIDouble()
        try pypi.serveRecorded("birm")
        guard case .found(let project) = try await client(pypi).project("Birm") else {
            Issue.record("expected a project")
            return
        }
        #expect(project.info.name == "birm")
        #expect(project.ownership?.roles == [.init(role: "Owner", user: "hrmerrill")])
        #expect(project.lastSerial == 42_733_131)
        #expect(project.datedReleases.map(\.version) == ["0.0.0", "0.1.0", "0.1.1", "0.1.2", "0.1.3"])
        #expect(pypi.requestedPaths == ["/pypi/birm/json"])
    }

    @Test func notFoundIsAnAnswer() async throws {
        let pypi = try PyPIDouble()
        #expect(try await client(pypi).project("no-such-project") == .notFound)
    }

    @Test(arguments: [429, 500, 502, 503, 403])
    func errorStatusesThrow(_ status: Int) async throws {
        let pypi = try PyPIDouble()
        pypi.setProject("requests", ServerResponse(status: status))
        await #expect(throws: PyPIMetadataError.status(url: pypi.baseURL + "/pypi/requests/json", status: status)) {
            try await client(pypi).project("requests")
        }
    }

    @Test(arguments: [
        "{not json", #"{"info": {"name": "x"}}"#, "[]",
        #"{"info": {"name": "x", "version": "1"}, "releases": {"1": [{"filename": "f", "upload_time_iso_8601": "yesterday"}]}}"#,
    ])
    func malformedBodiesThrow(_ body: String) async throws {
        let pypi = try PyPIDouble()
        pypi.setProject("x", .json(body))
        do {
            _ = try await client(pypi).project("x")
            Issue.record("expected an error")
        } catch let error as PyPIMetadataError {
            guard case .malformed = error else {
                Issue.record("expected .malformed, got \(error)")
                return
            }
            #expect(error.exitStatus == .sourceFailure)
        }
    }

    @Test func invalidNamesNeverReachTheNetwork() async throws {
        let pypi = try PyPIDouble()
        await #expect(throws: PyPIMetadataError.invalidName("../admin")) { try await client(pypi).project("../admin") }
        #expect(pypi.requestedPaths.isEmpty)
    }

    @Test func cacheHitWithinTTLMakesNoRequest() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pypi = try PyPIDouble()
        try pypi.serveRecorded("x-bone")
        let cache = try MetadataCache(
            path: dir.path + "/m.sqlite", diagnostics: NullDiagnostics(), clock: Recorded.clock)
        let first = try await client(pypi, cache: cache).project("x-bone")
        let second = try await client(pypi, cache: cache).project("X_Bone")
        #expect(first == second)
        #expect(pypi.requestedPaths == ["/pypi/x-bone/json"])
        #expect(try cache.lastSerial("x-bone") != nil)
        // After the TTL the index is asked again.
        let later = FixedClock(Recorded.now.addingTimeInterval(3601))
        _ = try await client(pypi, cache: cache, clock: later).project("x-bone")
        #expect(pypi.requestedPaths.count == 2)
    }

    @Test func failuresAreNotCached() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pypi = try PyPIDouble()
        pypi.setProject("birm", ServerResponse(status: 503))
        let cache = try MetadataCache(
            path: dir.path + "/m.sqlite", diagnostics: NullDiagnostics(), clock: Recorded.clock)
        await #expect(throws: PyPIMetadataError.self) { try await client(pypi, cache: cache).project("birm") }
        try pypi.serveRecorded("birm")
        guard case .found = try await client(pypi, cache: cache).project("birm") else {
            Issue.record("expected the project after the failure")
            return
        }
        #expect(pypi.requestedPaths.count == 2)
    }

    @Test func boundedConcurrencyReturnsOneResultPerName() async throws {
        let pypi = try PyPIDouble()
        for name in ["birm", "x-bone", "viewo-legal"] { try pypi.serveRecorded(name) }
        pypi.setProject("broken", ServerResponse(status: 500))
        let results = await client(pypi).projects(
            ["birm", "X-Bone", "x_bone", "viewo-legal", "broken", "gone"], concurrency: 2)
        #expect(results.count == 5)
        #expect(results["gone"].flatMap { try? $0.get() } == .notFound)
        #expect((try? results["broken"]?.get()) == nil)
        #expect(pypi.requestedPaths.count == 5)
    }

    @Test func provenanceFromTheIntegrityAPI() async throws {
        let pypi = try PyPIDouble()
        let file = PyPIProject.ReleaseFile(filename: "pkg-1.0-py3-none-any.whl", uploadTime: nil)
        pypi.setProvenance(
            "pkg", version: "1.0", file: file.filename,
            .json(
                #"{"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub", "repository": "o/pkg"}, "attestations": []}]}"#
            ))
        let c = client(pypi)
        #expect(
            try await c.provenance(name: "pkg", version: "1.0", file: file) == .present(publishers: ["GitHub:o/pkg"]))
        #expect(try await c.provenance(name: "pkg", version: "0.9", file: file) == .absent)
        var hinted = file
        hinted.provenance = .some(nil)
        #expect(try await c.provenance(name: "pkg", version: "0.8", file: hinted) == .absent)
        #expect(pypi.requestedPaths.count == 2)
        await #expect(throws: PyPIMetadataError.self) {
            try await c.provenance(name: "pkg", version: "../../x", file: file)
        }
    }
}
