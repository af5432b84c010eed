import Foundation
import Testing

@testable import AlterKit

@Suite struct PyPIArtifactsTests {
    @Test(arguments: ["requests==2.32.3", "Jinja2 == 3.1.4", "zope.interface==7.0.post1"])
    func validRequirements(_ text: String) throws {
        let (name, version) = try PyPIArtifactLocator.parseRequirement(text)
        #expect(!name.isEmpty && !version.isEmpty)
    }

    @Test(arguments: ["requests", "requests==", "==1.0", "re/quests==1.0", "x==1.0==2", "x==1.0; rm -rf", "-x==1.0"])
    func invalidRequirements(_ text: String) {
        #expect(throws: PyPIArtifactError.invalidRequirement(text)) { try PyPIArtifactLocator.parseRequirement(text) }
    }

    @Test func relativeURLsFromMirrorsAreResolved() {
        let files = [
            PyPIArtifactLocator.ReleaseFile(
                filename: "boto3-1.0.tar.gz", url: "../../packages/packages/a1/boto3-1.0.tar.gz",
                digests: ["sha256": "ab"], packagetype: "sdist", yanked: nil),
            PyPIArtifactLocator.ReleaseFile(
                filename: "boto3-1.0-py3-none-any.whl", url: "https://files.example/b/boto3-1.0-py3-none-any.whl",
                digests: ["sha256": "cd"], packagetype: "bdist_wheel", yanked: false),
            PyPIArtifactLocator.ReleaseFile(
                filename: "nohash.whl", url: "https://x/nohash.whl", digests: [:], packagetype: "bdist_wheel",
                yanked: nil),
        ]
        let artifacts = PyPIArtifactLocator.artifacts(
            files, version: "1.0", documentURL: "https://pypi.org/pypi/boto3/json")
        #expect(
            artifacts.map(\.url) == [
                "https://pypi.org/packages/packages/a1/boto3-1.0.tar.gz",
                "https://files.example/b/boto3-1.0-py3-none-any.whl",
            ])
        #expect(PyPIArtifactLocator.preferred(artifacts)?.filename == "boto3-1.0-py3-none-any.whl")
        #expect(PyPIArtifactLocator.preferred(Array(artifacts.prefix(1)))?.packagetype == "sdist")
    }
}
