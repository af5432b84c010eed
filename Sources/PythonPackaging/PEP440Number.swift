/// A non-negative integer of any size, as PEP 440 version segments allow (`1.20240101123456789012345`).
///
/// Values that fit in 64 bits are held as a `UInt64`; larger ones as their decimal digits without leading zeros,
/// so comparison never overflows and the representation of each value is unique (derived `Hashable` is correct).
package struct PEP440Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value when it fits in 64 bits (`big == nil`); unused otherwise.
    private var small: UInt64
    /// Decimal digits without leading zeros when the value exceeds `UInt64.max`.
    private var big: String?

    /// CPython refuses to convert decimal strings longer than this (`sys.get_int_max_str_digits()`), so
    /// `packaging` raises on them; we reject them the same way.
    static let maximumDigits = 4300

    package static let zero = PEP440Number(0)

    package init(_ value: UInt64) {
        small = value
        big = nil
    }

    /// Parses ASCII digits (the caller has checked they are digits); `nil` when longer than `maximumDigits`.
    init?(digits: UnsafeBufferPointer<UInt8>.SubSequence) {
        guard digits.count <= Self.maximumDigits else { return nil }
        var start = digits.startIndex
        while start < digits.endIndex - 1 && digits[start] == UInt8(ascii: "0") { start += 1 }
        let significant = digits[start...]
        if significant.count <= 19 {
            var value: UInt64 = 0
            for byte in significant { value = value &* 10 &+ UInt64(byte &- UInt8(ascii: "0")) }
            self.init(value)
            return
        }
        if significant.count == 20 {
            var value: UInt64 = 0
            var overflow = false
            for byte in significant {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                value = sum
            }
            if !overflow {
                self.init(value)
                return
            }
        }
        self.init(bigDigits: String(decoding: significant, as: UTF8.self))
    }

    private init(bigDigits: String) {
        small = .max
        big = bigDigits
    }

    /// Parses a string of ASCII digits; `nil` for anything else.
    package init?(_ text: String) {
        var text = text
        let parsed: PEP440Number?? = text.withUTF8 { buffer in
            guard !buffer.isEmpty, buffer.allSatisfy(PEP440Syntax.isDigit) else { return .none }
            return .some(PEP440Number(digits: buffer[...]))
        }
        guard let parsed, let parsed else { return nil }
        self = parsed
    }

    package var isZero: Bool { big == nil && small == 0 }

    package var description: String { big ?? String(small) }

    package static func < (a: PEP440Number, b: PEP440Number) -> Bool {
        switch (a.big, b.big) {
        case (nil, nil): return a.small < b.small
        case (nil, _): return true
        case (_, nil): return false
        case (let x?, let y?):
            if x.utf8.count != y.utf8.count { return x.utf8.count < y.utf8.count }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
    }
}
