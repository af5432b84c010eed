import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct RequirementsFileTests {
    static func load(
        _ name: String, environment: [String: String] = [:], diagnostics: any DiagnosticSink = NullDiagnostics()
    )
        throws(InventoryError) -> Inventory
    {
        try InventoryLoader.load(
            path: InventoryFixtures.path("requirements", name),
            context: InventoryFixtures.context(environment: environment, diagnostics: diagnostics))
    }

    @Test(arguments: ["empty.txt", "comments-only.txt"])
    func emptyFilesHaveNothing(name: String) throws {
        let inventory = try Self.load(name)
        #expect(inventory.dependencies.isEmpty)
        #expect(inventory.options.isEmpty)
        #expect(inventory.sources == [InventoryFixtures.path("requirements", name)])
    }

    @Test func onePackage() throws {
        let inventory = try Self.load("one-package.txt")
        #expect(inventory.dependencies.count == 1)
        let d = try #require(inventory.dependencies.first)
        #expect(d.name == "requests")
        #expect(d.version == "2.31.0")
        #expect(d.specifier == "==2.31.0")
        #expect(d.direct == true)
        #expect(d.location == SourceLocation(file: InventoryFixtures.path("requirements", "one-package.txt"), line: 1))
    }

    @Test func pinnedOnlyWhenOneExactVersion() throws {
        let deps = try Self.load("pinned-and-unpinned.txt").dependencies
        #expect(
            InventoryFixtures.pins(deps) == [
                "requests==2.31.0", "Django==4.2.7", "urllib3==2.0.7", "Jinja2==3.1.2", "flask", "click", "six",
                "attrs",
            ])
        // Unpinned entries keep their specifier and never carry a version.
        let flask = try #require(deps.first { $0.name == "flask" })
        #expect(flask.specifier == ">=2.0")
        #expect(!flask.isPinned)
        #expect(deps.first { $0.name == "click" }?.specifier == "==8.*")
        #expect(deps.first { $0.name == "six" }?.specifier == "")
        #expect(deps.first { $0.name == "Django" }?.specifier == "=== 4.2.7")
        #expect(deps.map { $0.location?.line } == [2, 3, 4, 5, 7, 8, 9, 10])
    }

    @Test func includesAreRelativeToTheIncludingFile() throws {
        let inventory = try Self.load("includes.txt")
        #expect(InventoryFixtures.pins(inventory.dependencies) == ["requests==2.31.0", "idna==3.6", "flask==3.0.0"])
        #expect(InventoryFixtures.pins(inventory.constraints) == ["urllib3", "certifi==2024.2.2"])
        let base = InventoryFixtures.path("requirements", "includes.txt")
        let dir = (base as NSString).deletingLastPathComponent
        #expect(
            inventory.sources == [
                base, dir + "/includes/base.txt", dir + "/includes/nested/more.txt", dir + "/includes/constraints.txt",
            ])
        #expect(inventory.dependencies[1].location == SourceLocation(file: dir + "/includes/nested/more.txt", line: 1))
    }

    @Test func includeCycleNamesTheChain() {
        let error = InventoryFixtures.error { () throws(InventoryError) in try Self.load("include-cycle-a.txt") }
        InventoryFixtures.expectOneLineError(
            error, file: "include-cycle-a.txt", mentions: ["include cycle", "include-cycle-b.txt ->"])
        guard case .includeCycle(let chain)? = error else {
            Issue.record("not a cycle: \(String(describing: error))")
            return
        }
        #expect(chain.count == 3)
        #expect(chain.first?.hasSuffix("include-cycle-a.txt") == true)
        #expect(chain.last?.hasSuffix("include-cycle-a.txt") == true)
        let selfError = InventoryFixtures.error { () throws(InventoryError) in try Self.load("include-self.txt") }
        InventoryFixtures.expectOneLineError(selfError, file: "include-self.txt", mentions: ["include cycle"])
    }

    @Test func hashesWithAndWithoutContinuations() throws {
        let deps = try Self.load("hashes-continuation.txt").dependencies
        #expect(InventoryFixtures.pins(deps) == ["certifi==2024.2.2", "idna==3.6", "urllib3==2.2.1"])
        #expect(
            deps[0].hashes == [
                "sha256:0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f",
                "sha256:dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1",
            ])
        #expect(deps[1].hashes.count == 2)
        #expect(deps[1].hashes.last == "sha512:aa")
        #expect(deps[2].hashes == ["sha256:450b20ec296a467077128bff42b73080516e71b56ff59a60a02bef2232c4fa9d"])
        // The first physical line of each logical line.
        #expect(deps.map { $0.location?.line } == [2, 6, 7])
    }

    @Test func hashOnAnOptionLineIsIgnoredWithAWarning() throws {
        let collector = DiagnosticCollector()
        let inventory = try Self.load("hash-without-requirement.txt", diagnostics: collector)
        #expect(InventoryFixtures.pins(inventory.dependencies) == ["six==1.16.0"])
        #expect(inventory.dependencies[0].hashes.isEmpty)
        #expect(collector.diagnostics.contains { $0.level == .warning && $0.message.contains(":1: --hash") })
    }

    @Test func editables() throws {
        let inventory = try Self.load("editable.txt")
        #expect(inventory.dependencies.map(\.name) == ["flask", "requests", "tool"])
        #expect(inventory.dependencies.allSatisfy { $0.editable && $0.version == nil })
        #expect(inventory.dependencies[0].url == "git+https://github.com/pallets/flask.git@3.0.0#egg=flask")
        #expect(inventory.skipped.map(\.dependency.name) == [".", "./libs/mylib"])
        #expect(inventory.skipped[1].dependency.extras == ["extra1"])
        #expect(inventory.skipped.allSatisfy { $0.dependency.editable && $0.reason.contains("local project") })
    }

    @Test func options() throws {
        let inventory = try Self.load("options.txt")
        #expect(
            inventory.options == [
                "--index-url", "https://pypi.example.com/simple",
                "--extra-index-url", "https://mirror.example.com/simple",
                "--find-links", "./wheels",
                "--find-links", "https://example.com/links",
                "--pre", "--prefer-binary",
                "--no-binary", ":all:",
                "--only-binary", "numpy",
                "--require-hashes",
                "--trusted-host", "pypi.example.com",
                "--use-feature", "fast-deps",
                "--no-index",
                "--extra-index-url", "https://abbrev.example.com/simple",
                "--index-url", "https://short.example.com/simple",
            ])
        #expect(InventoryFixtures.pins(inventory.dependencies) == ["six==1.16.0"])
    }

    @Test func markers() throws {
        let deps = try Self.load("markers.txt").dependencies
        #expect(
            deps.map(\.marker) == [
                "sys_platform == \"win32\"", "python_version < \"3.10\"",
                "os_name == \"nt\" or platform_system == \"Windows\"",
                "sys_platform != \"win32\" and implementation_name == \"cpython\"", "python_version >= \"3.8\"",
            ])
        #expect(deps.last?.name == "foo")
        #expect(deps.last?.version == "1.0")
        #expect(deps[1].specifier == ">=6")
    }

    @Test func extrasAreNormalised() throws {
        let inventory = try Self.load("extras.txt")
        #expect(inventory.dependencies.map(\.extras) == [["security", "socks"], ["msgpack", "redis"]])
        #expect(inventory.skipped.map(\.dependency.extras) == [["extra-one"]])
    }

    @Test func directReferences() throws {
        let inventory = try Self.load("direct-url.txt")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == ["pip", "mylib", "click", "six==1.16.0", "attrs==23.1.0"])
        #expect(inventory.dependencies[0].url == "https://github.com/pypa/pip/archive/22.0.2.zip")
        #expect(inventory.dependencies[1].url == "git+https://github.com/example/mylib.git@v1.2#subdirectory=src")
        #expect(inventory.dependencies[2].url?.hasSuffix("#egg=click") == true)
        #expect(
            inventory.skipped.map(\.dependency.name) == [
                "./dist/local_pkg-0.1.tar.gz", "https://example.com/unnamed-archive.tar.gz",
                "git+https://github.com/example/unnamed.git", ".",
            ])
        #expect(inventory.skipped.allSatisfy { !$0.reason.isEmpty && $0.dependency.version == nil })
    }

    @Test func environmentVariablesExpandAsPipDoes() throws {
        let inventory = try Self.load(
            "env-vars.txt", environment: ["PYPI_USER": "me", "PYPI_TOKEN": "s3cret", "REQUESTS_VERSION": "2.31.0"])
        #expect(inventory.options == ["--index-url", "https://me:s3cret@pypi.example.com/simple"])
        #expect(InventoryFixtures.pins([inventory.dependencies[0]]) == ["requests==2.31.0"])
        // An unset variable stays as written.
        #expect(
            inventory.dependencies[1].url == "https://example.com/${UNSET_VARIABLE}/six-1.16.0-py2.py3-none-any.whl")
        #expect(inventory.dependencies[1].version == "1.16.0")
    }

    @Test func commentsAndContinuations() throws {
        let deps = try Self.load("comment-in-continuation.txt").dependencies
        #expect(InventoryFixtures.pins(deps) == ["six==1.16.0", "requests==2.31.0", "pkg", "idna==3.6"])
        #expect(deps[2].url == "https://example.com/pkg.zip#egg=pkg")
    }

    @Test func lineEndingsAndBOM() throws {
        let crlf = try Self.load("crlf.txt").dependencies
        #expect(InventoryFixtures.pins(crlf) == ["six==1.16.0", "requests==2.31.0", "idna==3.6"])
        #expect(crlf.map { $0.location?.line } == [1, 2, 5])
        #expect(InventoryFixtures.pins(try Self.load("utf8-bom.txt").dependencies) == ["six==1.16.0"])
    }

    @Test(arguments: [
        ("include-missing.txt", [":2:", "does-not-exist.txt"]),
        ("include-remote.txt", [":2:", "remote requirements file"]),
        ("include-device.txt", [":2:", "/dev/zero", "not a regular file"]),
        ("hash-bad-algorithm.txt", [":1:", "sha256, sha384, sha512"]),
        ("hash-missing-algorithm.txt", [":1:", "hash name followed by a value"]),
        ("editable-vcs-without-egg.txt", [":1:", "#egg=NAME"]),
        ("editable-not-vcs.txt", [":1:", "not a valid editable requirement"]),
        ("option-unknown.txt", [":2:", "no such option: --frobnicate"]),
        ("option-ambiguous.txt", [":2:", "ambiguous option: --no"]),
        ("option-missing-value.txt", [":2:", "--index-url option requires 1 argument"]),
        ("option-flag-with-value.txt", [":2:", "--pre option does not take a value"]),
        ("option-unclosed-quote.txt", [":1:", "No closing quotation"]),
        ("direct-url-bad-egg.txt", [":2:", "not a valid project name"]),
        ("direct-url-bad-wheel.txt", [":1:", "not a valid wheel filename"]),
        ("malformed-requirement.txt", [":2:", "invalid requirement", "requests (>=2.0", "RIGHT_PARENTHESIS"]),
        ("malformed-operator.txt", [":2:", "did you mean ==?"]),
        ("malformed-marker.txt", [":2:", "invalid marker"]),
        ("malformed-extras-after-version.txt", [":2:", "invalid requirement"]),
        ("not-utf8.txt", [":2:", "UTF-8"]),
        ("nul-byte.txt", [":2:", "NUL"]),
    ])
    func malformedFilesFailWithFileAndLine(name: String, mentions: [String]) {
        let error = InventoryFixtures.error { () throws(InventoryError) in try Self.load(name) }
        InventoryFixtures.expectOneLineError(error, file: name, mentions: mentions)
    }

    @Test func oversizedFilesAreRefused() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("requirements.txt").path
        // A sparse file: 100 MB on paper, no disk used, refused before it is read.
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        #expect(ftruncate(fd, 100 << 20) == 0)
        close(fd)
        let error = InventoryFixtures.error { () throws(InventoryError) in
            try InventoryLoader.load(path: path, context: InventoryContext())
        }
        InventoryFixtures.expectOneLineError(error, file: "requirements.txt", mentions: ["16 MB limit"])
    }
}
