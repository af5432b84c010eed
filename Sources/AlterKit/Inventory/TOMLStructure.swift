/// A strict structural check of TOML 1.0 text, run before TOMLKit sees it.
///
/// Why: TOMLKit 0.6.0 embeds toml++ 3.4.0, whose parser asserts (aborting the process in debug builds, undefined
/// behaviour through `__builtin_assume` in release builds) on some malformed documents instead of reporting them,
/// e.g. a table header `[#a]` or `[[=`, or `a = [}` (fixed upstream after 3.4.0, marzer/tomlplusplus#301). An
/// input file must never crash the scanner, so toml++ only gets text whose structure — tables, keys, strings,
/// arrays, inline tables, comments — is valid TOML; values' own syntax (numbers, dates) is left to it.
package enum TOMLStructure {
    package struct Failure: Error, Sendable, Hashable {
        package var line: Int
        package var column: Int
        package var message: String
    }

    /// Throws at the first place `text` is not structurally valid TOML 1.0.
    package static func check(_ text: String) throws(Failure) {
        var lexer = Lexer(Array(text.unicodeScalars))
        try lexer.document()
    }

    private struct Lexer {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0
        /// Arrays and inline tables nest; toml++ refuses more than 256 levels, and so do we (bounded recursion).
        var depth = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        var current: Unicode.Scalar? { i < s.count ? s[i] : nil }

        func fail(_ message: String) -> Failure {
            Failure(line: line, column: i - lineStart + 1, message: message)
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

        mutating func skipSpaces() {
            while let c = current, c == " " || c == "\t" { i += 1 }
        }

        /// A newline (`\n` or `\r\n`), if one is here.
        mutating func newline() throws(Failure) -> Bool {
            if current == "\n" {
                i += 1
            } else if current == "\r" {
                guard peek(1) == "\n" else { throw fail("carriage return without line feed") }
                i += 2
            } else {
                return false
            }
            line += 1
            lineStart = i
            return true
        }

        static func isControl(_ c: Unicode.Scalar) -> Bool {
            (c.value < 0x20 && c != "\t") || c.value == 0x7F
        }

        /// `# …` to the end of the line (the newline itself is not consumed).
        mutating func comment() throws(Failure) {
            guard current == "#" else { return }
            while let c = current, c != "\n" && c != "\r" {
                if Self.isControl(c) { throw fail("control character in comment") }
                i += 1
            }
        }

        /// After an expression: optional spaces and comment, then a newline or the end.
        mutating func endOfLine() throws(Failure) {
            skipSpaces()
            try comment()
            if current == nil { return }
            guard try newline() else { throw fail("expected the end of the line") }
        }

        mutating func document() throws(Failure) {
            while current != nil {
                skipSpaces()
                guard let c = current else { return }
                if c == "#" || c == "\n" || c == "\r" {
                    try endOfLine()
                } else if c == "[" {
                    try tableHeader()
                    try endOfLine()
                } else {
                    try keyValue()
                    try endOfLine()
                }
            }
        }

        mutating func tableHeader() throws(Failure) {
            i += 1
            let arrayOfTables = current == "["
            if arrayOfTables { i += 1 }
            skipSpaces()
            try key()
            skipSpaces()
            guard current == "]" else { throw fail("expected ] to close the table header") }
            i += 1
            if arrayOfTables {
                guard current == "]" else { throw fail("expected ]] to close the array-of-tables header") }
                i += 1
            }
        }

        static func isBareKey(_ c: Unicode.Scalar) -> Bool {
            let v = c.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || c == "_"
                || c == "-"
        }

        /// `simple-key *( ws . ws simple-key )`.
        mutating func key() throws(Failure) {
            while true {
                guard let c = current else { throw fail("expected a key") }
                if c == "\"" || c == "'" {
                    if peek(1) == c && peek(2) == c { throw fail("multi-line strings cannot be keys") }
                    try string()
                } else if Self.isBareKey(c) {
                    while let d = current, Self.isBareKey(d) { i += 1 }
                } else {
                    throw fail("expected a key")
                }
                skipSpaces()
                guard current == "." else { return }
                i += 1
                skipSpaces()
            }
        }

        mutating func keyValue() throws(Failure) {
            try key()
            skipSpaces()
            guard current == "=" else { throw fail("expected = after a key") }
            i += 1
            skipSpaces()
            try value()
        }

        mutating func value() throws(Failure) {
            guard let c = current else { throw fail("expected a value") }
            switch c {
            case "\"", "'":
                try string()
            case "[":
                try array()
            case "{":
                try inlineTable()
            default:
                try scalar()
            }
        }

        /// Booleans, numbers, dates and times: their characters, plus the one space a date-time may have.
        mutating func scalar() throws(Failure) {
            let start = i
            func isScalar(_ c: Unicode.Scalar) -> Bool {
                Self.isBareKey(c) || c == "+" || c == "." || c == ":"
            }
            while let c = current, isScalar(c) { i += 1 }
            // "1979-05-27 07:32:00": a date, one space, then a time.
            if current == " ", i - start == 10, s[start + 4] == "-", let next = peek(1), next.value >= 0x30,
                next.value <= 0x39
            {
                i += 1
                while let c = current, isScalar(c) { i += 1 }
            }
            guard i > start else { throw fail("expected a value") }
        }

        mutating func nest() throws(Failure) {
            depth += 1
            if depth > 200 { throw fail("values nested too deeply") }
        }

        /// Spaces, newlines and comments between array elements.
        mutating func arrayFiller() throws(Failure) {
            while true {
                skipSpaces()
                try comment()
                guard try newline() else { return }
            }
        }

        mutating func array() throws(Failure) {
            try nest()
            i += 1
            while true {
                try arrayFiller()
                if current == "]" { break }
                try value()
                try arrayFiller()
                if current == "," {
                    i += 1
                    continue
                }
                guard current == "]" else { throw fail("expected , or ] in an array") }
                break
            }
            i += 1
            depth -= 1
        }

        mutating func inlineTable() throws(Failure) {
            try nest()
            i += 1
            skipSpaces()
            if current == "}" {
                i += 1
                depth -= 1
                return
            }
            while true {
                skipSpaces()
                try keyValue()
                skipSpaces()
                if current == "," {
                    i += 1
                    continue
                }
                guard current == "}" else { throw fail("expected , or } in an inline table") }
                break
            }
            i += 1
            depth -= 1
        }

        mutating func string() throws(Failure) {
            let quote = current!
            let multiLine = peek(1) == quote && peek(2) == quote
            i += multiLine ? 3 : 1
            if multiLine {
                // A newline right after the opening delimiter is trimmed by TOML; it is still a newline here.
                _ = try newline()
            }
            while true {
                guard let c = current else { throw fail("unterminated string") }
                if c == quote {
                    if !multiLine {
                        i += 1
                        return
                    }
                    if peek(1) == quote && peek(2) == quote {
                        // Up to two more quotes may belong to the content: """"" closes after content "".
                        var run = 3
                        while run < 5 && peek(run) == quote { run += 1 }
                        i += run
                        return
                    }
                    i += 1
                    continue
                }
                if c == "\n" || c == "\r" {
                    guard multiLine else { throw fail("newline in a single-line string") }
                    _ = try newline()
                    continue
                }
                if Self.isControl(c) { throw fail("control character in a string") }
                if c == "\\" && quote == "\"" {
                    try escape(multiLine: multiLine)
                    continue
                }
                i += 1
            }
        }

        mutating func escape(multiLine: Bool) throws(Failure) {
            i += 1
            guard let e = current else { throw fail("unterminated string") }
            switch e {
            case "b", "t", "n", "f", "r", "\"", "\\":
                i += 1
            case "u", "U":
                let width = e == "u" ? 4 : 8
                var value: UInt32 = 0
                for k in 1...width {
                    guard let d = peek(k), let digit = Self.hex(d) else { throw fail("invalid \\\(e) escape") }
                    value = value * 16 + digit
                }
                guard Unicode.Scalar(value) != nil else { throw fail("escape is not a Unicode scalar value") }
                i += width + 1
            case " ", "\t", "\n", "\r":
                // A line-ending backslash (multi-line basic strings only): whitespace up to and after the newline.
                guard multiLine else { throw fail("invalid escape") }
                skipSpaces()
                guard try newline() else { throw fail("invalid escape") }
                while true {
                    skipSpaces()
                    guard try newline() else { break }
                }
            default:
                throw fail("invalid escape \\\(e)")
            }
        }

        static func hex(_ c: Unicode.Scalar) -> UInt32? {
            switch c.value {
            case 0x30...0x39: c.value - 0x30
            case 0x41...0x46: c.value - 0x41 + 10
            case 0x61...0x66: c.value - 0x61 + 10
            default: nil
            }
        }
    }
}
