/// One token of Python 3 source.
package struct PyToken: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// An identifier or a keyword (`isKeyword` tells which).
        case name
        case number
        /// A string literal of any form; `string` holds its prefix flags and decoded value.
        case string
        /// An operator or delimiter (`(`, `**=`, `.`, `:=` …).
        case op
        case comment
        /// The end of a logical line (a statement boundary).
        case newline
        /// A line break that does not end a statement (inside brackets, or a blank/comment-only line).
        case nl
        /// A byte the tokenizer could not place (stray backslash, `$`, `?`, invalid UTF-8 …).
        case error
        case endMarker
    }

    package var kind: Kind
    /// The token's source text; empty for strings (their value is in `string`) and line breaks.
    package var text: String
    /// 1-based line of the token's first character.
    package var line: Int
    /// 0-based column of the token's first character (tabs advance to the next multiple of 8, as Python does).
    package var column: Int
    /// Present for `.string` tokens.
    package var string: PyStringLiteral?
    /// +1 for an opening bracket, -1 for a closing one, 0 otherwise: depth counting without comparing text.
    package var bracket: Int8 = 0
    /// The binary-operator precedence level of this token (see `PythonExpressionParser.levels`), -1 for none;
    /// computed once here so that the parser compares integers.
    package var binaryLevel: Int8 = -1
    /// True for a `.name` token that is a hard keyword of Python 3, decided from the bytes when tokenizing.
    package private(set) var isKeyword = false

    package init(kind: Kind, text: String, line: Int, column: Int, string: PyStringLiteral? = nil) {
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column
        self.string = string
        self.isKeyword = kind == .name && PythonTokenizer.keywords.contains(text)
    }

    /// A token the tokenizer made: the keyword flag and operator level come from the bytes, not from lookups.
    init(kind: Kind, text: String, line: Int, column: Int, isKeyword: Bool, bracket: Int8, binaryLevel: Int8) {
        self.kind = kind
        self.text = text
        self.line = line
        self.column = column
        self.isKeyword = isKeyword
        self.bracket = bracket
        self.binaryLevel = binaryLevel
    }

    /// True for an `.op` token with this text.
    package func isOp(_ op: String) -> Bool { kind == .op && text == op }

    /// True for a `.name` token with this text.
    package func isName(_ name: String) -> Bool { kind == .name && text == name }
}

/// A string literal's form and value.
package struct PyStringLiteral: Sendable, Hashable {
    /// The prefix as written (`rb`, `F`, `u` …), possibly empty.
    package var prefix: String
    package var isRaw: Bool
    package var isBytes: Bool
    /// An f-string (or a t-string): only its literal parts are in `value`.
    package var isFormatted: Bool
    package var isTriple: Bool
    /// False when the source ended (or, for a one-line string, the line ended) before the closing quote.
    package var terminated: Bool
    /// An f-string with at least one `{expression}` replacement field.
    package var hasInterpolation: Bool
    /// The decoded value. Bytes literals map each byte to the scalar of the same number (latin-1), so that
    /// `b'\xff'` is `"\u{FF}"`.
    package var value: String
}

