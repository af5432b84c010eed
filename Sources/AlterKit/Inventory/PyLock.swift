/// `pylock.toml` / `pylock.NAME.toml` (PEP 751): `lock-version = "1.x"` and `[[packages]]` with `name`, `version`,
/// `marker`, and one source: `vcs`, `directory`, `archive`, or an index's `sdist` / `wheels` (each with
/// `hashes = { algorithm = "hex" }`).
package enum PyLock {
    package static func parse(text: String, path: String) throws(InventoryError) -> Inventory {
        let doc = try TOMLDocument(text: text, file: path)
        let root = LockTable(
            values: doc.root, path: "", location: doc.location(doc.keyLine("lock-version", afterHeader: 0)))
        let lockVersion = try root.string("lock-version")
        guard lockVersion.split(separator: ".").first == "1" else {
            throw root.fail(
                "lock-version", "unsupported lock version \(lockVersion.quotedForMessage) (1.x is supported)")
        }
        var inventory = Inventory(sources: [path])
        for package in try doc.packageTables("packages", required: true) {
            let name = try package.name()
            let version = try package.optionalString("version")
            let marker = try package.marker("marker")?.description
            if let directory = try package.optionalTable("directory") {
                inventory.skipped.append(
                    localProjectSkip(
                        name: name, version: version, path: try directory.string("path"), location: package.location,
                        editable: try directory.optionalBool("editable") ?? false))
                continue
            }
            var url: String?
            var hashes: [String] = []
            if let vcs = try package.optionalTable("vcs") {
                let type = try vcs.string("type")
                let commit = try vcs.string("commit-id")
                let repository = try vcs.requiredString(anyOf: "url", "path")
                url = "\(type)+\(repository)@\(commit)"
            } else if let archive = try package.optionalTable("archive") {
                url = try archive.requiredString(anyOf: "url", "path")
                hashes += try Self.hashes(archive)
            } else {
                if let sdist = try package.optionalTable("sdist") { hashes += try Self.hashes(sdist) }
                for wheel in try package.optionalTables("wheels") ?? [] { hashes += try Self.hashes(wheel) }
            }
            // PEP 751 lets the version out (it is then reported as unpinned).
            inventory.dependencies.append(
                Dependency(
                    name: name, version: version, marker: marker, url: url, hashes: hashes, location: package.location))
        }
        return inventory
    }

    /// `hashes = { sha256 = "…" }` → `["sha256:…"]` (required, at least one, by PEP 751).
    private static func hashes(_ table: LockTable) throws(InventoryError) -> [String] {
        guard let hashes = try table.optionalTable("hashes"), !hashes.values.isEmpty else {
            throw table.fail("hashes", "missing (PEP 751 requires at least one hash)")
        }
        var out: [String] = []
        for algorithm in hashes.values.keys.sorted() {
            guard let digest = hashes.values[algorithm]?.string else {
                throw hashes.fail(algorithm, "expected a string")
            }
            out.append("\(algorithm):\(digest)")
        }
        return out
    }
}
