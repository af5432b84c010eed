import PythonPackaging

/// One table of a lockfile (a `[[package]]` entry, a `sdist = {…}`), with typed access that fails with the file,
/// the line and the key path (`package[3].version`) of whatever is missing or of the wrong type.
struct LockTable {
    let values: [String: TOMLDocument.Value]
    /// The key path of this table, e.g. `package[3]`.
    let path: String
    let location: SourceLocation

    func fail(_ key: String, _ message: String) -> InventoryError {
        .badKey(location: location, key: path.isEmpty ? key : "\(path).\(key)", message: message)
    }

    func string(_ key: String) throws(InventoryError) -> String {
        guard let value = values[key] else { throw fail(key, "missing") }
        guard let s = value.string else { throw fail(key, "expected a string, found \(value.typeName)") }
        return s
    }

    func optionalString(_ key: String) throws(InventoryError) -> String? {
        guard let value = values[key] else { return nil }
        guard let s = value.string else { throw fail(key, "expected a string, found \(value.typeName)") }
        return s
    }

    /// The first of `keys` that is present (each must be a string when present).
    func firstString(_ keys: String...) throws(InventoryError) -> String? {
        for key in keys {
            if let s = try optionalString(key) { return s }
        }
        return nil
    }

    /// The first of `keys` that is present; throws naming them all when none is.
    func requiredString(anyOf keys: String...) throws(InventoryError) -> String {
        for key in keys {
            if let s = try optionalString(key) { return s }
        }
        throw fail(keys.joined(separator: "|"), "missing")
    }

    func optionalBool(_ key: String) throws(InventoryError) -> Bool? {
        guard let value = values[key] else { return nil }
        guard let b = value.bool else { throw fail(key, "expected a boolean, found \(value.typeName)") }
        return b
    }

    func optionalTable(_ key: String) throws(InventoryError) -> LockTable? {
        guard let value = values[key] else { return nil }
        guard let t = value.table else { throw fail(key, "expected a table, found \(value.typeName)") }
        return LockTable(values: t, path: path.isEmpty ? key : "\(path).\(key)", location: location)
    }

    /// An array of tables (each element must be a table).
    func optionalTables(_ key: String) throws(InventoryError) -> [LockTable]? {
        guard let value = values[key] else { return nil }
        guard let array = value.array else { throw fail(key, "expected an array, found \(value.typeName)") }
        var out: [LockTable] = []
        for (i, element) in array.enumerated() {
            guard let t = element.table else {
                throw fail("\(key)[\(i)]", "expected a table, found \(element.typeName)")
            }
            out.append(
                LockTable(values: t, path: path.isEmpty ? "\(key)[\(i)]" : "\(path).\(key)[\(i)]", location: location))
        }
        return out
    }

    func optionalStrings(_ key: String) throws(InventoryError) -> [String]? {
        guard let value = values[key] else { return nil }
        guard let array = value.array else { throw fail(key, "expected an array, found \(value.typeName)") }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            guard let s = element.string else {
                throw fail("\(key)[\(i)]", "expected a string, found \(element.typeName)")
            }
            out.append(s)
        }
        return out
    }

    /// A project name as a lockfile records it; must be a valid PEP 508 name.
    func name(_ key: String = "name") throws(InventoryError) -> String {
        let name = try string(key)
        guard PackageName.isValid(name) else { throw fail(key, "\(name.quotedForMessage) is not a valid project name") }
        return name
    }

    /// An environment marker; must parse.
    func marker(_ key: String) throws(InventoryError) -> Marker? {
        guard let text = try optionalString(key) else { return nil }
        do {
            return try Marker(text)
        } catch {
            throw fail(key, error.description)
        }
    }

    /// `algorithm:hex` from a `hash = "sha256:…"` string.
    func hash(_ key: String = "hash") throws(InventoryError) -> String? {
        guard let hash = try optionalString(key) else { return nil }
        guard let colon = hash.firstIndex(of: ":"), colon != hash.startIndex, hash.index(after: colon) != hash.endIndex
        else {
            throw fail(key, "expected algorithm:digest, found \(hash.quotedForMessage)")
        }
        return hash
    }
}

/// The array of `[[name]]` tables at the root of a lockfile, each with the line of its `name = …` key.
extension TOMLDocument {
    func packageTables(_ key: String, required: Bool) throws(InventoryError) -> [LockTable] {
        guard let value = root[key] else {
            if required { throw InventoryError.badKey(location: location(nil), key: key, message: "missing") }
            return []
        }
        guard let array = value.array else {
            throw InventoryError.badKey(
                location: location(tableLine(key)), key: key,
                message: "expected an array of tables, found \(value.typeName)")
        }
        let headers = arrayTableLines(key)
        var tables: [LockTable] = []
        for (i, element) in array.enumerated() {
            let header = i < headers.count ? headers[i] : nil
            let line = header.flatMap { keyLine("name", afterHeader: $0) } ?? header
            guard let t = element.table else {
                throw InventoryError.badKey(
                    location: location(line), key: "\(key)[\(i)]",
                    message: "expected a table, found \(element.typeName)")
            }
            tables.append(LockTable(values: t, path: "\(key)[\(i)]", location: location(line)))
        }
        return tables
    }
}

/// A package that comes from the user's own source tree (a directory, an editable or virtual project): nothing to
/// look up in an index.
func localProjectSkip(name: String, version: String?, path: String?, location: SourceLocation, editable: Bool = false)
    -> SkippedDependency
{
    SkippedDependency(
        dependency: Dependency(name: name, version: version, url: path, editable: editable, location: location),
        reason: "local project\(path.map { " at \($0)" } ?? ""): not checked (it is built from your own source)")
}
