import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct PipReportTests {
    func load(_ name: String) throws -> Data {
        try Data(contentsOf: TestPaths.fixture("pip-report/\(name)"))
    }

    @Test func readsARealReportOfIndexWheels() throws {
        let report = try PipReport.parse(try load("index-wheels.json"), source: "index-wheels.json")
        #expect(report.pipVersion == "23.2.1")
        #expect(report.items.map(\.dependency.name) == ["alpha", "gamma", "beta"])
        let alpha = report.items[0]
        #expect(alpha.dependency.version == "1.0")
        #expect(alpha.dependency.direct == true)
        #expect(alpha.dependency.url == nil)
        // The code factor fetches what pip would: the index file's URL is kept apart from `url`.
        #expect(alpha.dependency.artifactURL == alpha.artifactURL)
        #expect(alpha.dependency.artifactURL?.hasSuffix("alpha-1.0-py3-none-any.whl") == true)
        #expect(alpha.kind == .index)
        #expect(alpha.sha256 == "3b6db28c66c495b9204ccf87acec3df6d06b9fdbf152179873759d2f3991cced")
        #expect(alpha.dependency.hashes == ["sha256:3b6db28c66c495b9204ccf87acec3df6d06b9fdbf152179873759d2f3991cced"])
        #expect(alpha.requiresDist == ["beta>=1"])
        #expect(alpha.artifactFileName == "alpha-1.0-py3-none-any.whl")
        #expect(alpha.isWheel)
        #expect(report.items[2].dependency.direct == false)
        #expect(report.environment["python_version"] == "3.11")
        #expect(report.artifactURLs.count == 3)
    }

    @Test func readsDirectReferences() throws {
        let report = try PipReport.parse(try load("direct-references.json"), source: "direct-references.json")
        let vcs = report.items[0]
        #expect(vcs.kind == .vcs)
        #expect(vcs.vcs == "git")
        #expect(vcs.vcsCommit == "4f42225e91a0be634625c09e84dd29ea82b85e27")
        #expect(vcs.dependency.url == "https://github.com/pypa/packaging")
        #expect(vcs.sha256 == nil)
        #expect(vcs.dependency.artifactURL == nil)

        let project = report.items[1]
        #expect(project.kind == .directory)
        #expect(project.dependency.editable)
        #expect(project.dependency.name == "My_Project")
        #expect(project.dependency.normalizedName == "my-project")
        #expect(project.dependency.extras == ["dev", "test-tools"])
        #expect(project.artifactFileName == nil)

        let tool = report.items[2]
        #expect(tool.kind == .directArchive)
        #expect(tool.sha256 == "ab5f7f4e4d1e7a2a7c6e63f1c6c5c1e9f9d3a1b2c3d4e5f60718293a4b5c6d7e")
        #expect(!tool.isWheel)
        #expect(tool.artifactFileName == "Tool-2.0.tar.gz")
        #expect(tool.dependency.artifactURL == tool.artifactURL)

        #expect(report.items[3].isYanked)
        #expect(report.items[3].requiresPython == ">=3.6.8")
    }

    @Test func readsTheLegacyHashField() throws {
        let report = try PipReport.parse(try load("legacy-hash.json"), source: "legacy-hash.json")
        #expect(report.items[0].sha256 == "5026bae9a10eeaefb61dab2f09052b9f4307d44aee4eda64b309723d8d206bbc")
    }

    @Test func anArchiveWithoutHashHasNone() throws {
        let report = try PipReport.parse(try load("no-hash.json"), source: "no-hash.json")
        #expect(report.items[0].sha256 == nil)
        #expect(report.items[0].dependency.hashes.isEmpty)
    }

    @Test func anEmptyInstallListIsValid() throws {
        let report = try PipReport.parse(try load("empty-install.json"), source: "empty-install.json")
        #expect(report.items.isEmpty)
    }

    static let malformed: [(String, String)] = [
        ("not-json.txt", "not JSON"),
        ("version-2.json", "version \"2\" is not supported"),
        ("version-number.json", "version: must be a string"),
        ("missing-install.json", "install: missing"),
        ("name-with-newline.json", "install[0].metadata.name: invalid project name"),
        ("version-with-space.json", "install[0].metadata.version: invalid version"),
        ("bad-sha256.json", "not a sha256 hex digest"),
        ("missing-download-info.json", "install[0].download_info: missing"),
        ("requested-not-boolean.json", "install[0].requested: must be true or false"),
        ("vcs-not-direct.json", "install[0].is_direct: false for a vcs download"),
        ("url-with-space.json", "install[0].download_info.url: invalid URL"),
    ]

    @Test(arguments: malformed)
    func malformedReportsFailWithTheirKey(_ fixture: String, _ expected: String) throws {
        let data = try load(fixture)
        do {
            _ = try PipReport.parse(data, source: fixture)
            Issue.record("\(fixture) parsed")
        } catch {
            #expect(error.description.hasPrefix(fixture + ": "), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
            #expect(error.exitStatus == .usage)
        }
    }
}
