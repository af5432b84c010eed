/// A small binary form for values the stores read on every scan (finding digests, cached verdicts): varint lengths,
/// UTF-8 strings, IEEE doubles by bit pattern. Read back by `CompactReader` without a JSON parser; a reader that
/// meets anything unexpected answers nil, and the caller treats the value as missing.
package struct CompactWriter {
    package var bytes: [UInt8] = []

    package init() {}

    package mutating func byte(_ value: UInt8) { bytes.append(value) }

    package mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func length(_ value: Int) {
        var rest = UInt(max(0, value))
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func string(_ text: String) {
        length(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    package mutating func optional(_ text: String?) { optional(text) { $0.string($1) } }

    package mutating func strings(_ items: [String]) {
        length(items.count)
        for item in items { string(item) }
    }

    package mutating func double(_ value: Double) {
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(bits & 0xFF))
            bits >>= 8
        }
    }

    package mutating func optional(_ value: Double?) { optional(value) { $0.double($1) } }

    /// A presence byte, then the value when there is one.
    private mutating func optional<Value>(_ value: Value?, _ write: (inout Self, Value) -> Void) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        write(&self, value)
    }
}

/// Reads what `CompactWriter` wrote, from a buffer that outlives the reader.
package struct CompactReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var position = 0

    package init(buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    package var atEnd: Bool { position == buffer.count }

    package mutating func byte() -> UInt8? {
        guard position < buffer.count else { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    package mutating func bool() -> Bool? {
        switch byte() {
        case 0: false
        case 1: true
        default: nil
        }
    }

    package mutating func length() -> Int? {
        var value = 0
        var shift = 0
        while let byte = byte() {
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value <= buffer.count ? value : nil }
            shift += 7
            if shift > 28 { return nil }
        }
        return nil
    }

    package mutating func string() -> String? {
        guard let count = length(), count <= buffer.count - position else { return nil }
        defer { position += count }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[position..<position + count]), as: UTF8.self)
    }

    /// `.some(nil)` for an absent value, nil for damaged bytes.
    package mutating func optional() -> String?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return string().map { .some($0) }
        default: return nil
        }
    }

    package mutating func strings() -> [String]? {
        guard let count = length() else { return nil }
        var out: [String] = []
        out.reserveCapacity(min(count, 64))
        for _ in 0..<count {
            guard let item = string() else { return nil }
            out.append(item)
        }
        return out
    }

    package mutating func double() -> Double? {
        guard buffer.count - position >= 8 else { return nil }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(buffer[position + index]) << (8 * index) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// `.some(nil)` for an absent value, nil for damaged bytes.
    package mutating func optionalDouble() -> Double?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return double().map { .some($0) }
        default: return nil
        }
    }
}
