import Foundation

/// Best-effort line numbers of keys in a TOML text, so that a configuration error can say where the key is.
/// The TOML library reports lines for syntax errors only; this scans table headers and `key =` lines. Keys inside
/// inline tables or arrays of tables map to the line of their nearest enclosing key.
struct TOMLKeyLines: Sendable {
    /// (full dotted path, 1-based line) for every header and key assignment, in file order.
    private var entries: [(path: [String], line: Int)] = []

    init(text: String) {
        var header: [String] = []
        var inMultiline: String? = nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let delimiter = inMultiline {
                if line.contains(delimiter) { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let open = isArray ? 2 : 1
                guard let close = line.range(of: isArray ? "]]" : "]") else { continue }
                let inner = line[line.index(line.startIndex, offsetBy: open)..<close.lowerBound]
                header = Self.splitKey(String(inner))
                entries.append((header, index + 1))
                continue
            }
            guard let equals = Self.assignmentEquals(in: line) else { continue }
            let key = Self.splitKey(String(line[..<equals]))
            entries.append((header + key, index + 1))
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { inMultiline = delimiter }
            }
        }
    }

    /// The line of `path`, or of the longest prefix of it that was assigned or opened as a table.
    func line(of path: [String]) -> Int? {
        var best: (length: Int, line: Int)? = nil
        for entry in entries where entry.path.count <= path.count && Array(path.prefix(entry.path.count)) == entry.path
        {
            if best == nil || entry.path.count > best!.length { best = (entry.path.count, entry.line) }
        }
        return best?.line
    }

    /// The line of `key` inside the `index`-th (0-based) element of the array of tables at `arrayPath`: the
    /// `[[header]]` form gives each element its own lines; an inline array gives the line of the array.
    func line(ofKey key: String, inElement index: Int, of arrayPath: [String]) -> Int? {
        let headers = entries.indices.filter { entries[$0].path == arrayPath }
        guard headers.count > 1 || (headers.count == 1 && index == 0) else { return line(of: arrayPath) }
        guard index < headers.count else { return line(of: arrayPath) }
        let start = headers[index]
        var position = start + 1
        while position < entries.count, entries[position].path.count > arrayPath.count,
            Array(entries[position].path.prefix(arrayPath.count)) == arrayPath
        {
            if entries[position].path == arrayPath + [key] { return entries[position].line }
            position += 1
        }
        return entries[start].line
    }

    private static func assignmentEquals(in line: String) -> String.Index? {
        var quote: Character? = nil
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "=" {
                return index
            }
            index = line.index(after: index)
        }
        return nil
    }

    private static func splitKey(_ key: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character? = nil
        for c in key {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }
}
