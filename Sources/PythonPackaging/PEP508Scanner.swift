/// The token rules of `packaging._tokenizer.DEFAULT_RULES`, matched by hand at a position of a string of Unicode
/// scalars (Python indexes strings by code point, so positions agree with `packaging`'s error spans).
///
/// Each `match…` function answers the end of the token that the corresponding Python regular expression would
/// match at `position` (with `re.match` semantics: anchored at `position`, greedy, first alternative that works),
/// or `nil`.
package struct PEP508Scanner {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    var count: Int { scalars.count }

    func scalar(at index: Int) -> Unicode.Scalar? {
        index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    func text(_ range: Range<Int>) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[range])
        return String(out)
    }

    // MARK: character classes

    /// Python's `\w` for `str` patterns: `str.isalnum()` or `_`.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return c.properties.numericType != nil
        }
    }

    /// Python's `\s` for `str` patterns (`str.isspace()`).
    package static func isSpace(_ c: Unicode.Scalar) -> Bool {
        if (0x1C...0x1F).contains(c.value) { return true }
        return c.properties.isWhitespace
    }

    package static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
    }

    /// `\b` at `index`: one side is a word character and the other is not (string ends count as non-word).
    func isWordBoundary(_ index: Int) -> Bool {
        let before = scalar(at: index - 1).map(Self.isWord) ?? false
        let after = scalar(at: index).map(Self.isWord) ?? false
        return before != after
    }

    /// Whether `literal` (ASCII) occurs at `index`; `caseInsensitive` folds ASCII letters only.
    func hasLiteral(_ literal: String, at index: Int, caseInsensitive: Bool = false) -> Bool {
        var i = index
        for expected in literal.unicodeScalars {
            guard let c = scalar(at: i) else { return false }
            if caseInsensitive {
                if Self.asciiLower(c) != Self.asciiLower(expected) { return false }
            } else if c != expected {
                return false
            }
            i += 1
        }
        return true
    }

    static func asciiLower(_ c: Unicode.Scalar) -> Unicode.Scalar {
        if c.value >= 0x41 && c.value <= 0x5A { return Unicode.Scalar(c.value + 0x20)! }
        return c
    }

    // MARK: token rules

    /// `WS`: `[ \t]+`.
    func matchWhitespace(at index: Int) -> Int? {
        var i = index
        while let c = scalar(at: i), c == " " || c == "\t" { i += 1 }
        return i > index ? i : nil
    }

    /// `END`: `$`, which in Python also matches just before a final newline.
    func matchesEnd(at index: Int) -> Bool {
        index == count || (index == count - 1 && scalars[index] == "\n")
    }

    /// `QUOTED_STRING`: `'[^']*'` or `"[^"]*"`.
    func matchQuotedString(at index: Int) -> Int? {
        guard let quote = scalar(at: index), quote == "'" || quote == "\"" else { return nil }
        var i = index + 1
        while let c = scalar(at: i) {
            if c == quote { return i + 1 }
            i += 1
        }
        return nil
    }

    /// `OP`: `===|==|~=|!=|<=|>=|<|>`.
    func matchOperator(at index: Int) -> Int? {
        for op in ["===", "==", "~=", "!=", "<=", ">=", "<", ">"] where hasLiteral(op, at: index) {
            return index + op.unicodeScalars.count
        }
        return nil
    }

    /// A keyword surrounded by word boundaries: `BOOLOP` (`\b(or|and)\b`), `IN`, `NOT`.
    func matchKeyword(_ keywords: [String], at index: Int) -> Int? {
        guard isWordBoundary(index) else { return nil }
        for word in keywords where hasLiteral(word, at: index) {
            let end = index + word.unicodeScalars.count
            if isWordBoundary(end) { return end }
        }
        return nil
    }

    /// The spellings `VARIABLE` accepts, in the order its alternation tries them (`extras` before `extra`).
    static let variableSpellings = [
        "python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform",
        "platform_release", "platform_system", "platform_version", "platform.version", "platform_machine",
        "platform.machine", "platform_python_implementation", "platform.python_implementation",
        "python_implementation", "implementation_name", "implementation_version", "extras", "extra",
        "dependency_groups",
    ]

    /// `VARIABLE`.
    func matchVariable(at index: Int) -> Int? {
        matchKeyword(Self.variableSpellings, at: index)
    }

    /// `URL`: `[^ \t]+`.
    func matchURL(at index: Int) -> Int? {
        var i = index
        while let c = scalar(at: i), c != " " && c != "\t" { i += 1 }
        return i > index ? i : nil
    }

    /// `IDENTIFIER`: `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, backtracking to the last word boundary.
    func matchIdentifier(at index: Int) -> Int? {
        guard let first = scalar(at: index), Self.isASCIIAlnum(first), isWordBoundary(index) else { return nil }
        var end = index + 1
        while let c = scalar(at: end), Self.isASCIIAlnum(c) || c == "." || c == "_" || c == "-" { end += 1 }
        while end > index {
            if isWordBoundary(end) { return end }
            end -= 1
        }
        return nil
    }

    /// `VERSION_PREFIX_TRAIL`: `\.\*`.
    func matchesPrefixTrail(at index: Int) -> Bool { hasLiteral(".*", at: index) }

    /// `VERSION_LOCAL_LABEL_TRAIL`: `\+[a-z0-9]+…` (only its start matters: a `+` and a lowercase alphanumeric).
    func matchesLocalLabelTrail(at index: Int) -> Bool {
        guard scalar(at: index) == "+", let c = scalar(at: index + 1) else { return false }
        return Self.isDigit(c) || (c.value >= 0x61 && c.value <= 0x7A)
    }

    // MARK: SPECIFIER (packaging.specifiers.Specifier._specifier_regex_str, case-insensitive)

    /// `SPECIFIER`: one version clause such as `>= 1.0`, `==1.2.*`, `~=2.2.post3`, `===anything`.
    func matchSpecifier(at index: Int) -> Int? {
        if hasLiteral("===", at: index) {
            var i = skipSpaces(index + 3)
            while let c = scalar(at: i), !Self.isSpace(c), c != ";", c != ")" { i += 1 }
            return i
        }
        if hasLiteral("==", at: index) || hasLiteral("!=", at: index) {
            guard let release = matchVersionStart(at: index + 2, minimumComponents: 1) else { return nil }
            if hasLiteral(".*", at: release) { return release + 2 }
            return matchLocal(at: matchSuffixes(at: release))
        }
        if hasLiteral("~=", at: index) {
            guard let release = matchVersionStart(at: index + 2, minimumComponents: 2) else { return nil }
            return matchSuffixes(at: release)
        }
        for op in ["<=", ">=", "<", ">"] where hasLiteral(op, at: index) {
            if let release = matchVersionStart(at: index + op.unicodeScalars.count, minimumComponents: 1) {
                return matchSuffixes(at: release)
            }
        }
        return nil
    }

    private func skipSpaces(_ index: Int) -> Int {
        var i = index
        while let c = scalar(at: i), Self.isSpace(c) { i += 1 }
        return i
    }

    private func skipDigits(_ index: Int) -> Int {
        var i = index
        while let c = scalar(at: i), Self.isDigit(c) { i += 1 }
        return i
    }

    /// `\s* v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)*` with at least `minimumComponents` release numbers.
    private func matchVersionStart(at index: Int, minimumComponents: Int) -> Int? {
        var i = skipSpaces(index)
        if let c = scalar(at: i), c == "v" || c == "V" { i += 1 }
        let epochEnd = skipDigits(i)
        if epochEnd > i, scalar(at: epochEnd) == "!" { i = epochEnd + 1 }
        let firstEnd = skipDigits(i)
        guard firstEnd > i else { return nil }
        i = firstEnd
        var components = 1
        while scalar(at: i) == ".", let c = scalar(at: i + 1), Self.isDigit(c) {
            i = skipDigits(i + 1)
            components += 1
        }
        return components >= minimumComponents ? i : nil
    }

    private func isSeparator(_ c: Unicode.Scalar?) -> Bool { c == "-" || c == "_" || c == "." }

    /// Tries `labels` in order at `index` (case-insensitive); the end of the first that matches.
    private func matchLabel(_ labels: [String], at index: Int) -> Int? {
        for label in labels where hasLiteral(label, at: index, caseInsensitive: true) {
            return index + label.unicodeScalars.count
        }
        return nil
    }

    /// `[-_\.]? LABEL [-_\.]? [0-9]*`, optional: the end after it, or `index` when it does not match.
    private func matchLabelledSegment(_ labels: [String], at index: Int) -> Int {
        var labelEnd: Int?
        if isSeparator(scalar(at: index)) { labelEnd = matchLabel(labels, at: index + 1) }
        if labelEnd == nil { labelEnd = matchLabel(labels, at: index) }
        guard var i = labelEnd else { return index }
        if isSeparator(scalar(at: i)) { i += 1 }
        return skipDigits(i)
    }

    /// Optional pre-release, post-release and development segments, greedily, as the regex takes them.
    private func matchSuffixes(at index: Int) -> Int {
        var i = matchLabelledSegment(["alpha", "beta", "preview", "pre", "a", "b", "c", "rc"], at: index)
        // post: (?:-[0-9]+) | (?:[-_\.]?(post|rev|r)[-_\.]?[0-9]*)
        if scalar(at: i) == "-", let c = scalar(at: i + 1), Self.isDigit(c) {
            i = skipDigits(i + 1)
        } else {
            i = matchLabelledSegment(["post", "rev", "r"], at: i)
        }
        return matchLabelledSegment(["dev"], at: i)
    }

    /// Optional local segment `\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*` (case-insensitive).
    private func matchLocal(at index: Int) -> Int {
        guard scalar(at: index) == "+", let first = scalar(at: index + 1), Self.isASCIIAlnum(first) else {
            return index
        }
        var i = index + 1
        while let c = scalar(at: i), Self.isASCIIAlnum(c) { i += 1 }
        while isSeparator(scalar(at: i)), let c = scalar(at: i + 1), Self.isASCIIAlnum(c) {
            i += 1
            while let c = scalar(at: i), Self.isASCIIAlnum(c) { i += 1 }
        }
        return i
    }
}
