import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct InventoryLoaderTests {
    @Test(arguments: [
        ("requirements.txt", InventoryLoader.Format.requirements), ("requirements-dev.txt", .requirements),
        ("reqs/requirements.in", .requirements), ("constraints.txt", .requirements),
        ("/a/b/pyproject.toml", .pyproject),
        ("poetry.lock", .poetryLock), ("uv.lock", .uvLock), ("Pipfile.lock", .pipfileLock), ("pylock.toml", .pylock),
        ("pylock.dev.toml", .pylock), ("pdm.lock", .pdmLock),
    ])
    func picksTheParserByName(path: String, format: InventoryLoader.Format) {
        #expect(InventoryLoader.format(of: path) == format)
    }

    @Test(arguments: ["Pipfile", "setup.py", "package.json", "pylock..toml", "yarn.lock", "requirements"])
    func unknownNamesAreAClearError(path: String) {
        #expect(InventoryLoader.format(of: path) == nil)
        let error = InventoryFixtures.error { () throws(InventoryError) in
            try InventoryLoader.load(path: path, context: InventoryContext())
        }
        InventoryFixtures.expectOneLineError(error, file: path, mentions: ["unknown input format"])
    }

    /// Every format through the one entry point, from files with their real names.
    @Test func loadsEachFormatByItsRealName() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copies: [(String, String, String)] = [
            ("poetry-lock", "one-package.lock", "poetry.lock"), ("uv-lock", "one-package.lock", "uv.lock"),
            ("pdm-lock", "one-package.lock", "pdm.lock"), ("pylock", "one-package.toml", "pylock.toml"),
            ("pipfile-lock", "one-package.json", "Pipfile.lock"), ("pyproject", "pep621.toml", "pyproject.toml"),
            ("requirements", "one-package.txt", "requirements.txt"),
        ]
        for (directory, fixture, realName) in copies {
            let target = dir.appendingPathComponent(realName)
            try FileManager.default.copyItem(atPath: InventoryFixtures.path(directory, fixture), toPath: target.path)
            let inventory = try InventoryLoader.load(path: target.path, context: InventoryContext())
            #expect(!inventory.dependencies.isEmpty, "\(realName)")
            #expect(inventory.sources == [target.path])
            #expect(inventory.dependencies.allSatisfy { $0.location?.file == target.path && $0.location?.line != nil })
        }
    }

    @Test func missingFileIsUnreadable() {
        let error = InventoryFixtures.error { () throws(InventoryError) in
            try InventoryLoader.load(path: "/nonexistent/uv.lock", context: InventoryContext())
        }
        InventoryFixtures.expectOneLineError(error, file: "/nonexistent/uv.lock", mentions: ["cannot read"])
    }
}
