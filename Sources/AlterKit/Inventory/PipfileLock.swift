import Foundation
import PythonPackaging

/// `Pipfile.lock` (JSON): `default` and `develop` objects mapping names to `{version: "==x", hashes, markers,
/// extras}` or to direct references (`git` + `ref`, `file`, `path` + `editable`).
package enum PipfileLock {
    package static func parse(text: String, path: String) throws(InventoryError) -> Inventory {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Substring.init)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .invalid(
                location: SourceLocation(file: path, line: errorLine(error, text: text)), message: "not valid JSON")
        }
        guard let root = json as? [String: Any] else {
            throw .invalid(location: SourceLocation(file: path, line: 1), message: "expected a JSON object")
        }
        guard root["default"] != nil || root["develop"] != nil else {
            throw .badKey(location: SourceLocation(file: path), key: "default", message: "missing (and no develop)")
        }
        var inventory = Inventory(sources: [path])
        for section in ["default", "develop"] {
            guard let value = root[section] else { continue }
            let sectionLine = lineIndex(of: "\"\(section)\":", in: lines, from: 0)
            guard let packages = value as? [String: Any] else {
                throw .badKey(
                    location: SourceLocation(file: path, line: sectionLine.map { $0 + 1 }), key: section,
                    message: "expected an object")
            }
            let keyLines = objectKeyLines(lines, from: sectionLine ?? 0)
            // JSON objects have no order once parsed: list packages in the order the file writes them.
            let ordered = packages.keys.sorted { a, b in
                let la = keyLines[a] ?? Int.max
                let lb = keyLines[b] ?? Int.max
                return la == lb ? a < b : la < lb
            }
            for name in ordered {
                let line = keyLines[name].map { $0 + 1 }
                let location = SourceLocation(file: path, line: line)
                let key = "\(section).\(name)"
                guard let entry = packages[name] as? [String: Any] else {
                    throw .badKey(location: location, key: key, message: "expected an object")
                }
                guard PackageName.isValid(name) else {
                    throw .badKey(location: location, key: key, message: "not a valid project name")
                }
                func string(_ field: String) throws(InventoryError) -> String? {
                    guard let v = entry[field] else { return nil }
                    guard let s = v as? String else {
                        throw .badKey(location: location, key: "\(key).\(field)", message: "expected a string")
                    }
                    return s
                }
                func strings(_ field: String) throws(InventoryError) -> [String] {
                    guard let v = entry[field] else { return [] }
                    guard let a = v as? [String] else {
                        throw .badKey(
                            location: location, key: "\(key).\(field)", message: "expected an array of strings")
                    }
                    return a
                }
                let markerText = try string("markers")
                var marker: String?
                if let markerText {
                    do {
                        marker = try Marker(markerText).description
                    } catch {
                        throw .badKey(location: location, key: "\(key).markers", message: error.description)
                    }
                }
                let extras = Dependency.normalizedExtras(try strings("extras"))
                let hashes = try strings("hashes")
                let editable = entry["editable"] as? Bool ?? false
                if let local = try string("path"), !RequirementLine.isArchive(local) {
                    inventory.skipped.append(
                        localProjectSkip(name: name, version: nil, path: local, location: location, editable: editable))
                    continue
                }
                var url: String?
                if let git = try string("git") {
                    url = "git+\(git)" + ((try string("ref")).map { "@\($0)" } ?? "")
                } else if let file = try string("file") {
                    url = file
                } else if let file = try string("path") {
                    url = file
                }
                let specifier = try string("version") ?? ""
                var version: String?
                if specifier.hasPrefix("==="), specifier.count > 3 {
                    version = String(specifier.dropFirst(3))
                } else if specifier.hasPrefix("=="), specifier.count > 2, !specifier.hasSuffix(".*"),
                    !specifier.contains(",")
                {
                    version = String(specifier.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                }
                if version == nil && url == nil {
                    throw .badKey(
                        location: location, key: "\(key).version",
                        message: specifier.isEmpty ? "missing" : "not an exact pin: \(specifier.quotedForMessage)")
                }
                inventory.dependencies.append(
                    Dependency(
                        name: name, version: version, specifier: version == nil ? specifier : "", extras: extras,
                        marker: marker, url: url, editable: editable, hashes: hashes, location: location))
            }
        }
        return inventory
    }

    /// The 0-based index of the first line at or after `start` containing `needle`.
    private static func lineIndex(of needle: String, in lines: [Substring], from start: Int) -> Int? {
        var i = start
        while i < lines.count {
            if lines[i].contains(needle) { return i }
            i += 1
        }
        return nil
    }

    /// For each `"key": {` line at or after `start`, the 0-based index of its first occurrence.
    private static func objectKeyLines(_ lines: [Substring], from start: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        var i = start
        while i < lines.count {
            let trimmed = lines[i].drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("\""), let close = trimmed.dropFirst().firstIndex(of: "\"") {
                let key = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                let rest = trimmed[trimmed.index(after: close)...].drop { $0 == " " }
                if rest.hasPrefix(":"), out[key] == nil { out[key] = i }
            }
            i += 1
        }
        return out
    }

    /// The line of a JSON syntax error, from the character offset Foundation mentions
    /// ("Invalid value around character 59.").
    private static func errorLine(_ error: any Error, text: String) -> Int? {
        let info = (error as NSError).userInfo
        let offset: Int?
        if let index = info["NSJSONSerializationErrorIndex"] as? Int {
            offset = index
        } else if let message = info[NSDebugDescriptionErrorKey] as? String,
            let range = message.range(of: "character ")
        {
            offset = Int(message[range.upperBound...].prefix { $0.isNumber })
        } else {
            offset = nil
        }
        guard let offset else { return nil }
        let utf8 = Array(text.utf8)
        return utf8.prefix(min(max(offset, 0), utf8.count)).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
