/// Finds the inputs the bundled TOML parser (toml++ 3 inside TOMLKit) cannot survive, before it sees them.
///
/// A table header whose key does not start with a bare-key character or a quote (`[.a]`, `[[[a]]`, `[[ [a]]]`) trips
/// an assertion in toml++'s `parse_key`: an abort in debug builds, undefined behaviour (`__builtin_assume`) in release
/// builds. So does a `}` where an array expects a value (`a = [}]`, `a = [1, }]`). Every caller of `TOMLTable(string:)` on text from outside should check it with this first.
package enum TOMLPreflight {
    /// The 1-based line and column of the first place the parser would crash on, or nil when there is none.
    /// Lexes strings, comments and multi-line arrays so that `[` inside values is never mistaken for a header.
    package static func unsafeHeader(in text: String) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var i = 0
        var line = 1
        var lineStart = 0
        var depth = 0
        var atStatementStart = true
        /// Open value brackets, innermost last: `[` for arrays, `{` for inline tables.
        var containers: [UInt8] = []
        /// Just after an array's `[` or a `,` in an array: a value (or `]`) must come next.
        var expectingArrayValue = false

        func isBareKey(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
        func starts(_ s: String, at index: Int) -> Bool {
            let p = Array(s.utf8)
            return index + p.count <= bytes.count && Array(bytes[index..<index + p.count]) == p
        }
        func newline(at index: Int) {
            line += 1
            lineStart = index + 1
        }

        while i < bytes.count {
            let c = bytes[i]
            if atStatementStart {
                if c == 0x20 || c == 0x09 || c == 0x0D {
                    i += 1
                    continue
                }
                atStatementStart = false
                if c == 0x5B && depth == 0 {  // '[' opening a table header
                    var j = i + 1
                    if j < bytes.count && bytes[j] == 0x5B { j += 1 }
                    while j < bytes.count && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
                    if j < bytes.count {
                        let k = bytes[j]
                        if !(isBareKey(k) || k == 0x22 || k == 0x27 || k == 0x5D) {
                            return (line, j - lineStart + 1)
                        }
                    }
                    // The rest of a header line opens no value; quoted keys may hold brackets, so skip strings.
                    i = j
                    while i < bytes.count && bytes[i] != 0x0A {
                        if bytes[i] == 0x22 || bytes[i] == 0x27 {
                            let quote = bytes[i]
                            i += 1
                            while i < bytes.count && bytes[i] != quote && bytes[i] != 0x0A {
                                if quote == 0x22 && bytes[i] == 0x5C { i += 1 }
                                i += 1
                            }
                        }
                        if i < bytes.count && bytes[i] != 0x0A { i += 1 }
                    }
                    continue
                }
            }
            if expectingArrayValue && c != 0x20 && c != 0x09 && c != 0x0D && c != 0x0A && c != 0x23 {
                if c == 0x7D { return (line, i - lineStart + 1) }
                expectingArrayValue = false
            }
            switch c {
            case 0x0A:
                newline(at: i)
                if depth == 0 { atStatementStart = true }
                i += 1
            case 0x23:  // '#': comment to the end of the line
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case 0x22, 0x27:  // strings
                let quote = c
                let triple = starts(quote == 0x22 ? "\"\"\"" : "'''", at: i)
                i += triple ? 3 : 1
                while i < bytes.count {
                    if bytes[i] == 0x5C && quote == 0x22 {
                        if i + 1 < bytes.count && bytes[i + 1] == 0x0A { newline(at: i + 1) }
                        i += 2
                        continue
                    }
                    if bytes[i] == 0x0A {
                        if !triple { break }
                        newline(at: i)
                    }
                    if triple && starts(quote == 0x22 ? "\"\"\"" : "'''", at: i) {
                        i += 3
                        break
                    }
                    if !triple && bytes[i] == quote {
                        i += 1
                        break
                    }
                    i += 1
                }
            case 0x5B, 0x7B:
                depth += 1
                containers.append(c)
                expectingArrayValue = c == 0x5B
                i += 1
            case 0x5D, 0x7D:
                depth = max(0, depth - 1)
                if !containers.isEmpty { containers.removeLast() }
                i += 1
            case 0x2C:  // ','
                expectingArrayValue = containers.last == 0x5B
                i += 1
            default:
                i += 1
            }
        }
        return nil
    }
}
