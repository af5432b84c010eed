import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The user's pip and uv index settings, read as pip reads them.
@Suite struct IndexSettingsTests {
    /// Reads settings with `files` as the only files on disk.
    static func read(_ environment: [String: String], files: [String: String] = [:]) throws -> IndexSettings {
        try IndexSettings.read(environment: environment) { files[$0] }
    }

    @Test func nothingConfiguredIsPyPI() throws {
        let settings = try Self.read(["HOME": "/home/u"])
        #expect(settings.indexes.map(\.url) == [IndexSettings.pypi])
        #expect(settings.findLinks.isEmpty && settings.credentials.isEmpty)
    }

    @Test func configFilesThenVariablesAndInstallSectionOverGlobal() throws {
        let files = [
            "/etc/pip.conf": "[global]\nindex-url = https://mirror.example/simple\ncert = /etc/ssl/corp.pem\n",
            "/home/u/.config/pip/pip.conf":
                "[global]\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\n"
                + "find-links = /srv/wheels\n[install]\nindex_url = https://install.example/simple/\n",
        ]
        let settings = try Self.read(["HOME": "/home/u"], files: files)
        #expect(
            settings.indexes.map(\.url) == [
                "https://install.example/simple/", "https://a.example/simple/", "https://b.example/simple/",
            ])
        #expect(settings.findLinks == ["/srv/wheels"])
        #expect(settings.caBundle == "/etc/ssl/corp.pem")
        // A variable replaces the files' value; an empty one is ignored, as pip ignores it.
        let overridden = try Self.read(
            ["HOME": "/home/u", "PIP_INDEX_URL": "https://env.example/simple", "PIP_EXTRA_INDEX_URL": ""],
            files: files)
        #expect(overridden.indexes.map(\.url).first == "https://env.example/simple/")
        #expect(overridden.indexes.count == 3)
        // PIP_CONFIG_FILE=/dev/null: no file at all.
        let none = try Self.read(["HOME": "/home/u", "PIP_CONFIG_FILE": "/dev/null"], files: files)
        #expect(none.indexes.map(\.url) == [IndexSettings.pypi])
    }

    @Test func credentialsComeFromTheURLOrNetrcAndNeverStayInTheURL() throws {
        let settings = try Self.read(
            [
                "HOME": "/home/u", "PIP_INDEX_URL": "https://alice:p%40ss@private.example/simple/",
                "UV_INDEX": "internal=https://internal.example:8443/simple",
            ],
            files: ["/home/u/.netrc": "machine internal.example login bob password hunter2\ndefault login x password y"]
        )
        #expect(
            settings.indexes.map(\.url) == ["https://private.example/simple/", "https://internal.example:8443/simple/"])
        #expect(settings.credentials["private.example"] == BasicCredential(user: "alice", password: "p@ss"))
        #expect(settings.credentials["internal.example:8443"] == BasicCredential(user: "bob", password: "hunter2"))
    }

    @Test func aPlainHTTPIndexElsewhereIsRefusedNamingTheSetting() {
        #expect(throws: IndexSettingsError.self) {
            try Self.read(["HOME": "/h", "PIP_INDEX_URL": "http://user:secret@mirror.example/simple"])
        }
        do {
            _ = try Self.read(["HOME": "/h", "PIP_INDEX_URL": "http://user:secret@mirror.example/simple"])
        } catch {
            #expect("\(error)".contains("PIP_INDEX_URL"))
            #expect(!"\(error)".contains("secret"))
        }
    }

    @Test func noIndexLeavesOnlyFindLinksAndOwnIndexIsNeverAnUpstream() throws {
        let settings = try Self.read([
            "HOME": "/h", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheels file:///more%20wheels",
        ])
        #expect(settings.indexes.isEmpty)
        #expect(settings.findLinks == ["/wheels", "/more wheels"])
        let own = try IndexSettings.read(
            environment: ["HOME": "/h", "PIP_INDEX_URL": "http://127.0.0.1:5000/TOKEN/simple/"],
            ownIndex: "http://127.0.0.1:5000/TOKEN"
        ) { _ in nil }
        #expect(own.indexes.isEmpty)
    }

    @Test func uvConfigurationFilesAddTheirIndexesFindLinksAndCredentials() throws {
        let files = [
            "/home/u/.config/uv/uv.toml": """
            index-url = "https://uv-default.example/simple"
            extra-index-url = ["https://extra.example/simple"]

            [[index]]
            name = "corp"
            url = "https://carol:pw%21@corp.example/simple"

            [[index]]
            name = "wheels"
            url = "/srv/flat"
            format = "flat"

            [pip]
            extra-index-url = ["https://pip-table.example/simple"]
            """,
            "/etc/uv/uv.toml": "find-links = [\"/srv/system-wheels\"]\n",
        ]
        let settings = try Self.read(["HOME": "/home/u"], files: files)
        #expect(
            settings.indexes.map(\.url) == [
                IndexSettings.pypi, "https://uv-default.example/simple/", "https://extra.example/simple/",
                "https://corp.example/simple/", "https://pip-table.example/simple/",
            ])
        #expect(settings.indexes[3].origin == "/home/u/.config/uv/uv.toml index[0].url")
        #expect(settings.findLinks == ["/srv/system-wheels", "/srv/flat"])
        #expect(settings.credentials["corp.example"] == BasicCredential(user: "carol", password: "pw!"))
        // UV_NO_CONFIG: no file; UV_CONFIG_FILE: that file instead of the user's.
        #expect(try Self.read(["HOME": "/home/u", "UV_NO_CONFIG": "1"], files: files).findLinks.isEmpty)
        let chosen = try Self.read(
            ["HOME": "/home/u", "UV_CONFIG_FILE": "/tmp/ci-uv.toml"],
            files: files.merging(["/tmp/ci-uv.toml": "index-url = \"https://ci.example/simple\"\n"]) { $1 })
        #expect(chosen.indexes.map(\.url) == [IndexSettings.pypi, "https://ci.example/simple/"])
    }

    @Test func theProjectsToolUVIsFoundFromASubfolderWithItsRelativeFlatIndex() throws {
        let root = try TestPaths.temporaryDirectory("alterks-uv-project")
        defer { try? FileManager.default.removeItem(at: root) }
        let deeper = root.appendingPathComponent("src/pkg")
        try FileManager.default.createDirectory(at: deeper, withIntermediateDirectories: true)
        try Data(
            """
            [project]
            name = "app"

            [tool.uv]
            find-links = ["./wheels"]

            [[tool.uv.index]]
            url = "https://project.example/simple"
            """.utf8
        ).write(to: root.appendingPathComponent("pyproject.toml"))
        let settings = try IndexSettings.read(environment: ["HOME": "/nonexistent"], directory: deeper.path) { path in
            path.hasPrefix(root.path) ? try IndexSettings.readFile(path) : nil
        }
        #expect(settings.indexes.map(\.url) == [IndexSettings.pypi, "https://project.example/simple/"])
        #expect(settings.indexes[1].origin == root.path + "/pyproject.toml tool.uv.index[0].url")
        #expect(settings.findLinks == [root.path + "/./wheels"])
    }

    @Test func aUVConfigurationKeyOfTheWrongTypeIsOneLineNamingFileAndKey() {
        let files = ["/home/u/.config/uv/uv.toml": "extra-index-url = \"https://single.example/simple\"\n"]
        #expect(throws: IndexSettingsError.self) { try Self.read(["HOME": "/home/u"], files: files) }
        do {
            _ = try Self.read(["HOME": "/home/u"], files: files)
        } catch {
            let message = "\(error)"
            #expect(message.contains("/home/u/.config/uv/uv.toml") && message.contains("extra-index-url"), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}
