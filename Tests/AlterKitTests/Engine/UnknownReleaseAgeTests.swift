import Foundation
import Testing

@testable import AlterKit

/// `min_release_age` with an upload time nobody can tell: a source failure under `on_source_error`, never old enough
/// (issue #14, item 4). A project PyPI does not know, local folders and direct URLs are not held to it.
@Suite struct UnknownReleaseAgeTests {
    static func project(_ releases: String) throws -> PyPIProject {
        try JSONDecoder().decode(
            PyPIProject.self,
            from: Data(#"{"info": {"name": "pkg", "version": "1.0"}, "releases": {\#(releases)}}"#.utf8))
    }

    func reason(
        _ dependency: Dependency, _ lookup: Result<MetadataLookup, PyPIMetadataError>?, age: TimeInterval = 48 * 3600
    ) -> Reason? {
        EngineBuilder.unknownAgeReason(
            GateDecision(dependency: dependency, verdict: Verdict(reasons: [])), lookup: lookup, minReleaseAge: age,
            action: .block)
    }

    @Test func anUnknownUploadTimeIsASourceFailure() throws {
        let pinned = Dependency(name: "pkg", version: "1.0")
        let noTime = try Self.project(#""1.0": [{"filename": "pkg-1.0.tar.gz"}]"#)
        let other = try Self.project(#""0.9": [{"filename": "pkg-0.9.tar.gz"}]"#)
        let failed = PyPIMetadataError.transport(url: "https://pypi.org/pypi/pkg/json", message: "timed out")
        for (lookup, why) in [
            (Result<MetadataLookup, PyPIMetadataError>.success(.found(noTime)), "PyPI gives no upload time for 1.0"),
            (.success(.found(other)), "PyPI lists no release 1.0"),
            (.failure(failed), "PyPI metadata could not be read: \(failed.description)"),
            (nil, "PyPI metadata was not looked up"),
        ] {
            let found = reason(pinned, lookup)
            #expect(found?.kind == .sourceFailure)
            #expect(found?.action == .block)
            #expect(found?.message == "upload time unknown (\(why)): min_release_age (48 h) cannot be checked")
        }
    }

    @Test func nothingToHoldToTheAgeGivesNoReason() throws {
        let noTime = try Self.project(#""1.0": [{"filename": "pkg-1.0.tar.gz"}]"#)
        let pinned = Dependency(name: "pkg", version: "1.0")
        #expect(reason(pinned, .success(.found(noTime)), age: 0) == nil)
        #expect(reason(pinned, .success(.notFound)) == nil)
        var direct = pinned
        direct.url = "https://example.org/pkg-1.0.tar.gz"
        #expect(reason(direct, .success(.found(noTime))) == nil)
        var editable = pinned
        editable.editable = true
        #expect(reason(editable, .success(.found(noTime))) == nil)
    }
}
