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
        var writer = JSONWriter()
        write(to: &writer)
        return writer.document
    }

    /// Writes this value where `writer` expects one.
    package func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .int(let value): writer.int(value)
        case .number(let value): writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let items):
            writer.beginArray()
            for item in items {
                writer.element()
                item.write(to: &writer)
            }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for (key, value) in members {
                writer.key(key)
                value.write(to: &writer)
            }
            writer.endObject()
        }
    }

    /// Integral values without a fraction (`60`), others in Swift's shortest round-trip form (`7.5`); non-finite
    /// values, which JSON cannot hold, as null.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
