/// Writes pretty-printed JSON straight into UTF-8 bytes, in the layout `JSONValue.rendered()` has always had: two
/// spaces per level, `"key": value`, `[]`/`{}` when empty, a final newline added by the caller. Reports write
/// through it directly, without building a tree of values first.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Per open container: whether anything was written in it yet.
    private var started: [Bool] = []

    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The document as text, with its final newline.
    package var document: String {
        var out = bytes
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Containers

    package mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        started.append(false)
    }

    package mutating func endObject() { close(UInt8(ascii: "}")) }

    package mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        started.append(false)
    }

    package mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts an object member: the separator, indentation and `"key": `; the value follows.
    package mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
    }

    /// Starts an array element: the separator and indentation; the value follows.
    package mutating func element() { separate() }

    private mutating func separate() {
        if started[started.count - 1] {
            bytes.append(UInt8(ascii: ","))
        } else {
            started[started.count - 1] = true
        }
        bytes.append(UInt8(ascii: "\n"))
        indent(started.count)
    }

    private mutating func close(_ bracket: UInt8) {
        if started.removeLast() {
            bytes.append(UInt8(ascii: "\n"))
            indent(started.count)
        }
        bytes.append(bracket)
    }

    private mutating func indent(_ level: Int) {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    // MARK: Scalars

    package mutating func null() { bytes.append(contentsOf: "null".utf8) }

    package mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    package mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// Integral values without a fraction (`60`), others in Swift's shortest round-trip form (`7.5`); non-finite
    /// values, which JSON cannot hold, as null.
    package mutating func number(_ value: Double) { bytes.append(contentsOf: JSONValue.format(value).utf8) }

    package mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                let escape: String?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0..<0x20, 0x7F: escape = Self.unicodeEscape(UInt32(byte))
                case 0xE2
                where index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                    // U+2028 and U+2029: valid JSON, but not valid in JavaScript string literals.
                    escape = Self.unicodeEscape(utf8[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                default: escape = nil
                }
                guard let escape else {
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(contentsOf: escape.utf8)
                index += byte == 0xE2 ? 3 : 1
                start = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A string, or null.
    package mutating func optional(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// A number, or null.
    package mutating func optional(_ value: Double?) {
        if let value { number(value) } else { null() }
    }

    /// An array of strings.
    package mutating func strings(_ items: [String]) {
        beginArray()
        for item in items {
            element()
            string(item)
        }
        endArray()
    }

    // MARK: Members

    /// `"key": "text"`.
    package mutating func member(_ name: String, _ text: String) {
        key(name)
        string(text)
    }

    /// `"key": "text"` or `"key": null`.
    package mutating func member(_ name: String, _ text: String?) {
        key(name)
        optional(text)
    }

    /// `"key": number` or `"key": null`.
    package mutating func member(_ name: String, _ value: Double?) {
        key(name)
        optional(value)
    }

    /// `"key": true`.
    package mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `"key": 12`.
    package mutating func member(_ name: String, _ value: Int) {
        key(name)
        int(value)
    }

    /// `"key": ["a", "b"]`.
    package mutating func member(_ name: String, _ items: [String]) {
        key(name)
        strings(items)
    }

    /// `\u00XX`, lowercase hex, as the reports have always written it.
    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
