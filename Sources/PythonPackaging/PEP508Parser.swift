/// One node of a parsed marker, shaped like `packaging`'s `MarkerList`: a list holds atoms separated by
/// `and`/`or`; an atom is a comparison or a parenthesised list. Keeping that shape lets formatting and
/// evaluation follow `packaging.markers` step by step.
indirect enum MarkerNode: Sendable, Hashable {
    case comparison(MarkerComparison)
    case list([MarkerNode])
    case and
    case or
}

/// `lhs op rhs`, where each side is a marker variable or a string value.
struct MarkerComparison: Sendable, Hashable {
    enum Operand: Sendable, Hashable {
        case variable(String)
        case value(String)

        var text: String {
            switch self {
            case .variable(let s), .value(let s): s
            }
        }

        var serialized: String {
            switch self {
            case .variable(let s): s
            case .value(let s): "\"\(s)\""
            }
        }
    }

    var lhs: Operand
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `~=`, `===`, `in` or `not in`.
    var op: String
    var rhs: Operand
}

/// A requirement as the grammar sees it, before the specifier is interpreted (`packaging._parser.PEP508ParsedRequirement`).
struct PEP508ParsedRequirement: Sendable, Hashable {
    var name: String
    var url: String
    var extras: [String]
    /// The specifier text as written, clauses joined by `,` (`packaging` keeps spaces inside a clause).
    var specifier: String
    var marker: [MarkerNode]?
}

/// A syntax error with the 0-based code point offset where it was found (the start of `packaging`'s caret span).
struct PEP508SyntaxError: Error, Sendable, Hashable {
    var message: String
    var position: Int
}

/// A port of `packaging._parser`: a recursive-descent parser over `PEP508Scanner`'s token rules, with the same
/// grammar, the same choices at each step and the same error messages.
struct PEP508Parser {
    private var scanner: PEP508Scanner

    init(_ source: String) {
        scanner = PEP508Scanner(source)
    }

    /// `packaging._parser.parse_requirement`.
    static func parseRequirement(_ source: String) throws(PEP508SyntaxError) -> PEP508ParsedRequirement {
        var parser = PEP508Parser(source)
        return try parser.requirement()
    }

    /// `packaging._parser.parse_marker`.
    static func parseMarker(_ source: String) throws(PEP508SyntaxError) -> [MarkerNode] {
        var parser = PEP508Parser(source)
        let marker = try parser.marker()
        try parser.expectEnd("end of marker expression")
        return marker
    }

    // MARK: tokenizer helpers

    private var position: Int { scanner.position }

    private func fail(_ message: String, at position: Int? = nil) -> PEP508SyntaxError {
        PEP508SyntaxError(message: message, position: position ?? scanner.position)
    }

    private mutating func consumeWhitespace() {
        if let end = scanner.matchWhitespace(at: position) { scanner.position = end }
    }

    private mutating func take(_ end: Int?) -> String? {
        guard let end else { return nil }
        let text = scanner.text(position..<end)
        scanner.position = end
        return text
    }

    private mutating func takeLiteral(_ literal: Unicode.Scalar) -> Bool {
        guard scanner.scalar(at: position) == literal else { return false }
        scanner.position += 1
        return true
    }

    private func atEnd() -> Bool { scanner.matchesEnd(at: position) }

    private mutating func expectEnd(_ expected: String) throws(PEP508SyntaxError) {
        guard atEnd() else { throw fail("Expected \(expected)") }
    }

    /// `Tokenizer.enclosing_tokens`: runs `body`, requiring `close` after it when `open` was there before it.
    private mutating func enclosed<T>(
        _ open: Unicode.Scalar, _ close: Unicode.Scalar, names: (String, String), around: String,
        _ body: (inout PEP508Parser) throws(PEP508SyntaxError) -> T
    ) throws(PEP508SyntaxError) -> T {
        let openPosition = position
        let opened = takeLiteral(open)
        let result = try body(&self)
        if opened && !takeLiteral(close) {
            throw fail("Expected matching \(names.1) for \(names.0), after \(around)", at: openPosition)
        }
        return result
    }

    // MARK: requirement

