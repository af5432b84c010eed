import Foundation

/// A JSON document with object keys in the order they were built, so that every report renders byte-for-byte the
/// same for the same input (Foundation's serialiser orders keys arbitrarily or alphabetically).
package indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// An array of `count` items made one at a time while it is written: a report's hundreds of thousands of
    /// results are never all held as trees at once (the tree of one lives only while it is written).
    case generated(count: Int, item: @Sendable (Int) -> JSONValue)

    package static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }
    package func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// A string, or null.
    package static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    /// A number, or null.
    package static func optional(_ number: Double?) -> JSONValue { number.map { .number($0) } ?? .null }
    /// An array of strings.
    package static func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }

    /// Pretty-printed with two-space indentation and a final newline.
    package func rendered() -> String {
        var out = ""
        write(to: &out, indent: 0)
        out.append("\n")
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out.append("null")
        case .bool(let value): out.append(value ? "true" : "false")
        case .int(let value): out.append(String(value))
        case .number(let value): out.append(Self.format(value))
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let items): Self.writeArray(count: items.count, item: { items[$0] }, to: &out, indent: indent)
        case .generated(let count, let item): Self.writeArray(count: count, item: item, to: &out, indent: indent)
        case .object(let members):
            if members.isEmpty {
                out.append("{}")
                return
            }
            out.append("{\n")
            for (index, (key, value)) in members.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                Self.writeString(key, to: &out)
                out.append(": ")
                value.write(to: &out, indent: indent + 2)
                out.append(index == members.count - 1 ? "\n" : ",\n")
            }
            out.append(String(repeating: " ", count: indent) + "}")
        }
    }

    private static func writeArray(count: Int, item: (Int) -> JSONValue, to out: inout String, indent: Int) {
        if count == 0 {
            out.append("[]")
            return
        }
        out.append("[\n")
        for index in 0..<count {
            out.append(String(repeating: " ", count: indent + 2))
            item(index).write(to: &out, indent: indent + 2)
            out.append(index == count - 1 ? "\n" : ",\n")
        }
        out.append(String(repeating: " ", count: indent) + "]")
    }

    /// Integral values without a fraction (`60`), others in Swift's shortest round-trip form (`7.5`); non-finite
    /// values, which JSON cannot hold, as null.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func writeString(_ text: String, to out: inout String) {
        out.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                out.append(String(format: "\\u%04x", scalar.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}
