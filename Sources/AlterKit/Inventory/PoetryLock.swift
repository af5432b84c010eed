import PythonPackaging

/// `poetry.lock`: `[[package]]` tables with `name`, `version`, `files = [{file, hash}]` (lock 2.x) or
/// `[metadata.files]` (lock 1.x), optional `markers` and `[package.source]` (git, url, file, directory, legacy).
package enum PoetryLock {
    package static func parse(text: String, path: String) throws(InventoryError) -> Inventory {
        let doc = try TOMLDocument(text: text, file: path)
        var inventory = Inventory(sources: [path])
        let legacyFiles = doc.root["metadata"]?["files"]?.table ?? [:]
        for package in try doc.packageTables("package", required: false) {
            let name = try package.name()
            let version = try package.string("version")
            var hashes: [String] = []
            if let files = try package.optionalTables("files") {
                for file in files { if let h = try file.hash() { hashes.append(h) } }
            } else if let legacy = legacyFiles[name]?.array {
                for entry in legacy { if let h = entry["hash"]?.string { hashes.append(h) } }
            }
            // Poetry 2 may record markers per group (a table); a plain string is the one marker that applies.
            let marker = package.values["markers"]?.string.flatMap { try? Marker($0) }?.description
            var url: String?
            if let source = try package.optionalTable("source") {
                let type = try source.optionalString("type") ?? ""
                let sourceURL = try source.optionalString("url")
                switch type {
                case "git":
                    let ref = try source.firstString("resolved_reference", "reference")
                    url = sourceURL.map { "git+\($0)" + (ref.map { "@\($0)" } ?? "") }
                case "directory":
                    let develop = try package.optionalBool("develop") ?? false
                    inventory.skipped.append(
                        localProjectSkip(
                            name: name, version: version, path: sourceURL, location: package.location, editable: develop
                        ))
                    continue
                case "url", "file":
                    url = sourceURL
                default:
                    // "legacy" and friends are package indexes, not direct references.
                    break
                }
            }
            inventory.dependencies.append(
                Dependency(
                    name: name, version: version, marker: marker, url: url, hashes: hashes,
                    location: package.location))
        }
        return inventory
    }
}