    private mutating func requirement() throws(PEP508SyntaxError) -> PEP508ParsedRequirement {
        consumeWhitespace()
        guard let name = take(scanner.matchIdentifier(at: position)) else {
            throw fail("Expected package name at the start of dependency specifier")
        }
        consumeWhitespace()
        let extras = try extras()
        consumeWhitespace()
        let (url, specifier, marker) = try requirementDetails()
        try expectEnd("end of dependency specifier")
        return PEP508ParsedRequirement(name: name, url: url, extras: extras, specifier: specifier, marker: marker)
    }

    private mutating func requirementDetails() throws(PEP508SyntaxError) -> (String, String, [MarkerNode]?) {
        if takeLiteral("@") {
            consumeWhitespace()
            let urlStart = position
            guard let url = take(scanner.matchURL(at: position)) else { throw fail("Expected URL after @") }
            if atEnd() { return (url, "", nil) }
            guard take(scanner.matchWhitespace(at: position)) != nil else {
                throw fail("Expected whitespace after URL")
            }
            if atEnd() { return (url, "", nil) }
            let marker = try requirementMarker(
                spanStart: urlStart, expected: "semicolon (after URL and whitespace)")
            return (url, "", marker)
        }
        let specifierStart = position
        let specifier = try specifierClause()
        consumeWhitespace()
        if atEnd() { return ("", specifier, nil) }
        let expected =
            specifier.isEmpty
            ? "semicolon (after name with no version specifier)"
            : "comma (within version specifier), semicolon (after version specifier)"
        let marker = try requirementMarker(spanStart: specifierStart, expected: expected)
        return ("", specifier, marker)
    }

    private mutating func requirementMarker(spanStart: Int, expected: String) throws(PEP508SyntaxError)
        -> [MarkerNode]
    {
        guard takeLiteral(";") else { throw fail("Expected \(expected) or end", at: spanStart) }
        let marker = try marker()
        consumeWhitespace()
        return marker
    }

    private mutating func extras() throws(PEP508SyntaxError) -> [String] {
        guard scanner.scalar(at: position) == "[" else { return [] }
        return try enclosed("[", "]", names: ("LEFT_BRACKET", "RIGHT_BRACKET"), around: "extras") {
            (p: inout PEP508Parser) throws(PEP508SyntaxError) -> [String] in
            p.consumeWhitespace()
            let list = try p.extrasList()
            p.consumeWhitespace()
            return list
        }
    }

    private mutating func extrasList() throws(PEP508SyntaxError) -> [String] {
        guard let first = take(scanner.matchIdentifier(at: position)) else { return [] }
        var extras = [first]
        while true {
            consumeWhitespace()
            if scanner.matchIdentifier(at: position) != nil { throw fail("Expected comma between extra names") }
            guard takeLiteral(",") else { break }
            consumeWhitespace()
            guard let extra = take(scanner.matchIdentifier(at: position)) else {
                throw fail("Expected extra name after comma")
            }
            extras.append(extra)
        }
        return extras
    }

    private mutating func specifierClause() throws(PEP508SyntaxError) -> String {
        try enclosed("(", ")", names: ("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS"), around: "version specifier") {
            (p: inout PEP508Parser) throws(PEP508SyntaxError) -> String in
            p.consumeWhitespace()
            let specifiers = try p.versionMany()
            p.consumeWhitespace()
            return specifiers
        }
    }

    private mutating func versionMany() throws(PEP508SyntaxError) -> String {
        var parsed = ""
        while true {
            let spanStart = position
            guard let clause = take(scanner.matchSpecifier(at: position)) else { break }
            parsed += clause
            if scanner.matchesPrefixTrail(at: position) {
                throw fail(".* suffix can only be used with `==` or `!=` operators", at: spanStart)
            }
            if scanner.matchesLocalLabelTrail(at: position) {
                throw fail("Local version label can only be used with `==` or `!=` operators", at: spanStart)
            }
            consumeWhitespace()
            guard takeLiteral(",") else { break }
            parsed += ","
            consumeWhitespace()
        }
        return parsed
    }

    // MARK: marker

    private mutating func marker() throws(PEP508SyntaxError) -> [MarkerNode] {
        var expression = [try markerAtom()]
        while let op = take(scanner.matchKeyword(["or", "and"], at: position)) {
            expression.append(op == "or" ? .or : .and)
            expression.append(try markerAtom())
        }
        return expression
    }

