/// The hand-written PEP 440 grammar, over UTF-8 bytes: the same language as `packaging` 26.2's
/// `VERSION_PATTERN` (possessive form, `re.IGNORECASE`) and its specifier pattern, without a regex engine.
///
/// Every optional part of the version pattern is possessive or atomic, so a greedy left-to-right scan that
/// restores its position when a part does not match accepts exactly what the regex accepts.
enum PEP440Syntax {
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 26 }

    /// Python's `\s` / `str.isspace()` for one Unicode scalar.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The byte length of the whitespace scalar starting at `index`, or 0.
    static func whitespaceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let lead = bytes[index]
        if lead < 0x80 { return (lead >= 0x09 && lead <= 0x0D) || (lead >= 0x1C && lead <= 0x20) ? 1 : 0 }
        guard let scalar = decodeScalar(bytes, at: index, end: end) else { return 0 }
        return isWhitespace(scalar.scalar) ? scalar.length : 0
    }

    /// The byte length of the whitespace scalar ending just before `end`, or 0.
    static func trailingWhitespaceLength(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int {
        let last = bytes[end - 1]
        if last < 0x80 { return (last >= 0x09 && last <= 0x0D) || (last >= 0x1C && last <= 0x20) ? 1 : 0 }
        // Walk back to the lead byte of the last scalar (at most 3 continuation bytes).
        var lead = end - 1
        while lead > start && bytes[lead] & 0xC0 == 0x80 && end - lead < 4 { lead -= 1 }
        guard let scalar = decodeScalar(bytes, at: lead, end: end), lead + scalar.length == end else { return 0 }
        return isWhitespace(scalar.scalar) ? scalar.length : 0
    }

    private static func decodeScalar(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int
    ) -> (scalar: Unicode.Scalar, length: Int)? {
        var iterator = bytes[index..<end].makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return nil }
        return (scalar, scalar.utf8.count)
    }

    /// `[start, end)` without Python whitespace at either end.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = 0
        var end = bytes.count
        while start < end {
            let length = whitespaceLength(bytes, at: start, end: end)
            if length == 0 { break }
            start += length
        }
        while end > start {
            let length = trailingWhitespaceLength(bytes, start: start, end: end)
            if length == 0 { break }
            end -= length
        }
        return start..<end
    }

    /// Case-insensitive (ASCII) match of `word` (lowercase) at `index`.
    private static func matches(_ word: StaticString, _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int)
        -> Bool
    {
        let count = word.utf8CodeUnitCount
        guard end - index >= count else { return false }
        let letters = word.utf8Start
        for offset in 0..<count where bytes[index + offset] | 0x20 != letters[offset] { return false }
        return true
    }

    /// The pre-release spellings in the pattern's order: `alpha|a|beta|b|preview|pre|c|rc`.
    private static let preSpellings: [(StaticString, Version.PreReleaseKind)] = [
        ("alpha", .alpha), ("a", .alpha), ("beta", .beta), ("b", .beta), ("preview", .releaseCandidate),
        ("pre", .releaseCandidate), ("c", .releaseCandidate), ("rc", .releaseCandidate),
    ]

    /// The outcome of reading a run of digits.
    private enum NumberScan {
        case absent, tooLong
        case value(PEP440Number)

        /// An absent number is an implicit 0 (`1.0a` is `1.0a0`); `nil` when too long.
        var valueOrZero: PEP440Number? {
            switch self {
            case .absent: .zero
            case .tooLong: nil
            case .value(let value): value
            }
        }
    }

    /// A failure: what was wrong, and at which byte offset of the input.
    struct Failure: Error {
        var message: String
    }

    /// Parses the version at `range` of `bytes` (already trimmed of whitespace). Every number is checked
    /// against CPython's digit limit.
    static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Result<Version, Failure> {
        let end = range.upperBound
        var index = range.lowerBound

        func failure(_ what: String) -> Result<Version, Failure> {
            if index >= end { return .failure(Failure(message: "\(what) at the end")) }
            let rest = String(decoding: bytes[index..<end], as: UTF8.self)
            let shown = rest.unicodeScalars.first.map { "\"\(String($0).debugDescription.dropFirst().dropLast())\"" }
            return .failure(Failure(message: "\(what) at \(shown ?? "?") (offset \(index - range.lowerBound))"))
        }

        /// Reads a run of digits at `index`.
        func number() -> NumberScan {
            let start = index
            while index < end && isDigit(bytes[index]) { index += 1 }
            if index == start { return .absent }
            guard let value = PEP440Number(digits: bytes[start..<index]) else { return .tooLong }
            return .value(value)
        }
        let tooLong = "a number longer than \(PEP440Number.maximumDigits) digits"

        if index < end && bytes[index] | 0x20 == UInt8(ascii: "v") { index += 1 }

        // Epoch and release.
        var first: PEP440Number
        switch number() {
        case .absent: return failure("expected a release number")
        case .tooLong: return failure(tooLong)
        case .value(let value): first = value
        }
        var epoch = PEP440Number.zero
        if index < end && bytes[index] == UInt8(ascii: "!") {
            epoch = first
            index += 1
            switch number() {
            case .absent: return failure("expected a release number after the epoch")
            case .tooLong: return failure(tooLong)
            case .value(let value): first = value
            }
        }
        var release = [first]
        while index + 1 < end && bytes[index] == UInt8(ascii: ".") && isDigit(bytes[index + 1]) {
            index += 1
            guard case .value(let part) = number() else { return failure(tooLong) }
            release.append(part)
        }

        // Pre-release: [._-]? (alpha|a|beta|b|preview|pre|c|rc) [._-]? [0-9]*
        var pre: Version.PreRelease?
        do {
            var cursor = index
            if cursor < end && isSeparator(bytes[cursor]) { cursor += 1 }
            if let (word, kind) = preSpellings.first(where: { matches($0.0, bytes, at: cursor, end: end) }) {
                index = cursor + word.utf8CodeUnitCount
                if index < end && isSeparator(bytes[index]) { index += 1 }
                guard let n = number().valueOrZero else { return failure(tooLong) }
                pre = Version.PreRelease(kind: kind, number: n)
            }
        }

        // Post-release: -[0-9]+ | [._-]? (post|rev|r) [._-]? [0-9]*
        var post: PEP440Number?
        if index + 1 < end && bytes[index] == UInt8(ascii: "-") && isDigit(bytes[index + 1]) {
            index += 1
            guard case .value(let value) = number() else { return failure(tooLong) }
            post = value
        } else {
            var cursor = index
            if cursor < end && isSeparator(bytes[cursor]) { cursor += 1 }
            let length =
                matches("post", bytes, at: cursor, end: end)
                ? 4
                : matches("rev", bytes, at: cursor, end: end) ? 3 : matches("r", bytes, at: cursor, end: end) ? 1 : 0
            if length > 0 {
                index = cursor + length
                if index < end && isSeparator(bytes[index]) { index += 1 }
                guard let n = number().valueOrZero else { return failure(tooLong) }
                post = n
            }
        }

        // Development release: [._-]? dev [._-]? [0-9]*
        var dev: PEP440Number?
        do {
            var cursor = index
            if cursor < end && isSeparator(bytes[cursor]) { cursor += 1 }
            if matches("dev", bytes, at: cursor, end: end) {
                index = cursor + 3
                if index < end && isSeparator(bytes[index]) { index += 1 }
                guard let n = number().valueOrZero else { return failure(tooLong) }
                dev = n
            }
        }

        // Local version: \+ [a-z0-9]+ ([._-][a-z0-9]+)*
        var local: [Version.LocalSegment]?
        if index < end && bytes[index] == UInt8(ascii: "+") {
            index += 1
            var segments: [Version.LocalSegment] = []
            while true {
                let start = index
                var allDigits = true
                while index < end && isAlphanumeric(bytes[index]) {
                    allDigits = allDigits && isDigit(bytes[index])
                    index += 1
                }
                if index == start { return failure("expected a local version label") }
                if allDigits {
                    guard let value = PEP440Number(digits: bytes[start..<index]) else { return failure(tooLong) }
                    segments.append(.number(value))
                } else {
                    segments.append(.text(String(decoding: bytes[start..<index], as: UTF8.self).lowercased()))
                }
                guard index + 1 < end, isSeparator(bytes[index]), isAlphanumeric(bytes[index + 1]) else { break }
                index += 1
            }
            local = segments
        }

        if index != end { return failure("unexpected character") }
        return .success(Version(epoch: epoch, release: release, pre: pre, post: post, dev: dev, local: local))
    }
}
