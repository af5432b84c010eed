import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// Reading upstream project pages (PEP 691 JSON, PEP 503 HTML) and writing them back with every file link through the
/// local index: hashes, requires-python, yanked and PEP 658/714 metadata kept.
@Suite struct ProjectPageTests {
    static let sha = String(repeating: "ab", count: 32)
    static let metadataSha = String(repeating: "cd", count: 32)

    @Test func anHTMLPageKeepsHashesMetadataYankedAndRequiresPython() {
        let html = """
            <!DOCTYPE html><html><body>
            <a href="../../packages/Django-2.2-py3-none-any.whl#sha256=\(Self.sha)" data-requires-python="&gt;=3.5"
               data-dist-info-metadata="sha256=\(Self.metadataSha)">Django-2.2-py3-none-any.whl</a><br/>
            <a href='https://files.example/django-2.1.tar.gz#md5=00' data-yanked="broken &amp; bad">django-2.1.tar.gz</a>
            <a href="/other">not a file</a>
            </body></html>
            """
        let files = ProjectPageParser.html(html, pageURL: "https://index.example/simple/django/")
        #expect(files.count == 3)
        let wheel = files[0]
        #expect(wheel.url == "https://index.example/packages/Django-2.2-py3-none-any.whl")
        #expect(wheel.sha256 == Self.sha)
        #expect(wheel.requiresPython == ">=3.5")
        #expect(wheel.coreMetadata == ["sha256": Self.metadataSha])
        #expect(wheel.yanked == nil)
        #expect(files[1].yanked == "broken & bad")
        #expect(files[1].hashes == ["md5": "00"])
        #expect(files[1].sha256 == nil)
        #expect(DistributionFileName.version(of: files[0].filename, project: "django") == "2.2")
        #expect(DistributionFileName.version(of: files[1].filename, project: "django") == "2.1")
        #expect(DistributionFileName.version(of: files[2].filename, project: "django") == nil)
    }

    @Test func aJSONPageIsReadWithUploadTimesAndCoreMetadata() throws {
        let json = """
            {"meta": {"api-version": "1.1"}, "name": "six", "files": [
              {"filename": "six-1.17.0-py2.py3-none-any.whl", "url": "https://files.example/six-1.17.0-py2.py3-none-any.whl",
               "hashes": {"sha256": "\(Self.sha)"}, "requires-python": ">=2.7", "core-metadata": {"sha256": "\(Self.metadataSha)"},
               "upload-time": "2024-12-04T17:35:26.475338Z", "yanked": false, "size": 11050},
              {"filename": "six-1.0.tar.gz", "url": "../../six-1.0.tar.gz", "hashes": {}, "yanked": "old"}]}
            """
        let files = try ProjectPageParser.parse(
            Data(json.utf8), contentType: "application/vnd.pypi.simple.v1+json",
            pageURL: "https://index.example/simple/six/", project: "six")
        #expect(files.count == 2)
        #expect(files[0].coreMetadata == ["sha256": Self.metadataSha])
        #expect(files[0].uploadTime != nil)
        #expect(files[0].size == 11050)
        #expect(files[1].url == "https://index.example/six-1.0.tar.gz")
        #expect(files[1].yanked == "old")
    }

    @Test func aMalformedJSONPageIsAnErrorNamingTheURL() {
        #expect(throws: IndexPageError.badJSON(url: "https://x/simple/a/", key: "files")) {
            try ProjectPageParser.json(Data(#"{"name": "a"}"#.utf8), pageURL: "https://x/simple/a/")
        }
    }

    /// Written back, in both formats, every link goes through the index and the rest survives a round trip.
    @Test func bothFormatsRoundTripWithEveryLinkRewritten() throws {
        let file = IndexFile(
            filename: "six-1.17.0-py2.py3-none-any.whl", url: "https://files.example/six-1.17.0-py2.py3-none-any.whl",
            hashes: ["sha256": Self.sha], requiresPython: ">=2.7, !=3.0.*", yanked: "",
            coreMetadata: ["sha256": Self.metadataSha])
        let page = ProjectPage(name: "six", files: [file])
        let link: (IndexFile) -> String = { "/TOKEN" + IndexRoute.filePath(project: "six", file: $0) }
        let base = "http://127.0.0.1:1/TOKEN/simple/six/"
        let html = String(decoding: ProjectPageRenderer.html(page, link: link), as: UTF8.self)
        #expect(html.contains("data-core-metadata=") && html.contains("data-dist-info-metadata="))
        let fromHTML = ProjectPageParser.html(html, pageURL: base)
        let fromJSON = try ProjectPageParser.json(ProjectPageRenderer.json(page, link: link), pageURL: base)
        for parsed in [fromHTML, fromJSON] {
            #expect(parsed.count == 1)
            let back = try #require(parsed.first)
            #expect(back.url.hasPrefix("http://127.0.0.1:1/TOKEN/files/six/\(Self.sha)/"))
            #expect(back.sha256 == Self.sha)
            #expect(back.requiresPython == ">=2.7, !=3.0.*")
            #expect(back.yanked == "")
            #expect(back.coreMetadata == ["sha256": Self.metadataSha])
            let path = String(back.url.dropFirst("http://127.0.0.1:1/TOKEN".count))
            #expect(
                IndexRoute.parse(path)
                    == .file(
                        project: "six", sha256: Self.sha, upstream: file.url, filename: file.filename, metadata: false))
            #expect(
                IndexRoute.parse(path + ".metadata")
                    == .file(
                        project: "six", sha256: Self.sha, upstream: file.url, filename: file.filename, metadata: true))
        }
    }

    @Test(arguments: ["/simple/../x/", "/files/six/zz/aGk/six.whl", "/nothing", "/simple/a b/"])
    func pathsThatNameNothingAreRefused(_ path: String) {
        #expect(IndexRoute.parse(path) == nil)
    }

    @Test func aReasonPhraseIsOnePrintableLine() {
        let line = IndexResponse.reasonPhrase("BLOCKED é\r\nHTTP/1.1 200 OK\n" + String(repeating: "x", count: 500))
        #expect(!line.contains("\r") && !line.contains("\n"))
        #expect(line.count <= 400)
        #expect(line.hasPrefix("BLOCKED ?  HTTP/1.1"))
    }
}