/// A tokenizer for Python 3 source. Never fails: bytes it cannot place become `.error` tokens. Linear time: every
/// step consumes input, and nested f-string replacement fields are followed to a bounded depth only.
package struct PythonTokenizer: Sendable {
    /// Python 3 hard keywords.
    package static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// The keywords packed as `packed(_:)` packs a name, sorted for a binary search.
    private static let packedKeywords: [UInt64] = keywords.map { packed(Array($0.utf8))! }.sorted()

    /// Up to 8 ASCII bytes as one integer (names hold no zero byte, so lengths stay apart); nil for longer names.
    static func packed(_ name: some Collection<UInt8>) -> UInt64? {
        guard name.count <= 8 else { return nil }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for b in name {
            value |= UInt64(b) << shift
            shift += 8
        }
        return value
    }

    /// Whether a packed name is a keyword.
    static func isKeyword(packed value: UInt64) -> Bool {
        var low = 0
        var high = packedKeywords.count
        while low < high {
            let mid = (low + high) / 2
            let v = packedKeywords[mid]
            if v == value { return true }
            if v < value { low = mid + 1 } else { high = mid }
        }
        return false
    }

    /// The binary-operator level of the keywords that are operators (`or`, `and`, `not`, `in`, `is`), else -1.
    private static let keywordLevels: [UInt64: Int8] = [
        packed(Array("or".utf8))!: 0, packed(Array("and".utf8))!: 1, packed(Array("not".utf8))!: 2,
        packed(Array("in".utf8))!: 2, packed(Array("is".utf8))!: 2,
    ]

    /// The binary-operator level of an operator of one to three bytes (see `PythonExpressionParser.levels`).
    static func operatorLevel(_ b0: UInt8, _ b1: UInt8, length: Int) -> Int8 {
        switch (length, b0, b1) {
        case (1, UInt8(ascii: "<"), _), (1, UInt8(ascii: ">"), _): 2
        case (1, UInt8(ascii: "|"), _): 3
        case (1, UInt8(ascii: "^"), _): 4
        case (1, UInt8(ascii: "&"), _): 5
        case (1, UInt8(ascii: "+"), _), (1, UInt8(ascii: "-"), _): 7
        case (1, UInt8(ascii: "*"), _), (1, UInt8(ascii: "/"), _), (1, UInt8(ascii: "%"), _),
            (1, UInt8(ascii: "@"), _):
            8
        case (2, _, UInt8(ascii: "=")) where b0 == UInt8(ascii: "=") || b0 == UInt8(ascii: "!"): 2
        case (2, UInt8(ascii: "<"), UInt8(ascii: "=")), (2, UInt8(ascii: ">"), UInt8(ascii: "=")),
            (2, UInt8(ascii: "<"), UInt8(ascii: ">")):
            2
        case (2, UInt8(ascii: "<"), UInt8(ascii: "<")), (2, UInt8(ascii: ">"), UInt8(ascii: ">")): 6
        case (2, UInt8(ascii: "/"), UInt8(ascii: "/")): 8
        default: -1
        }
    }

    /// Whether a byte is a one-character operator or delimiter.
    static func isOneCharOp(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"),
            UInt8(ascii: "@"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "~"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: ":"),
            UInt8(ascii: ";"), UInt8(ascii: "."), UInt8(ascii: "="), UInt8(ascii: "!"):
            true
        default: false
        }
    }

    /// A string prefix's flags, from its bytes (`r`, `u`, `f`, `b`, `t` and the pairs of `r` with `b`, `f`, `t`,
    /// any case); nil when the bytes are not a prefix.
    static func prefixFlags(_ prefix: some Collection<UInt8>) -> (raw: Bool, bytes: Bool, formatted: Bool)? {
        var raw = false
        var bytes = false
        var formatted = false
        var others = 0
        for b in prefix {
            switch b | 0x20 {
            case UInt8(ascii: "r"):
                if raw { return nil }
                raw = true
            case UInt8(ascii: "b"):
                bytes = true
                others += 1
            case UInt8(ascii: "f"), UInt8(ascii: "t"):
                formatted = true
                others += 1
            case UInt8(ascii: "u"):
                if prefix.count != 1 { return nil }
                others += 1
            default: return nil
            }
        }
        guard (1...2).contains(prefix.count), others <= 1 else { return nil }
        return (raw, bytes, formatted)
    }

    /// Deepest nesting of strings inside f-string replacement fields that is followed.
    private static let maxFStringDepth = 16

    private let bytes: [UInt8]

    package init(source: [UInt8]) { self.bytes = source }
    package init(source: String) { self.bytes = Array(source.utf8) }

    /// Every token of the source, ending with `.endMarker`.
    package func tokenize() -> [PyToken] { tokenize(keepTrivia: true) }

    /// The tokens of the source; without trivia, comments, non-logical line breaks and the end marker are left
    /// out (what the analyzer reads).
    package func tokenize(keepTrivia: Bool) -> [PyToken] {
        bytes.withUnsafeBufferPointer { buffer in
            var state = State(bytes: buffer, keepTrivia: keepTrivia)
            state.run()
            return state.tokens
        }
    }

    private struct State {
        let bytes: UnsafeBufferPointer<UInt8>
        let keepTrivia: Bool
        /// The decoded value of the string being scanned, reused from string to string.
        var scratch: [UInt8] = []
        var pos = 0
        var line = 1
        var lineStart = 0
        /// Extra columns tabs added on the current line, before `pos`.
        var tabExtra = 0
        var depth = 0
        var lineHasCode = false
        var tokens: [PyToken] = []

        init(bytes: UnsafeBufferPointer<UInt8>, keepTrivia: Bool) {
            self.bytes = bytes
            self.keepTrivia = keepTrivia
            // A UTF-8 byte order mark is not part of the source.
            if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
            lineStart = pos
            tokens.reserveCapacity(bytes.count / 8)
        }

        func peek(_ offset: Int = 0) -> UInt8? {
            let i = pos + offset
            return i < bytes.count ? bytes[i] : nil
        }

        /// Where the last column computation stopped, so that columns cost linear time over a long line.
        var columnCache: (index: Int, column: Int) = (0, 0)

        /// Column of byte `index` on the current line, counting characters (not UTF-8 continuation bytes).
        mutating func column(of index: Int) -> Int {
            var col = 0
            var i = lineStart
            if columnCache.index >= lineStart && columnCache.index <= index {
                i = columnCache.index
                col = columnCache.column
            }
            defer { columnCache = (index, col) }
            while i < index {
                let b = bytes[i]
                if b == 0x09 {
                    col = (col / 8 + 1) * 8
                } else if b & 0xC0 != 0x80 {
                    col += 1
                }
                i += 1
            }
            return col
        }

        /// Appends a token whose text is the bytes `start..<end` (none for line breaks).
        mutating func emit(
            _ kind: PyToken.Kind, _ start: Int, _ end: Int, line: Int, column: Int, bracket: Int8 = 0,
            level: Int8 = -1, isKeyword: Bool = false
        ) {
            if !keepTrivia && (kind == .nl || kind == .comment) { return }
            let text =
                kind == .newline || kind == .nl
                ? "" : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            tokens.append(
                PyToken(
                    kind: kind, text: text, line: line, column: column, isKeyword: isKeyword, bracket: bracket,
                    binaryLevel: level))
        }

        mutating func newLine(at index: Int) {
            line += 1
            lineStart = index
        }

        static func isNameStart(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
        }

        static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }

        static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

        mutating func run() {
            while pos < bytes.count {
                let b = bytes[pos]
                switch b {
                case 0x20, 0x09, 0x0C:
                    pos += 1
                case 0x0A, 0x0D:
                    let start = pos
                    let col = column(of: pos)
                    pos += (b == 0x0D && peek(1) == 0x0A) ? 2 : 1
                    let kind: PyToken.Kind = (depth == 0 && lineHasCode) ? .newline : .nl
                    emit(kind, start, start, line: line, column: col)
                    if kind == .newline { lineHasCode = false }
                    newLine(at: pos)
                case 0x23:  // '#'
                    let start = pos
                    while pos < bytes.count && bytes[pos] != 0x0A && bytes[pos] != 0x0D { pos += 1 }
                    emit(.comment, start, pos, line: line, column: column(of: start))
                case 0x5C:  // '\\' line continuation
                    if peek(1) == 0x0A {
                        pos += 2
                        newLine(at: pos)
                    } else if peek(1) == 0x0D {
                        pos += peek(2) == 0x0A ? 3 : 2
                        newLine(at: pos)
                    } else {
                        emit(.error, pos, pos + 1, line: line, column: column(of: pos))
                        pos += 1
                    }
                case 0x22, 0x27:  // quotes
                    lineHasCode = true
                    scanString(prefixStart: pos, quoteAt: pos)
                default:
                    lineHasCode = true
                    if Self.isNameStart(b) {
                        scanNameOrPrefixedString()
                    } else if Self.isDigit(b) || (b == 0x2E && peek(1).map(Self.isDigit) == true) {
                        scanNumber()
                    } else {
                        scanOperator()
                    }
                }
            }
            if lineHasCode {
                tokens.append(PyToken(kind: .newline, text: "", line: line, column: column(of: pos)))
            }
            if keepTrivia { tokens.append(PyToken(kind: .endMarker, text: "", line: line, column: 0)) }
        }

        mutating func scanNameOrPrefixedString() {
            let start = pos
            while pos < bytes.count && Self.isNameChar(bytes[pos]) { pos += 1 }
            if pos < bytes.count, bytes[pos] == 0x22 || bytes[pos] == 0x27, pos - start <= 2,
                PythonTokenizer.prefixFlags(bytes[start..<pos]) != nil
            {
                scanString(prefixStart: start, quoteAt: pos)
                return
            }
            if pos > start {
                var level: Int8 = -1
                var keyword = false
                if let packed = PythonTokenizer.packed(bytes[start..<pos]), PythonTokenizer.isKeyword(packed: packed) {
                    keyword = true
                    level = PythonTokenizer.keywordLevels[packed] ?? -1
                }
                emit(.name, start, pos, line: line, column: column(of: start), level: level, isKeyword: keyword)
            } else {
                emit(.error, start, start + 1, line: line, column: column(of: start))
                pos = start + 1
            }
        }

        mutating func scanNumber() {
            let start = pos
            let isHex = bytes[pos] == 0x30 && (peek(1) == 0x78 || peek(1) == 0x58)
            while pos < bytes.count {
                let c = bytes[pos]
                if Self.isNameChar(c) && c < 0x80 || c == 0x2E {
                    pos += 1
                } else if (c == 0x2B || c == 0x2D) && !isHex && pos > start
                    && (bytes[pos - 1] == 0x65 || bytes[pos - 1] == 0x45)
                {
                    pos += 1
                } else {
                    break
                }
            }
            emit(.number, start, pos, line: line, column: column(of: start))
        }

        mutating func scanOperator() {
            let start = pos
            let column = column(of: start)
            let b0 = bytes[pos]
            let b1 = peek(1) ?? 0
            let b2 = peek(2) ?? 0
            // Three- then two-character operators, matched on bytes.
            var length = 0
            switch (b0, b1, b2) {
            case (0x2A, 0x2A, 0x3D), (0x2F, 0x2F, 0x3D), (0x3E, 0x3E, 0x3D), (0x3C, 0x3C, 0x3D), (0x2E, 0x2E, 0x2E):
                length = 3  // **= //= >>= <<= ...
            default:
                switch (b0, b1) {
                case (0x2A, 0x2A), (0x2F, 0x2F), (0x3C, 0x3C), (0x3E, 0x3E), (0x2D, 0x3E), (0x3A, 0x3D), (0x3C, 0x3E):
                    length = 2  // ** // << >> -> := <>
                case (_, 0x3D) where "<>=!+-*/%&|^@".utf8.contains(b0):
                    length = 2  // <= >= == != += -= *= /= %= &= |= ^= @=
                default:
                    length = 0
                }
            }
            if length > 0 {
                pos += length
                emit(
                    .op, start, pos, line: line, column: column,
                    level: PythonTokenizer.operatorLevel(b0, b1, length: length))
                return
            }
            pos += 1
            if PythonTokenizer.isOneCharOp(b0) {
                var bracket: Int8 = 0
                switch b0 {
                case 0x28, 0x5B, 0x7B:
                    depth += 1
                    bracket = 1
                case 0x29, 0x5D, 0x7D:
                    depth = max(0, depth - 1)
                    bracket = -1
                default: break
                }
                emit(
                    .op, start, pos, line: line, column: column, bracket: bracket,
                    level: PythonTokenizer.operatorLevel(b0, 0, length: 1))
            } else {
                // Skip the rest of a multi-byte character so that one error token stands for it.
                while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
                emit(.error, start, pos, line: line, column: column)
            }
        }

        /// Scans a string literal whose prefix starts at `prefixStart` and whose opening quote is at `quoteAt`.
        mutating func scanString(prefixStart: Int, quoteAt: Int) {
            let startLine = line
            let startColumn = column(of: prefixStart)
            let flags = PythonTokenizer.prefixFlags(bytes[prefixStart..<quoteAt]) ?? (false, false, false)
            let prefix =
                quoteAt == prefixStart
                ? "" : String(decoding: UnsafeBufferPointer(rebasing: bytes[prefixStart..<quoteAt]), as: UTF8.self)
            pos = quoteAt
            var literal = PyStringLiteral(
                prefix: prefix, isRaw: flags.raw, isBytes: flags.bytes, isFormatted: flags.formatted, isTriple: false,
                terminated: false, hasInterpolation: false, value: "")
            // Taken out of `scratch` so that clearing it does not copy the buffer.
            var value = scratch
            scratch = []
            value.removeAll(keepingCapacity: true)
            scanStringBody(&literal, &value, nesting: 0)
            if literal.isBytes && value.contains(where: { $0 >= 0x80 }) {
                literal.value = String(String.UnicodeScalarView(value.map { Unicode.Scalar($0) }))
            } else {
                literal.value = String(decoding: value, as: UTF8.self)
            }
            scratch = value
            var token = PyToken(
                kind: .string, text: "", line: startLine, column: startColumn, isKeyword: false, bracket: 0,
                binaryLevel: -1)
            token.string = literal
            tokens.append(token)
        }

        /// Scans from the opening quote at `pos` to just past the closing quote, appending the decoded value
        /// (UTF-8 for str, raw bytes for bytes literals) to `value`.
        mutating func scanStringBody(_ literal: inout PyStringLiteral, _ value: inout [UInt8], nesting: Int) {
            let quote = bytes[pos]
            let triple = peek(1) == quote && peek(2) == quote
            literal.isTriple = triple
            pos += triple ? 3 : 1
            while pos < bytes.count {
                let c = bytes[pos]
                if c == quote {
                    if !triple {
                        pos += 1
                        literal.terminated = true
                        return
                    }
                    if peek(1) == quote && peek(2) == quote {
                        pos += 3
                        literal.terminated = true
                        return
                    }
                    value.append(c)
                    pos += 1
                } else if c == 0x0A || c == 0x0D {
                    if !triple { return }  // unterminated one-line string: stop at the line end
                    value.append(0x0A)
                    pos += (c == 0x0D && peek(1) == 0x0A) ? 2 : 1
                    newLine(at: pos)
                } else if c == 0x5C {
                    scanEscape(literal, &value)
                } else if literal.isFormatted && c == 0x7B {  // '{'
                    if peek(1) == 0x7B {
                        value.append(0x7B)
                        pos += 2
                    } else {
                        literal.hasInterpolation = true
                        scanReplacementField(quote: quote, triple: triple, nesting: nesting)
                    }
                } else if literal.isFormatted && c == 0x7D && peek(1) == 0x7D {
                    value.append(0x7D)
                    pos += 2
                } else {
                    value.append(c)
                    pos += 1
                }
            }
        }

        mutating func scanEscape(_ literal: PyStringLiteral, _ value: inout [UInt8]) {
            // pos is at the backslash
            guard let next = peek(1) else {
                value.append(0x5C)
                pos += 1
                return
            }
            if next == 0x0A || next == 0x0D {
                // A backslash-newline inside a string continues it (and is dropped unless raw).
                if literal.isRaw { value.append(0x5C) }
                if literal.isRaw { value.append(0x0A) }
                pos += (next == 0x0D && peek(2) == 0x0A) ? 3 : 2
                newLine(at: pos)
                return
            }
            if literal.isRaw {
                value.append(0x5C)
                value.append(next)
                pos += 2
                return
            }
            pos += 2
            func appendScalar(_ code: UInt32) {
                if literal.isBytes {
                    value.append(UInt8(truncatingIfNeeded: code))
                } else if let scalar = Unicode.Scalar(code) {
                    value.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    value.append(contentsOf: [0xEF, 0xBF, 0xBD])
                }
            }
            func hexDigits(_ count: Int) -> UInt32? {
                guard pos + count <= bytes.count else { return nil }
                var v: UInt32 = 0
                for i in 0..<count {
                    guard let d = hexValue(bytes[pos + i]) else { return nil }
                    v = v &* 16 &+ UInt32(d)
                }
                pos += count
                return v
            }
            switch next {
            case 0x5C, 0x27, 0x22: value.append(next)
            case 0x61: value.append(0x07)  // a
            case 0x62: value.append(0x08)  // b
            case 0x66: value.append(0x0C)  // f
            case 0x6E: value.append(0x0A)  // n
            case 0x72: value.append(0x0D)  // r
            case 0x74: value.append(0x09)  // t
            case 0x76: value.append(0x0B)  // v
            case 0x30...0x37:
                var v = UInt32(next - 0x30)
                var n = 1
                while n < 3, let d = peek(), d >= 0x30 && d <= 0x37 {
                    v = v * 8 + UInt32(d - 0x30)
                    pos += 1
                    n += 1
                }
                appendScalar(v)
            case 0x78:  // x
                if let v = hexDigits(2) { appendScalar(v) } else { value.append(contentsOf: [0x5C, next]) }
            case 0x75 where !literal.isBytes:  // u
                if let v = hexDigits(4) { appendScalar(v) } else { value.append(contentsOf: [0x5C, next]) }
            case 0x55 where !literal.isBytes:  // U
                if let v = hexDigits(8) { appendScalar(v) } else { value.append(contentsOf: [0x5C, next]) }
            default:
                // Unknown escapes (and \N{…}, whose names we do not resolve) stay as written.
                value.append(0x5C)
                value.append(next)
            }
        }

        /// Skips an f-string replacement field from its `{` to its matching `}`, following nested strings.
        mutating func scanReplacementField(quote: UInt8, triple: Bool, nesting: Int) {
            pos += 1  // '{'
            var braces = 1
            while pos < bytes.count {
                let c = bytes[pos]
                if c == 0x7B || c == 0x28 || c == 0x5B {
                    braces += 1
                    pos += 1
                } else if c == 0x7D || c == 0x29 || c == 0x5D {
                    braces -= 1
                    pos += 1
                    if braces == 0 { return }
                } else if c == 0x0A || c == 0x0D {
                    if !triple && braces <= 1 { return }  // the enclosing one-line string ends unterminated
                    pos += (c == 0x0D && peek(1) == 0x0A) ? 2 : 1
                    newLine(at: pos)
                } else if c == 0x22 || c == 0x27 {
                    // A string inside the field (Python 3.12 allows the enclosing quote too). Past the depth bound
                    // the quote is left to end the enclosing string.
                    if nesting >= PythonTokenizer.maxFStringDepth { return }
                    var prefixStart = pos
                    while prefixStart > 0 && Self.isNameChar(bytes[prefixStart - 1]) && pos - prefixStart < 2 {
                        prefixStart -= 1
                    }
                    // Letters before the quote that are not a prefix (a name ending next to it) read as one.
                    let letters = bytes[prefixStart..<pos]
                    let flags =
                        PythonTokenizer.prefixFlags(letters)
                        ?? (
                            letters.contains { $0 | 0x20 == UInt8(ascii: "r") },
                            letters.contains { $0 | 0x20 == UInt8(ascii: "b") },
                            letters.contains { $0 | 0x20 == UInt8(ascii: "f") || $0 | 0x20 == UInt8(ascii: "t") }
                        )
                    var inner = PyStringLiteral(
                        prefix: "", isRaw: flags.0, isBytes: flags.1, isFormatted: flags.2, isTriple: false,
                        terminated: false, hasInterpolation: false, value: "")
                    var ignored: [UInt8] = []
                    scanStringBody(&inner, &ignored, nesting: nesting + 1)
                } else {
                    pos += 1
                }
            }
        }
    }
}

/// The value of one hexadecimal digit, or nil.
package func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: b - 0x30
    case 0x61...0x66: b - 0x61 + 10
    case 0x41...0x46: b - 0x41 + 10
    default: nil
    }
}
