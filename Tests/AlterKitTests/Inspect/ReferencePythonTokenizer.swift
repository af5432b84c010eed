import Foundation

@testable import AlterKit
@testable import PythonCodeAnalysis

// The tokenizer as it was before it was rewritten for speed (commit 7f0424c), kept as the oracle of the
// differential test: the rewrite must give the very same tokens for every input.
/// A tokenizer for Python 3 source. Never fails: bytes it cannot place become `.error` tokens. Linear time: every
/// step consumes input, and nested f-string replacement fields are followed to a bounded depth only.
struct ReferencePythonTokenizer: Sendable {
    /// Python 3 hard keywords.
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// The level of each operator token text (`not in`/`is not` are matched from their first word).
    static let operatorLevel: [String: Int] = {
        var table: [String: Int] = [:]
        for (level, ops) in PythonExpressionParser.levels.enumerated() {
            for op in ops where !op.contains(" ") { table[op] = level }
        }
        table["not"] = 2
        return table
    }()

    private static let oneCharOps: Set<UInt8> = Set("+-*/%@&|^~<>()[]{},:;.=!".utf8)
    private static let stringPrefixes: Set<String> = [
        "r", "u", "f", "b", "t", "br", "rb", "fr", "rf", "tr", "rt",
    ]
    /// Deepest nesting of strings inside f-string replacement fields that is followed.
    private static let maxFStringDepth = 16

    private let bytes: [UInt8]

    init(source: [UInt8]) { self.bytes = source }
    init(source: String) { self.bytes = Array(source.utf8) }

    /// Every token of the source, ending with `.endMarker`.
    func tokenize() -> [PyToken] {
        var state = State(bytes: bytes)
        state.run()
        return state.tokens
    }

    private struct State {
        let bytes: [UInt8]
        var pos = 0
        var line = 1
        var lineStart = 0
        /// Extra columns tabs added on the current line, before `pos`.
        var tabExtra = 0
        var depth = 0
        var lineHasCode = false
        var tokens: [PyToken] = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not part of the source.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
            lineStart = pos
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

        mutating func emit(_ kind: PyToken.Kind, _ start: Int, _ end: Int, line: Int, column: Int, bracket: Int8 = 0) {
            let text = kind == .newline || kind == .nl ? "" : String(decoding: bytes[start..<end], as: UTF8.self)
            var token = PyToken(kind: kind, text: text, line: line, column: column)
            token.bracket = bracket
            if kind == .op || kind == .name, let level = ReferencePythonTokenizer.operatorLevel[text] {
                token.binaryLevel = Int8(level)
            }
            tokens.append(token)
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
            tokens.append(PyToken(kind: .endMarker, text: "", line: line, column: 0))
        }

        mutating func scanNameOrPrefixedString() {
            let start = pos
            while pos < bytes.count && Self.isNameChar(bytes[pos]) { pos += 1 }
            if pos < bytes.count, bytes[pos] == 0x22 || bytes[pos] == 0x27, pos - start <= 2 {
                let prefix = String(decoding: bytes[start..<pos], as: UTF8.self).lowercased()
                if ReferencePythonTokenizer.stringPrefixes.contains(prefix) {
                    scanString(prefixStart: start, quoteAt: pos)
                    return
                }
            }
            if pos > start {
                emit(.name, start, pos, line: line, column: column(of: start))
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
                emit(.op, start, pos, line: line, column: column)
                return
            }
            pos += 1
            if ReferencePythonTokenizer.oneCharOps.contains(b0) {
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
                emit(.op, start, pos, line: line, column: column, bracket: bracket)
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
            let prefix = String(decoding: bytes[prefixStart..<quoteAt], as: UTF8.self)
            let lower = prefix.lowercased()
            pos = quoteAt
            var literal = PyStringLiteral(
                prefix: prefix, isRaw: lower.contains("r"), isBytes: lower.contains("b"),
                isFormatted: lower.contains("f") || lower.contains("t"), isTriple: false, terminated: false,
                hasInterpolation: false, value: "")
            var value: [UInt8] = []
            scanStringBody(&literal, &value, nesting: 0)
            literal.value =
                literal.isBytes
                ? String(String.UnicodeScalarView(value.map { Unicode.Scalar($0) }))
                : String(decoding: value, as: UTF8.self)
            tokens.append(PyToken(kind: .string, text: "", line: startLine, column: startColumn, string: literal))
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
                    if nesting >= ReferencePythonTokenizer.maxFStringDepth { return }
                    var prefixStart = pos
                    while prefixStart > 0 && Self.isNameChar(bytes[prefixStart - 1]) && pos - prefixStart < 2 {
                        prefixStart -= 1
                    }
                    let lower = String(decoding: bytes[prefixStart..<pos], as: UTF8.self).lowercased()
                    var inner = PyStringLiteral(
                        prefix: lower, isRaw: lower.contains("r"), isBytes: lower.contains("b"),
                        isFormatted: lower.contains("f") || lower.contains("t"), isTriple: false, terminated: false,
                        hasInterpolation: false, value: "")
                    var ignored: [UInt8] = []
                    scanStringBody(&inner, &ignored, nesting: nesting + 1)
                } else {
                    pos += 1
                }
            }
        }
    }
}
