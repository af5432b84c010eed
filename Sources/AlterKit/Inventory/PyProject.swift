import PythonPackaging

/// `pyproject.toml`: PEP 621 `[project] dependencies` and `optional-dependencies`, PEP 735 `[dependency-groups]`
/// (with `{include-group = "…"}` checked for unknown groups and cycles), and Poetry's
/// `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]` and `[tool.poetry.group.NAME.dependencies]`
/// (constraints converted to PEP 440; the `python` entry is the interpreter, not a package).
///
/// Every entry is listed once, where it is written; a group that includes another does not repeat its entries.
package enum PyProject {
    package static func parse(text: String, path: String, context: InventoryContext) throws(InventoryError)
        -> Inventory
    {
        let doc = try TOMLDocument(text: text, file: path)
        var reader = Reader(doc: doc, context: context)
        try reader.read()
        return reader.inventory
    }

    private struct Reader {
        let doc: TOMLDocument
        let context: InventoryContext
        var inventory: Inventory
        /// Where the search for the next entry's line starts (entries are read in file order within a section).
        var cursor = 1

        init(doc: TOMLDocument, context: InventoryContext) {
            self.doc = doc
            self.context = context
            inventory = Inventory(sources: [doc.file])
        }

        mutating func read() throws(InventoryError) {
            let root = LockTable(values: doc.root, path: "", location: doc.location(nil))
            if let project = try root.optionalTable("project") {
                try readProject(project)
            }
            if let groups = try root.optionalTable("dependency-groups") {
                try readDependencyGroups(groups)
            }
            if let poetry = try root.optionalTable("tool")?.optionalTable("poetry") {
                try readPoetry(poetry)
            }
        }

        // MARK: PEP 508 string arrays

        mutating func requirements(
            _ strings: [String], key: String, sectionLine: Int?, direct: Bool = true
        ) throws(InventoryError) {
            cursor = sectionLine ?? 1
            for (i, string) in strings.enumerated() {
                let line = doc.lineQuoting(string, from: cursor)
                if let line { cursor = line }
                let location = doc.location(line ?? sectionLine)
                do {
                    let requirement = try Requirement(string)
                    inventory.dependencies.append(
                        Dependency(requirement: requirement, location: location, direct: direct))
                } catch {
                    throw .badKey(location: location, key: "\(key)[\(i)]", message: error.description)
                }
            }
        }

        mutating func readProject(_ project: LockTable) throws(InventoryError) {
            let header = doc.tableLine("project")
            if let dynamic = try project.optionalStrings("dynamic"),
                dynamic.contains("dependencies") || dynamic.contains("optional-dependencies")
            {
                context.diagnostics.warning(
                    "\(doc.file): [project] declares its dependencies dynamic: they are not listed in this file "
                        + "(scan the requirements file or the installed environment instead)")
            }
            if let dependencies = try project.optionalStrings("dependencies") {
                try requirements(dependencies, key: "project.dependencies", sectionLine: header)
            }
            if let optional = try project.optionalTable("optional-dependencies") {
                let optionalHeader = doc.tableLine("project.optional-dependencies") ?? header
                for extra in inFileOrder(optional.values.keys, header: optionalHeader) {
                    guard let strings = try optional.optionalStrings(extra) else { continue }
                    let line = doc.keyLine(extra, afterHeader: optionalHeader ?? 0) ?? optionalHeader
                    try requirements(strings, key: "project.optional-dependencies.\(extra)", sectionLine: line)
                }
            }
        }

        /// Keys in the order they are written after `header` (TOMLKit hands tables back sorted by key); keys it
        /// cannot place (inline tables) come last, by name.
        func inFileOrder(_ keys: Dictionary<String, TOMLDocument.Value>.Keys, header: Int?) -> [String] {
            keys.map { ($0, doc.keyLine($0, afterHeader: header ?? 0) ?? Int.max) }
                .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
                .map(\.0)
        }

        // MARK: PEP 735

        mutating func readDependencyGroups(_ groups: LockTable) throws(InventoryError) {
            let header = doc.tableLine("dependency-groups")
            var byName: [String: String] = [:]
            for name in groups.values.keys {
                let normalized = PackageName.normalize(name)
                if let other = byName[normalized] {
                    throw groupError(name, "duplicate group name (same as \(other.quotedForMessage) once normalised)")
                }
                byName[normalized] = name
            }
            for name in inFileOrder(groups.values.keys, header: header) {
                guard let entries = groups.values[name]?.array else {
                    throw groupError(name, "expected an array")
                }
                // Includes must name existing groups and must not lead back here.
                try checkIncludes(from: name, groups: groups, byName: byName, chain: [])
                let line = doc.keyLine(name, afterHeader: header ?? 0) ?? header
                var strings: [String] = []
                for (i, entry) in entries.enumerated() {
                    if let s = entry.string {
                        strings.append(s)
                    } else if entry.table?["include-group"]?.string == nil || entry.table?.count != 1 {
                        throw .badKey(
                            location: doc.location(line), key: "dependency-groups.\(name)[\(i)]",
                            message: "expected a requirement string or {include-group = \"…\"}")
                    }
                }
                try requirements(strings, key: "dependency-groups.\(name)", sectionLine: line)
            }
        }

        /// An error about group `name`, at the line of its key.
        func groupError(_ name: String, _ message: String) -> InventoryError {
            let header = doc.tableLine("dependency-groups")
            let line = doc.keyLine(name, afterHeader: header ?? 0) ?? header
            return .badKey(location: doc.location(line), key: "dependency-groups.\(name)", message: message)
        }

        func checkIncludes(from name: String, groups: LockTable, byName: [String: String], chain: [String])
            throws(InventoryError)
        {
            if chain.contains(name) {
                let cycle = (chain.drop { $0 != name } + [name]).joined(separator: " -> ")
                throw groupError(name, "include-group cycle: \(cycle)")
            }
            for entry in groups.values[name]?.array ?? [] {
                guard let included = entry.table?["include-group"]?.string else { continue }
                guard let target = byName[PackageName.normalize(included)] else {
                    throw groupError(name, "includes unknown group \(included.quotedForMessage)")
                }
                try checkIncludes(from: target, groups: groups, byName: byName, chain: chain + [name])
            }
        }

        // MARK: Poetry

        mutating func readPoetry(_ poetry: LockTable) throws(InventoryError) {
            if let main = try poetry.optionalTable("dependencies") {
                try poetryDependencies(main, header: "tool.poetry.dependencies")
            }
            if let dev = try poetry.optionalTable("dev-dependencies") {
                try poetryDependencies(dev, header: "tool.poetry.dev-dependencies")
            }
            if let groups = try poetry.optionalTable("group") {
                for group in groups.values.keys.sorted() {
                    guard let table = try groups.optionalTable(group)?.optionalTable("dependencies") else { continue }
                    try poetryDependencies(table, header: "tool.poetry.group.\(group).dependencies")
                }
            }
        }

        mutating func poetryDependencies(_ table: LockTable, header: String) throws(InventoryError) {
            let headerLine = doc.tableLine(header)
            for name in inFileOrder(table.values.keys, header: headerLine) where name.lowercased() != "python" {
                let line = doc.keyLine(name, afterHeader: headerLine ?? 0) ?? headerLine
                let location = doc.location(line)
                let key = "\(header).\(name)"
                guard PackageName.isValid(name) else {
                    throw .badKey(location: location, key: key, message: "not a valid project name")
                }
                let value = table.values[name]!
                let specs: [TOMLDocument.Value] = value.array ?? [value]
                for spec in specs {
                    try poetryDependency(name: name, spec: spec, key: key, location: location)
                }
            }
        }

        mutating func poetryDependency(name: String, spec: TOMLDocument.Value, key: String, location: SourceLocation)
            throws(InventoryError)
        {
            let entry: LockTable
            if let constraint = spec.string {
                entry = LockTable(values: ["version": .string(constraint)], path: key, location: location)
            } else if let t = spec.table {
                entry = LockTable(values: t, path: key, location: location)
            } else {
                throw .badKey(location: location, key: key, message: "expected a version string or a table")
            }
            let extras = Dependency.normalizedExtras(try entry.optionalStrings("extras") ?? [])
            let marker = try entry.marker("markers")?.description
            if let local = try entry.optionalString("path") {
                if !RequirementLine.isArchive(local) {
                    inventory.skipped.append(
                        localProjectSkip(
                            name: name, version: nil, path: local, location: location,
                            editable: try entry.optionalBool("develop") ?? false))
                    return
                }
            }
            var url: String?
            if let git = try entry.optionalString("git") {
                let ref = try entry.firstString("rev", "tag", "branch")
                url = "git+\(git)" + (ref.map { "@\($0)" } ?? "")
            } else if let direct = try entry.firstString("url", "path") {
                url = direct
            }
            var specifier = ""
            var version: String?
            if let constraint = try entry.optionalString("version") {
                do {
                    let converted = try PoetryConstraint.convert(constraint)
                    specifier = converted.specifier
                    version = converted.pinned
                } catch .union {
                    context.diagnostics.warning(
                        "\(location): \(name) \(constraint.quotedForMessage): a union of constraints has no PEP 440 "
                            + "form; reported as unpinned without a specifier")
                } catch {
                    throw .badKey(
                        location: location, key: "\(key).version",
                        message: "invalid Poetry constraint \(constraint.quotedForMessage)")
                }
            }
            inventory.dependencies.append(
                Dependency(
                    name: name, version: version, specifier: specifier, extras: extras, marker: marker, url: url,
                    location: location, direct: true))
        }
    }
}
