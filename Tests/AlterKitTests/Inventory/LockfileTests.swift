import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct PoetryLockTests {
    static func parse(_ name: String) throws(InventoryError) -> Inventory {
        try InventoryFixtures.parse("poetry-lock", name, as: .poetryLock)
    }

    @Test func empty() throws {
        let inventory = try Self.parse("empty.lock")
        #expect(inventory.dependencies.isEmpty && inventory.skipped.isEmpty)
    }

    @Test func onePackage() throws {
        let d = try #require(try Self.parse("one-package.lock").dependencies.first)
        #expect(d.name == "certifi" && d.version == "2024.2.2" && d.isPinned)
        #expect(d.hashes.count == 2 && d.hashes.allSatisfy { $0.hasPrefix("sha256:") })
        #expect(d.location?.line == 4)
        #expect(d.location?.file.hasSuffix("poetry-lock/one-package.lock") == true)
    }

    @Test func realistic() throws {
        let inventory = try Self.parse("realistic.lock")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == [
                "annotated-types==0.6.0", "anyio==4.2.0", "babel==2.14.0", "colorama==0.4.6", "flask==3.0.0",
                "private-pkg==1.2.3",
            ])
        #expect(inventory.dependencies.map { $0.location?.line } == [4, 15, 36, 50, 61, 93])
        #expect(
            inventory.dependencies[4].url
                == "git+https://github.com/pallets/flask.git@e39b5c0d1e3a3e5e7c4a6f1c6b0e2f7d8a9b0c1d")
        // A package from another index is not a direct reference.
        #expect(inventory.dependencies[5].url == nil)
        #expect(inventory.skipped.map(\.dependency.name) == ["mylib"])
        #expect(inventory.skipped[0].dependency.editable)
    }

    @Test func crlfLineEndingsKeepLineNumbers() throws {
        let inventory = try Self.parse("crlf.lock")
        #expect(inventory.dependencies.map { $0.location?.line } == [4, 15, 36, 50, 61, 93])
        #expect(inventory.dependencies[4].url?.hasSuffix("@e39b5c0d1e3a3e5e7c4a6f1c6b0e2f7d8a9b0c1d") == true)
    }

    @Test func legacyMetadataFiles() throws {
        let d = try #require(try Self.parse("legacy-metadata-files.lock").dependencies.first)
        #expect(d.name == "six" && d.version == "1.16.0" && d.hashes.count == 2)
    }

    @Test(arguments: [
        ("not-toml.lock", [":1:", "not valid TOML"]),
        ("missing-version.lock", [":7:", "package[1].version: missing"]),
        ("missing-name.lock", ["package[0].name: missing"]),
        ("bad-type.lock", [":2:", "package[0].version: expected a string, found integer"]),
        ("bad-hash.lock", [":2:", "package[0].files[0].hash"]),
        ("package-not-array.lock", [":1:", "package: expected an array of tables, found table"]),
    ])
    func malformed(name: String, mentions: [String]) {
        InventoryFixtures.expectOneLineError(
            InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }, file: name,
            mentions: mentions)
    }
}

@Suite struct UVLockTests {
    static func parse(_ name: String) throws(InventoryError) -> Inventory {
        try InventoryFixtures.parse("uv-lock", name, as: .uvLock)
    }

    @Test func empty() throws {
        #expect(try Self.parse("empty.lock") == Inventory(sources: [InventoryFixtures.path("uv-lock", "empty.lock")]))
    }

    @Test func onePackage() throws {
        let d = try #require(try Self.parse("one-package.lock").dependencies.first)
        #expect(d.name == "cfgv" && d.version == "3.5.0")
        #expect(
            d.hashes == [
                "sha256:d5b1034354820651caa73ede66a6294d6e95c1b00acc5e9b098e917404669132",
                "sha256:a8dc6b26ad22ff227d2634a65cb388215ce6cc96bbcc5cfde7641ae87e8dacc0",
            ])
        #expect(d.location?.line == 6)
        #expect(d.url == nil)
    }

    @Test func realistic() throws {
        let inventory = try Self.parse("realistic.lock")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == [
                "cfgv==3.5.0", "mypy==1.19.1", "mypy-extensions==1.1.0", "somelib==2.0.0", "tarball==1.0",
            ])
        #expect(inventory.dependencies[1].hashes.count == 3)
        #expect(inventory.dependencies[3].url?.hasPrefix("git+https://github.com/example/somelib") == true)
        #expect(inventory.dependencies[4].url == "https://example.com/tarball-1.0.tar.gz")
        #expect(inventory.skipped.map(\.dependency.name) == ["netchat"])
        #expect(inventory.dependencies.allSatisfy { $0.location?.line != nil })
    }

    @Test func editableProjectIsSkipped() throws {
        let inventory = try Self.parse("editable-project.lock")
        #expect(inventory.dependencies.isEmpty)
        #expect(inventory.skipped.first?.dependency.editable == true)
    }

    @Test(arguments: [
        ("not-toml.lock", [":5:", "not valid TOML"]),
        ("missing-version.lock", [":4:", "package[0].version: missing"]),
        ("bad-name.lock", [":4:", "package[0].name", "not a valid project name"]),
    ])
    func malformed(name: String, mentions: [String]) {
        InventoryFixtures.expectOneLineError(
            InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }, file: name,
            mentions: mentions)
    }
}

@Suite struct PDMLockTests {
    static func parse(_ name: String) throws(InventoryError) -> Inventory {
        try InventoryFixtures.parse("pdm-lock", name, as: .pdmLock)
    }

    @Test func empty() throws {
        #expect(try Self.parse("empty.lock").dependencies.isEmpty)
    }

