/// A Python expression, as far as the code analyzer needs one. Anything the parser does not understand becomes
/// `.invalid` and is skipped; nothing here is ever executed.
/// Only the cases that hold an expression directly are boxed: names, constants and collections are not.
package enum PyExpr: Sendable {
    case name(String)
    case string(PyStringLiteral)
    case number(String)
    indirect case attribute(PyExpr, String)
    indirect case call(PyExpr, [PyArgument], line: Int)
    indirect case `subscript`(PyExpr, PyExpr)
    indirect case slice(PyExpr?, PyExpr?, PyExpr?)
    /// Operands joined left to right by operators of one precedence level (`a + b - c`, `x == y`, `p and q`).
    case chain([PyExpr], [String])
    indirect case unary(String, PyExpr)
    case tuple([PyExpr])
    case list([PyExpr])
    case set([PyExpr])
    case dict(keys: [PyExpr?], values: [PyExpr])
    /// The first `for` clause of a comprehension or generator (later clauses are kept as conditions).
    indirect case comprehension(element: PyExpr, targets: [String], iterable: PyExpr, conditions: [PyExpr])
    indirect case ternary(PyExpr, condition: PyExpr, PyExpr)
    indirect case lambda(PyExpr)
    indirect case walrus(String, PyExpr)
    indirect case starred(PyExpr)
    case invalid
}

/// One argument of a call: positional, `name=value`, `*args` (star 1) or `**kwargs` (star 2).
package struct PyArgument: Sendable {
    package var keyword: String?
    package var value: PyExpr
    package var star: Int
}

