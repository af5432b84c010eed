/// `uv.lock`: `[[package]]` tables with `name`, `version`, `source = { registry | git | url | path | directory |
/// editable | virtual }`, `sdist = { url, hash }` and `wheels = [{ url, hash }]`. Packages from the project's own
/// tree (`editable`, `virtual`, `directory`) are reported as skipped.
package enum UVLock {
    package static func parse(text: String, path: String) throws(InventoryError) -> Inventory {
        let doc = try TOMLDocument(text: text, file: path)
        var inventory = Inventory(sources: [path])
        for package in try doc.packageTables("package", required: false) {
            let name = try package.name()
            let version = try package.optionalString("version")
            var url: String?
            if let source = try package.optionalTable("source") {
                if let local = try source.firstString("editable", "virtual", "directory") {
                    inventory.skipped.append(
                        localProjectSkip(
                            name: name, version: version, path: local, location: package.location,
                            editable: source.values["editable"] != nil))
                    continue
                }
                if let git = try source.optionalString("git") {
                    url = "git+\(git)"
                } else if let direct = try source.firstString("url", "path") {
                    url = direct
                }
            }
            guard let version else { throw package.fail("version", "missing") }
            var hashes: [String] = []
            if let sdist = try package.optionalTable("sdist"), let h = try sdist.hash() { hashes.append(h) }
            for wheel in try package.optionalTables("wheels") ?? [] {
                if let h = try wheel.hash() { hashes.append(h) }
            }
            inventory.dependencies.append(
                Dependency(name: name, version: version, url: url, hashes: hashes, location: package.location))
        }
        return inventory
    }
}