    @Test func onePackage() throws {
        let d = try #require(try Self.parse("one-package.lock").dependencies.first)
        #expect(d.name == "attrs" && d.version == "23.1.0" && d.hashes.count == 2)
        #expect(d.location?.line == 11)
    }

    @Test func realistic() throws {
        let inventory = try Self.parse("realistic.lock")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == [
                "aiocache==0.12.2", "mypy==1.7.1", "pyobjc-core==10.0", "requests==2.31.0", "gitdep==0.5.0",
            ])
        #expect(inventory.dependencies[2].marker == "sys_platform == \"darwin\"")
        #expect(inventory.dependencies[3].extras == ["socks"])
        #expect(
            inventory.dependencies[4].url
                == "git+https://github.com/example/gitdep.git@89abcdef0123456789abcdef0123456789abcdef")
        #expect(inventory.skipped.map(\.dependency.name) == ["localproj"])
    }

    @Test(arguments: [
        ("not-toml.lock", ["not valid TOML"]),
        ("missing-version.lock", [":2:", "package[0].version: missing"]),
        ("bad-marker.lock", [":2:", "package[0].marker", "invalid marker"]),
    ])
    func malformed(name: String, mentions: [String]) {
        InventoryFixtures.expectOneLineError(
            InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }, file: name,
            mentions: mentions)
    }
}

@Suite struct PyLockTests {
    static func parse(_ name: String) throws(InventoryError) -> Inventory {
        try InventoryFixtures.parse("pylock", name, as: .pylock)
    }

    @Test func empty() throws {
        #expect(try Self.parse("empty.toml").dependencies.isEmpty)
    }

    @Test func onePackage() throws {
        let d = try #require(try Self.parse("one-package.toml").dependencies.first)
        #expect(d.name == "attrs" && d.version == "25.1.0")
        #expect(d.hashes == ["sha256:c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a"])
        #expect(d.location?.line == 6)
    }

    @Test func realistic() throws {
        let inventory = try Self.parse("realistic.toml")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == [
                "attrs==25.1.0", "cattrs==24.1.2", "numpy==2.2.3", "tomli==2.2.1", "mylib==1.0.0", "tarball",
            ])
        #expect(inventory.dependencies[2].hashes.count == 2)
        #expect(inventory.dependencies[3].marker == "python_version < \"3.11\"")
        #expect(
            inventory.dependencies[4].url
                == "git+https://github.com/example/mylib.git@0123456789abcdef0123456789abcdef01234567")
        #expect(inventory.dependencies[5].url == "https://example.com/tarball-1.0.tar.gz")
        #expect(inventory.skipped.map(\.dependency.name) == ["myproject"])
        #expect(inventory.dependencies.map { $0.location?.line } == [7, 20, 31, 40, 47, 52])
    }

    @Test func versionMayBeLeftOut() throws {
        let d = try #require(try Self.parse("missing-version.toml").dependencies.first)
        #expect(d.name == "attrs" && d.version == nil && !d.isPinned)
    }

    @Test(arguments: [
        ("not-toml.toml", [":2:", "not valid TOML"]),
        ("missing-lock-version.toml", ["lock-version: missing"]),
        ("unsupported-version.toml", [":1:", "lock-version", "unsupported"]),
        ("missing-packages.toml", ["packages: missing"]),
        ("missing-hashes.toml", [":5:", "packages[0].wheels[0].hashes: missing"]),
        ("missing-name.toml", ["packages[0].name: missing"]),
    ])
    func malformed(name: String, mentions: [String]) {
        InventoryFixtures.expectOneLineError(
            InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }, file: name,
            mentions: mentions)
    }
}

@Suite struct PipfileLockTests {
    static func parse(_ name: String) throws(InventoryError) -> Inventory {
        try InventoryFixtures.parse("pipfile-lock", name, as: .pipfileLock)
    }

    @Test func empty() throws {
        #expect(try Self.parse("empty.json").dependencies.isEmpty)
    }

    @Test func onePackage() throws {
        let d = try #require(try Self.parse("one-package.json").dependencies.first)
        #expect(d.name == "six" && d.version == "1.16.0" && d.hashes.count == 2)
        #expect(d.marker == "python_version >= \"2.7\" and python_version not in \"3.0, 3.1, 3.2\"")
        #expect(d.location?.line == 19)
    }

    @Test func realisticInFileOrderWithDevelop() throws {
        let inventory = try Self.parse("realistic.json")
        #expect(
            InventoryFixtures.pins(inventory.dependencies) == [
                "requests==2.31.0", "certifi==2024.2.2", "socks==0.0.1", "mylib", "pytest==8.0.0",
            ])
        #expect(inventory.dependencies.map { $0.location?.line } == [19, 31, 39, 43, 53])
        #expect(inventory.dependencies[0].extras == ["socks"])
        #expect(
            inventory.dependencies[3].url
                == "git+https://github.com/example/mylib.git@0123456789abcdef0123456789abcdef01234567")
        #expect(inventory.skipped.map(\.dependency.name) == ["myproject"])
    }

    @Test(arguments: [
        ("not-json.json", [":4:", "not valid JSON"]),
        ("missing-sections.json", ["default: missing"]),
        ("not-pinned.json", [":3:", "default.six.version: not an exact pin"]),
        ("bad-hashes-type.json", [":3:", "default.six.hashes: expected an array of strings"]),
        ("not-object.json", [":1:", "expected a JSON object"]),
    ])
    func malformed(name: String, mentions: [String]) {
        InventoryFixtures.expectOneLineError(
            InventoryFixtures.error { () throws(InventoryError) in try Self.parse(name) }, file: name,
            mentions: mentions)
    }
}
