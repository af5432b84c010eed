/// `pdm.lock`: `[[package]]` tables with `name`, `version`, `files = [{file | url, hash}]`, optional `marker`,
/// `extras`, and for direct references `git` + `revision`/`ref`, `url`, or `path` (+ `editable`).
package enum PDMLock {
    package static func parse(text: String, path: String) throws(InventoryError) -> Inventory {
        let doc = try TOMLDocument(text: text, file: path)
        var inventory = Inventory(sources: [path])
        for package in try doc.packageTables("package", required: false) {
            let name = try package.name()
            let version = try package.optionalString("version")
            if let local = try package.optionalString("path"), !RequirementLine.isArchive(local) {
                inventory.skipped.append(
                    localProjectSkip(
                        name: name, version: version, path: local, location: package.location,
                        editable: try package.optionalBool("editable") ?? false))
                continue
            }
            var url: String?
            if let git = try package.optionalString("git") {
                let revision = try package.firstString("revision", "ref")
                url = "git+\(git)" + (revision.map { "@\($0)" } ?? "")
            } else if let direct = try package.firstString("url", "path") {
                url = direct
            }
            guard let version else { throw package.fail("version", "missing") }
            var hashes: [String] = []
            for file in try package.optionalTables("files") ?? [] {
                if let h = try file.hash() { hashes.append(h) }
            }
            inventory.dependencies.append(
                Dependency(
                    name: name, version: version,
                    extras: Dependency.normalizedExtras(try package.optionalStrings("extras") ?? []),
                    marker: try package.marker("marker")?.description, url: url, hashes: hashes,
                    location: package.location))
        }
        return inventory
    }
}