/// A recursive-descent parser over the tokens of one statement. It is tolerant: it stops at anything unexpected
/// and the caller resumes after it. Nesting is bounded so that hostile input cannot exhaust the stack.
package struct PythonExpressionParser {
    /// Deepest nesting followed (brackets, unary operators, trailers); Python's own parser stops near 200.
    static let maxDepth = 100

    let tokens: [PyToken]
    package private(set) var pos: Int
    let end: Int
    private var depth = 0

    package init(tokens: [PyToken], start: Int, end: Int) {
        self.tokens = tokens
        self.pos = start
        self.end = end
    }

    package var atEnd: Bool { pos >= end }

    var current: PyToken? { pos < end ? tokens[pos] : nil }

    func peek(_ offset: Int) -> PyToken? { pos + offset < end ? tokens[pos + offset] : nil }

    mutating func advance() { pos += 1 }

    package mutating func skip() { if pos < end { pos += 1 } }

    mutating func accept(op: String) -> Bool {
        if let t = current, t.isOp(op) {
            pos += 1
            return true
        }
        return false
    }

    mutating func accept(keyword: String) -> Bool {
        if let t = current, t.isName(keyword) {
            pos += 1
            return true
        }
        return false
    }

    /// An expression list: `a`, or `a, b, *c` as a tuple.
    package mutating func parseExpressionList() -> PyExpr {
        let first = parseStarOrTest()
        guard let t = current, t.isOp(",") else { return first }
        var items = [first]
        while accept(op: ",") {
            guard let next = current, startsExpression(next) else { break }
            let before = pos
            items.append(parseStarOrTest())
            if pos == before { break }
        }
        return .tuple(items)
    }

    func startsExpression(_ t: PyToken) -> Bool {
        switch t.kind {
        case .name:
            guard t.isKeyword else { return true }
            switch t.text {
            case "not", "lambda", "await", "None", "True", "False", "yield": return true
            default: return false
            }
        case .number, .string: return true
        case .op:
            switch t.text {
            case "(", "[", "{", "-", "+", "~", "*", "**", "...": return true
            default: return false
            }
        default: return false
        }
    }

    mutating func parseStarOrTest() -> PyExpr {
        if accept(op: "*") { return .starred(parseOr()) }
        return parseTest()
    }

    /// `test`: a conditional expression, a lambda, a walrus or a plain disjunction.
    package mutating func parseTest() -> PyExpr {
        guard enter() else { return .invalid }
        defer { depth -= 1 }
        if accept(keyword: "lambda") {
            // Parameters up to the lambda's own ':' (defaults may hold brackets; skip them whole).
            var brackets = 0
            while let t = current {
                brackets += Int(t.bracket)
                if brackets <= 0 && t.isOp(":") { break }
                if brackets < 0 { return .invalid }
                advance()
            }
            guard accept(op: ":") else { return .invalid }
            return .lambda(parseTest())
        }
        if accept(keyword: "yield") {
            _ = accept(keyword: "from")
            guard let t = current, startsExpression(t) else { return .invalid }
            return parseExpressionList()
        }
        if let t = current, t.kind == .name, let next = peek(1), next.isOp(":=") {
            pos += 2
            return .walrus(t.text, parseTest())
        }
        let body = parseOr()
        if accept(keyword: "if") {
            let condition = parseOr()
            guard accept(keyword: "else") else { return body }
            return .ternary(body, condition: condition, parseTest())
        }
        return body
    }

    mutating func enter() -> Bool {
        if depth >= Self.maxDepth {
            skip()
            return false
        }
        depth += 1
        return true
    }

    mutating func parseOr() -> PyExpr { parseChain(level: 0) }

    /// Binary operator levels, loosest first. `not` and comparisons are handled inside.
    static let levels: [[String]] = [
        ["or"], ["and"], ["<", ">", "==", ">=", "<=", "!=", "<>", "in", "not in", "is", "is not"], ["|"], ["^"],
        ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "//", "%", "@"],
    ]

    /// `levels.count`, as a constant for the hot path.
    static var levelCount: Int { 9 }

    mutating func parseChain(level: Int) -> PyExpr {
        guard level < Self.levelCount else { return parseUnary() }
        // `not` binds between `and` and the comparisons.
        if level == 2, let t = current, t.kind == .name, t.text == "not" {
            guard enter() else { return .invalid }
            defer { depth -= 1 }
            advance()
            return .unary("not", parseChain(level: 2))
        }
        let first = parseChain(level: level + 1)
        // Most operands have no operator after them: no arrays unless one is there.
        guard let op = matchOperator(level: level) else { return first }
        var operands = [first]
        var ops = [op]
        while true {
            let before = pos
            let operand = parseChain(level: level + 1)
            if pos == before {
                ops.removeLast()
                break
            }
            operands.append(operand)
            guard let next = matchOperator(level: level) else { break }
            ops.append(next)
        }
        return ops.isEmpty ? first : .chain(operands, ops)
    }

    /// Consumes an operator of `level` when one is next.
    mutating func matchOperator(level: Int) -> String? {
        guard pos < end else { return nil }
        guard tokens[pos].binaryLevel == level else { return nil }
        let t = tokens[pos]
        if t.kind == .name {
            switch t.text {
            case "not":
                guard let n = peek(1), n.isName("in") else { return nil }
                pos += 2
                return "not in"
            case "is":
                if let n = peek(1), n.isName("not") {
                    pos += 2
                    return "is not"
                }
                advance()
                return "is"
            case "or", "and", "in":
                advance()
                return t.text
            default:
                return nil
            }
        }
        advance()
        return t.text
    }

    mutating func parseUnary() -> PyExpr {
        guard let t = current else { return .invalid }
        if t.kind == .op && (t.text == "-" || t.text == "+" || t.text == "~") || t.isName("await") {
            guard enter() else { return .invalid }
            defer { depth -= 1 }
            advance()
            return .unary(t.text, parseUnary())
        }
        return parsePower()
    }

    mutating func parsePower() -> PyExpr {
        let base = parsePrimary()
        if let t = current, t.isOp("**") {
            guard enter() else { return base }
            defer { depth -= 1 }
            advance()
            return .chain([base, parseUnary()], ["**"])
        }
        return base
    }

    mutating func parsePrimary() -> PyExpr {
        guard let first = current else { return .invalid }
        let line = first.line
        var expr = parseAtom()
        var trailers = 0
        while let t = current, t.kind == .op {
            if trailers >= Self.maxDepth { break }
            if t.text == "." {
                guard let n = peek(1), n.kind == .name else { break }
                pos += 2
                expr = .attribute(expr, n.text)
            } else if t.text == "(" {
                advance()
                let args = parseArguments()
                expr = .call(expr, args, line: line)
            } else if t.text == "[" {
                advance()
                let index = parseSubscript()
                _ = accept(op: "]")
                expr = .subscript(expr, index)
            } else {
                break
            }
            trailers += 1
        }
        return expr
    }

    mutating func parseArguments() -> [PyArgument] {
        var args: [PyArgument] = []
        guard enter() else { return args }
        defer { depth -= 1 }
        while let t = current, !t.isOp(")") {
            let before = pos
            if accept(op: "**") {
                args.append(PyArgument(keyword: nil, value: parseTest(), star: 2))
            } else if accept(op: "*") {
                args.append(PyArgument(keyword: nil, value: parseTest(), star: 1))
            } else if t.kind == .name, let n = peek(1), n.isOp("=") {
                pos += 2
                args.append(PyArgument(keyword: t.text, value: parseTest(), star: 0))
            } else {
                var value = parseTest()
                if let c = current, c.isName("for") || c.isName("async") {
                    value = parseComprehension(element: value)
                }
                args.append(PyArgument(keyword: nil, value: value, star: 0))
            }
            if !accept(op: ",") {
                if pos == before { skipToClose(")") }
                break
            }
        }
        _ = accept(op: ")")
        return args
    }

    /// Punctuation that may sit between the names of an assignment or `for` target (`a, (b, c)`, `[d]`, `*e`).
    static func isTargetPunctuation(_ text: String, star: Bool) -> Bool {
        switch text {
        case ",", "(", ")", "[", "]": true
        case "*": star
        default: false
        }
    }

    /// Skips to (not past) the bracket that closes the current one, when garbage stops the parse.
    mutating func skipToClose(_ close: String) {
        var nested = 0
        while let t = current {
            if t.bracket > 0 { nested += 1 }
            if t.bracket < 0 {
                if nested == 0 { return }
                nested -= 1
            }
            advance()
        }
    }

    mutating func parseSubscript() -> PyExpr {
        guard enter() else { return .invalid }
        defer { depth -= 1 }
        var items: [PyExpr] = []
        repeat {
            guard let t = current, !t.isOp("]") else { break }
            let before = pos
            var lower: PyExpr?
            if !t.isOp(":") { lower = parseStarOrTest() }
            if accept(op: ":") {
                var upper: PyExpr?
                var step: PyExpr?
                if let u = current, !u.isOp(":") && !u.isOp("]") && !u.isOp(",") { upper = parseTest() }
                if accept(op: ":"), let s = current, !s.isOp("]") && !s.isOp(",") { step = parseTest() }
                items.append(.slice(lower, upper, step))
            } else if let lower {
                items.append(lower)
            }
            if pos == before {
                skipToClose("]")
                break
            }
        } while accept(op: ",")
        if items.count == 1 { return items[0] }
        return .tuple(items)
    }

    mutating func parseAtom() -> PyExpr {
        guard let t = current else { return .invalid }
        switch t.kind {
        case .name:
            if t.isKeyword && t.text != "None" && t.text != "True" && t.text != "False" {
                return .invalid
            }
            advance()
            return .name(t.text)
        case .number:
            advance()
            return .number(t.text)
        case .string:
            return parseStrings()
        case .op:
            switch t.text {
            case "(":
                advance()
                return parseBracketed(close: ")")
            case "[":
                advance()
                return parseBracketed(close: "]")
            case "{":
                advance()
                return parseBraces()
            case "...":
                advance()
                return .invalid
            default:
                return .invalid
            }
        default:
            return .invalid
        }
    }

    /// Adjacent string literals concatenate (`"ab" "cd"`); f-strings among them keep their literal parts.
    mutating func parseStrings() -> PyExpr {
        guard var merged = current?.string else { return .invalid }
        advance()
        while let t = current, t.kind == .string, let s = t.string {
            merged.value += s.value
            merged.isFormatted = merged.isFormatted || s.isFormatted
            merged.hasInterpolation = merged.hasInterpolation || s.hasInterpolation
            merged.isBytes = merged.isBytes || s.isBytes
            merged.terminated = merged.terminated && s.terminated
            advance()
        }
        return .string(merged)
    }

    /// `( … )` or `[ … ]`: a group, tuple, list or comprehension.
    mutating func parseBracketed(close: String) -> PyExpr {
        guard enter() else {
            skipToClose(close)
            _ = accept(op: close)
            return .invalid
        }
        defer { depth -= 1 }
        if accept(op: close) { return close == ")" ? .tuple([]) : .list([]) }
        let first = parseStarOrTest()
        if let t = current, t.isName("for") || t.isName("async") {
            let comprehension = parseComprehension(element: first)
            skipToClose(close)
            _ = accept(op: close)
            return comprehension
        }
        var items = [first]
        var sawComma = false
        while accept(op: ",") {
            sawComma = true
            guard let t = current, !t.isOp(close) else { break }
            let before = pos
            items.append(parseStarOrTest())
            if pos == before { break }
        }
        skipToClose(close)
        _ = accept(op: close)
        if close == "]" { return .list(items) }
        return sawComma ? .tuple(items) : first
    }

    mutating func parseBraces() -> PyExpr {
        guard enter() else {
            skipToClose("}")
            _ = accept(op: "}")
            return .invalid
        }
        defer { depth -= 1 }
        if accept(op: "}") { return .dict(keys: [], values: []) }
        var keys: [PyExpr?] = []
        var values: [PyExpr] = []
        var setItems: [PyExpr] = []
        var isDict = false
        repeat {
            guard let t = current, !t.isOp("}") else { break }
            let before = pos
            if accept(op: "**") {
                isDict = true
                keys.append(nil)
                values.append(parseOr())
            } else {
                let key = parseStarOrTest()
                if accept(op: ":") {
                    isDict = true
                    let value = parseTest()
                    if let c = current, c.isName("for") {
                        let comprehension = parseComprehension(element: value)
                        skipToClose("}")
                        _ = accept(op: "}")
                        return comprehension
                    }
                    keys.append(key)
                    values.append(value)
                } else if let c = current, c.isName("for") {
                    let comprehension = parseComprehension(element: key)
                    skipToClose("}")
                    _ = accept(op: "}")
                    return comprehension
                } else {
                    setItems.append(key)
                }
            }
            if pos == before { break }
        } while accept(op: ",")
        skipToClose("}")
        _ = accept(op: "}")
        return isDict ? .dict(keys: keys, values: values) : .set(setItems)
    }

    /// `element for a, b in iterable if cond for …` (current token is `for` or `async`).
    mutating func parseComprehension(element: PyExpr) -> PyExpr {
        var targets: [String] = []
        var iterable: PyExpr = .invalid
        var conditions: [PyExpr] = []
        var first = true
        while let t = current, t.isName("for") || t.isName("async") || t.isName("if") {
            let before = pos
            if t.isName("if") {
                advance()
                conditions.append(parseChain(level: 0))
            } else {
                _ = accept(keyword: "async")
                guard accept(keyword: "for") else { break }
                var names: [String] = []
                while let n = current, !n.isName("in") {
                    if n.kind == .name { names.append(n.text) }
                    if n.kind == .op && !Self.isTargetPunctuation(n.text, star: true) { return .invalid }
                    advance()
                }
                guard accept(keyword: "in") else { return .invalid }
                let source = parseChain(level: 0)
                if first {
                    targets = names
                    iterable = source
                    first = false
                } else {
                    conditions.append(source)
                }
            }
            if pos == before { break }
        }
        return .comprehension(element: element, targets: targets, iterable: iterable, conditions: conditions)
    }
}
