import Foundation
import TOMLKit

/// A parsed TOML document as plain Sendable values (TOMLKit's classes are neither Sendable nor value types), with
/// a light line index for the positions TOMLKit does not report: which line a table header, a key or a string
/// literal is on. Parse errors carry TOMLKit's line and column.
struct TOMLDocument: Sendable {
    /// One TOML value. Dates and times are kept as their text; no format we read needs them.
    indirect enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case datetime(String)
        case array([Value])
        case table([String: Value])

        var string: String? {
            if case .string(let s) = self { return s }
            return nil
        }
        var array: [Value]? {
            if case .array(let a) = self { return a }
            return nil
        }
        var table: [String: Value]? {
            if case .table(let t) = self { return t }
            return nil
        }
        var bool: Bool? {
            if case .bool(let b) = self { return b }
            return nil
        }

        subscript(key: String) -> Value? { table?[key] }

        var typeName: String {
            switch self {
            case .string: "string"
            case .integer: "integer"
            case .float: "float"
            case .bool: "boolean"
            case .datetime: "date-time"
            case .array: "array"
            case .table: "table"
            }
        }
    }

    let file: String
    let root: [String: Value]
    let lines: [Substring]

    /// Parses `text`; a syntax error becomes `InventoryError.invalid` at TOMLKit's line.
    init(text: String, file: String) throws(InventoryError) {
        self.file = file
        // Split on the scalar: a Swift Character keeps "\r\n" whole, and TOML counts lines by LF.
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Substring.init)
        do {
            // toml++ must only see structurally valid TOML (see TOMLStructure for why).
            try TOMLStructure.check(text)
        } catch {
            throw .invalid(
                location: SourceLocation(file: file, line: error.line),
                message: "not valid TOML: \(error.message) (column \(error.column))")
        }
        do {
            let table = try TOMLTable(string: text)
            root = Self.convert(table)
        } catch let error as TOMLParseError {
            throw .invalid(
                location: SourceLocation(file: file, line: error.source.begin.line),
                message: "not valid TOML: \(error.description) (column \(error.source.begin.column))")
        } catch {
            throw .invalid(location: SourceLocation(file: file), message: "not valid TOML: \(error)")
        }
    }

    private static func convert(_ table: TOMLTable) -> [String: Value] {
        var out: [String: Value] = [:]
        for key in table.keys {
            if let value = table[key] { out[key] = convert(value) }
        }
        return out
    }

    private static func convert(_ value: any TOMLValueConvertible) -> Value {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        default: return .datetime(value.debugDescription)
        }
    }

    // MARK: positions (a light text scan)

    private static func headerName(_ line: Substring) -> (name: String, arrayOfTables: Bool)? {
        var s = line.drop { $0 == " " || $0 == "\t" }
        guard s.hasPrefix("[") else { return nil }
        if let hash = s.firstIndex(of: "#") { s = s[..<hash] }
        s = Substring(s.trimmingCharacters(in: .whitespacesAndNewlines))
        let array = s.hasPrefix("[[") && s.hasSuffix("]]")
        let inner = array ? s.dropFirst(2).dropLast(2) : s.dropFirst().dropLast()
        guard s.hasSuffix("]") else { return nil }
        let name = inner.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
        return (name, array)
    }

    /// The 1-based lines of every `[[name]]` header, in order (the n-th is the n-th element of that array).
    func arrayTableLines(_ name: String) -> [Int] {
        lines.indices.compactMap { i in
            guard let header = Self.headerName(lines[i]), header.arrayOfTables, header.name == name else { return nil }
            return i + 1
        }
    }

    /// The 1-based line of the `[name]` header.
    func tableLine(_ name: String) -> Int? {
        lines.indices.first { i in
            guard let header = Self.headerName(lines[i]) else { return false }
            return !header.arrayOfTables && header.name == name
        }.map { $0 + 1 }
    }

    /// The line of `key = …` in the table whose header is on `headerLine` (before the next header), else nil.
    func keyLine(_ key: String, afterHeader headerLine: Int) -> Int? {
        var i = headerLine
        while i < lines.count {
            if Self.headerName(lines[i]) != nil { return nil }
            let trimmed = lines[i].drop { $0 == " " || $0 == "\t" }
            for spelling in [key, "\"\(key)\"", "'\(key)'"] where trimmed.hasPrefix(spelling) {
                let rest = trimmed.dropFirst(spelling.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// The first line at or after `line` (1-based) that contains `literal` in quotes (either kind).
    func lineQuoting(_ literal: String, from line: Int) -> Int? {
        let needles = ["\"\(literal)\"", "'\(literal)'"]
        var i = max(line - 1, 0)
        while i < lines.count {
            if needles.contains(where: { lines[i].contains($0) }) { return i + 1 }
            i += 1
        }
        return nil
    }

    func location(_ line: Int?) -> SourceLocation { SourceLocation(file: file, line: line) }
}