    private mutating func markerAtom() throws(PEP508SyntaxError) -> MarkerNode {
        consumeWhitespace()
        let atom: MarkerNode
        if scanner.scalar(at: position) == "(" {
            atom = try enclosed(
                "(", ")", names: ("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS"), around: "marker expression"
            ) { (p: inout PEP508Parser) throws(PEP508SyntaxError) -> MarkerNode in
                p.consumeWhitespace()
                let inner = try p.marker()
                p.consumeWhitespace()
                return .list(inner)
            }
        } else {
            atom = .comparison(try markerItem())
        }
        consumeWhitespace()
        return atom
    }

    private mutating func markerItem() throws(PEP508SyntaxError) -> MarkerComparison {
        consumeWhitespace()
        let lhs = try markerVariable()
        consumeWhitespace()
        let op = try markerOperator()
        consumeWhitespace()
        let rhs = try markerVariable()
        consumeWhitespace()
        return MarkerComparison(lhs: lhs, op: op, rhs: rhs)
    }

    private mutating func markerVariable() throws(PEP508SyntaxError) -> MarkerComparison.Operand {
        if let variable = take(scanner.matchVariable(at: position)) {
            let name = variable.replacingDots()
            return .variable(name == "python_implementation" ? "platform_python_implementation" : name)
        }
        let start = position
        if let quoted = take(scanner.matchQuotedString(at: position)) {
            guard let value = PythonStringLiteral.decode(quoted) else {
                throw fail("Invalid quoted string", at: start)
            }
            return .value(value)
        }
        throw fail("Expected a marker variable or quoted string")
    }

    private mutating func markerOperator() throws(PEP508SyntaxError) -> String {
        if take(scanner.matchKeyword(["in"], at: position)) != nil { return "in" }
        if take(scanner.matchKeyword(["not"], at: position)) != nil {
            guard take(scanner.matchWhitespace(at: position)) != nil else {
                throw fail("Expected whitespace after 'not'")
            }
            guard take(scanner.matchKeyword(["in"], at: position)) != nil else {
                throw fail("Expected 'in' after 'not'")
            }
            return "not in"
        }
        if let op = take(scanner.matchOperator(at: position)) { return op }
        throw fail("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
    }
}

extension String {
    fileprivate func replacingDots() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "." ? "_" : $0 }))
    }
}

/// `ast.literal_eval` of a quoted marker string: the escapes of a Python 3 string literal.
/// `\N{NAME}` escapes are refused (no Unicode name table here); every other error is what Python refuses too.
enum PythonStringLiteral {
    static func decode(_ literal: String) -> String? {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 2 else { return nil }
        let body = scalars[1..<(scalars.count - 1)]
        var out = String.UnicodeScalarView()
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            guard c == "\\" else {
                // A raw line break ends a single-quoted Python literal early; a NUL is refused by compile().
                if c == "\n" || c == "\r" || c == "\0" { return nil }
                out.append(c)
                i += 1
                continue
            }
            // A backslash right before the closing quote escapes it: the literal is unterminated.
            guard i + 1 < body.endIndex else { return nil }
            let e = body[i + 1]
            i += 2
            switch e {
            case "\n": break
            case "\r":
                if i < body.endIndex, body[i] == "\n" { i += 1 }
            case "\\", "'", "\"": out.append(e)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var value = e.value - 0x30
                var digits = 1
                while digits < 3, i < body.endIndex, ("0"..."7").contains(body[i]) {
                    value = value * 8 + body[i].value - 0x30
                    i += 1
                    digits += 1
                }
                guard let scalar = Unicode.Scalar(value) else { return nil }
                out.append(scalar)
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard i + width <= body.endIndex else { return nil }
                var value: UInt32 = 0
                for d in body[i..<(i + width)] {
                    guard let digit = hexValue(d) else { return nil }
                    value = value * 16 + digit
                }
                i += width
                // Lone surrogates are valid in Python strings but not in Swift ones: refuse them.
                guard let scalar = Unicode.Scalar(value) else { return nil }
                out.append(scalar)
            case "N":
                return nil
            default:
                // Unknown escapes stay as written (Python warns but keeps them).
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: c.value - 0x30
        case 0x41...0x46: c.value - 0x41 + 10
        case 0x61...0x66: c.value - 0x61 + 10
        default: nil
        }
    }
}
