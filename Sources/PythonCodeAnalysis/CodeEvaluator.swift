import Foundation

/// One evaluated call argument.
struct EvaluatedArgument {
    var keyword: String?
    var value: PyValue
    var star: Int
}

/// Expression evaluation over abstract values: constants are folded, names resolved through imports and
/// assignments, and every call is checked against the rules as it is met.
extension AnalyzerRun {
    /// Work allowed for evaluating comprehensions item by item, per run.
    static let foldBudget = 50_000

    func evaluate(_ expr: PyExpr) -> PyValue {
        switch expr {
        case .name(let n):
            return special(resolve(n))
        case .string(let literal):
            if literal.hasInterpolation {
                return .str(literal.value + "…", isBytes: literal.isBytes, origin: .partial)
            }
            checkBlob(literal)
            return .str(literal.value, isBytes: literal.isBytes, origin: .literal)
        case .number(let text):
            return Self.parseInt(text).map(PyValue.int) ?? .unknown
        case .attribute(let base, let name):
            return attribute(evaluate(base), name)
        case .call(let callee, let args, let line):
            let saved = currentLine
            currentLine = line
            let target = evaluate(callee)
            let values = args.map { EvaluatedArgument(keyword: $0.keyword, value: evaluate($0.value), star: $0.star) }
            currentLine = line
            let value = call(target, values)
            currentLine = saved
            return value
        case .subscript(let base, let index):
            let b = evaluate(base)
            if case .slice(let lo, let hi, let step) = index {
                let l = lo.map(evaluate)
                let h = hi.map(evaluate)
                let s = step.map(evaluate)
                return slice(b, l, h, s)
            }
            return subscriptValue(b, evaluate(index))
        case .slice(let lo, let hi, let step):
            for part in [lo, hi, step] { if let part { _ = evaluate(part) } }
            return .unknown
        case .chain(let operands, let ops):
            var value = evaluate(operands[0])
            for (i, op) in ops.enumerated() where i + 1 < operands.count {
                value = binary(op, value, evaluate(operands[i + 1]))
            }
            return value
        case .unary(let op, let operand):
            let v = evaluate(operand)
            switch (op, v) {
            case ("-", .int(let i)): return .int(0 &- i)
            case ("+", .int), ("await", _): return v
            case ("~", .int(let i)): return .int(~i)
            default: return .unknown
            }
        case .tuple(let items), .list(let items):
            return .list(items.map(evaluate))
        case .set(let items):
            for item in items { _ = evaluate(item) }
            return .unknown
        case .dict(let keys, let values):
            for key in keys { if let key { _ = evaluate(key) } }
            for value in values { _ = evaluate(value) }
            return .unknown
        case .comprehension(let element, let targets, let iterable, let conditions):
            return comprehension(element, targets, iterable, conditions)
        case .ternary(let body, let condition, let orElse):
            let a = evaluate(body)
            _ = evaluate(condition)
            let b = evaluate(orElse)
            if case .data = b, !isData(a) { return b }
            return a
        case .lambda(let body):
            _ = evaluate(body)
            return .unknown
        case .walrus(let name, let value):
            let v = evaluate(value)
            environment[name] = v
            return v
        case .starred(let inner):
            return evaluate(inner)
        case .invalid:
            return .unknown
        }
    }

    func isData(_ v: PyValue) -> Bool {
        if case .data = v { return true }
        return false
    }

    /// Values a qualified name stands for by itself, before any call.
    func special(_ value: PyValue) -> PyValue {
        guard case .ref(let q) = value else { return value }
        switch q {
        case "os.environ", "os.environb", "posix.environ": return .environ
        case "sys.modules": return .ref("<sys.modules>")
        case "sys.prefix", "sys.exec_prefix", "sys.base_prefix", "site.USER_SITE", "site.USER_BASE":
            return .path(PathValue(anchor: .site, rest: ""))
        default: return value
        }
    }

    static func parseInt(_ text: String) -> Int? {
        // Plain decimal literals (nearly all of them) need no cleaning up.
        if text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return Int(text) }
        var t = text.replacingOccurrences(of: "_", with: "").lowercased()
        if t.hasSuffix("l") { t.removeLast() }
        if t.hasPrefix("0x") { return Int(t.dropFirst(2), radix: 16) }
        if t.hasPrefix("0o") { return Int(t.dropFirst(2), radix: 8) }
        if t.hasPrefix("0b") { return Int(t.dropFirst(2), radix: 2) }
        return Int(t)
    }

    // MARK: Operators

    func binary(_ op: String, _ a: PyValue, _ b: PyValue) -> PyValue {
        if isData(a) && op != "and" && op != "or" { return a }
        if isData(b) && op != "and" && op != "or" { return b }
        switch (op, a, b) {
        case ("+", .str(let x, let xb, let xo), .str(let y, let yb, let yo)):
            return .str(x + y, isBytes: xb || yb, origin: xo.combined(with: yo).concatenatedIfLiteral)
        case ("+", .str(let x, let xb, _), .unknown):
            return .str(x + "…", isBytes: xb, origin: .partial)
        case ("+", .unknown, .str(let y, let yb, _)):
            return .str("…" + y, isBytes: yb, origin: .partial)
        case ("+", .path(let p), .str(let y, _, _)):
            return .path(PathValue(anchor: p.anchor, rest: p.rest + y))
        case ("/", .path(let p), .str(let y, _, _)):
            return .path(p.joined(y))
        case ("/", .path(let p), .unknown):
            return .path(PathValue(anchor: p.anchor == .relative ? .unknown : p.anchor, rest: p.rest + "/…"))
        case ("+", .list(let x), .list(let y)):
            return .list(x + y)
        case ("*", .str(let s, let isBytes, let origin), .int(let n)),
            ("*", .int(let n), .str(let s, let isBytes, let origin)):
            guard n >= 0, s.utf8.count * n <= 1 << 20 else { return .unknown }
            return .str(String(repeating: s, count: n), isBytes: isBytes, origin: origin.concatenatedIfLiteral)
        case ("%", .str(let format, let isBytes, let origin), _):
            return .str(
                Self.percentFormat(format, b), isBytes: isBytes,
                origin: origin == .literal && Self.isConstant(b) ? .concatenated : .partial)
        case (_, .int(let x), .int(let y)):
            return Self.intOperation(op, x, y).map(PyValue.int) ?? .unknown
        default:
            return .unknown
        }
    }

    static func isConstant(_ v: PyValue) -> Bool {
        switch v {
        case .str(_, _, let origin): origin != .partial
        case .int: true
        case .list(let items): items.allSatisfy(isConstant)
        default: false
        }
    }

    /// `'%s …' % args`, with unknown arguments shown as `…`.
    static func percentFormat(_ format: String, _ args: PyValue) -> String {
        var items: [PyValue]
        if case .list(let list) = args { items = list } else { items = [args] }
        var out = ""
        var iterator = format.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else {
                out.append(c)
                continue
            }
            // Skip flags, width and precision up to the conversion character.
            var conversion: Character?
            while let n = iterator.next() {
                if n.isLetter || n == "%" {
                    conversion = n
                    break
                }
            }
            if conversion == "%" {
                out.append("%")
                continue
            }
            let item = items.isEmpty ? PyValue.unknown : items.removeFirst()
            switch item {
            case .str(let s, _, let origin) where origin != .partial: out += s
            case .int(let i): out += String(i)
            default: out += "…"
            }
        }
        return out
    }

    static func intOperation(_ op: String, _ x: Int, _ y: Int) -> Int? {
        switch op {
        case "+": return x.addingReportingOverflow(y).overflow ? nil : x + y
        case "-": return x.subtractingReportingOverflow(y).overflow ? nil : x - y
        case "*": return x.multipliedReportingOverflow(by: y).overflow ? nil : x * y
        case "//": return y == 0 || (x == Int.min && y == -1) ? nil : Int((Double(x) / Double(y)).rounded(.down))
        case "%":
            guard y != 0, !(x == Int.min && y == -1) else { return nil }
            let r = x % y
            return r != 0 && (r < 0) != (y < 0) ? r + y : r
        case "^": return x ^ y
        case "&": return x & y
        case "|": return x | y
        case "<<": return y >= 0 && y < 62 && abs(x) < 1 << 30 ? x << y : nil
        case ">>": return y >= 0 && y < 64 ? x >> y : nil
        default: return nil
        }
    }

    // MARK: Attributes and subscripts

    func attribute(_ value: PyValue, _ name: String) -> PyValue {
        switch value {
        case .ref(let q):
            if name == "__dict__" { return value }
            if q.hasPrefix("<") { return .unknown }
            return special(.ref(CodeRules.canonical(q + "." + name)))
        case .data:
            return value
        case .path(let p):
            if name == "parent" { return .path(p.dirname) }
            return .method(value, name)
        case .str, .file, .environ, .list:
            return .method(value, name)
        default:
            return .unknown
        }
    }

    func subscriptValue(_ value: PyValue, _ index: PyValue) -> PyValue {
        switch (value, index) {
        case (.str(let s, let isBytes, let origin), .int(let i)):
            let scalars = Array(s.unicodeScalars.prefix(1 << 20))
            let at = i < 0 ? scalars.count + i : i
            guard at >= 0 && at < scalars.count else { return .unknown }
            if isBytes { return .int(Int(scalars[at].value)) }
            return .str(String(scalars[at]), isBytes: false, origin: origin.concatenatedIfLiteral)
        case (.list(let items), .int(let i)):
            let at = i < 0 ? items.count + i : i
            return at >= 0 && at < items.count ? items[at] : .unknown
        case (.environ, _):
            return environmentAccess(index)
        case (.ref(let q), .str(let key, _, let origin)) where origin != .partial:
            switch q {
            case "<globals>":
                checkBuiltName(key, origin, how: "a globals() lookup")
                if let bound = environment[key] { return special(bound) }
                return CodeRules.builtins.contains(key) ? .ref("builtins." + key) : .unknown
            case "builtins":
                checkBuiltName(key, origin, how: "a __builtins__ lookup")
                return .ref("builtins." + key)
            case "<sys.modules>":
                checkBuiltName(key, origin, how: "a sys.modules lookup")
                return special(.ref(CodeRules.canonical(key)))
            default:
                return .unknown
            }
        case (.path, _), (.data, _):
            return value
        default:
            return .unknown
        }
    }

    func slice(_ value: PyValue, _ lo: PyValue?, _ hi: PyValue?, _ step: PyValue?) -> PyValue {
        func bound(_ v: PyValue?) -> Int?? {
            guard let v else { return .some(nil) }
            if case .int(let i) = v { return .some(i) }
            return nil
        }
        guard let l = bound(lo), let h = bound(hi), let s = bound(step) else {
            return isData(value) ? value : .unknown
        }
        switch value {
        case .str(let text, let isBytes, let origin):
            let scalars = Array(text.unicodeScalars.prefix(1 << 20))
            guard let indices = Self.sliceIndices(count: scalars.count, l, h, s) else { return .unknown }
            let out = String(String.UnicodeScalarView(indices.map { scalars[$0] }))
            let stepValue = s ?? 1
            let newOrigin: StringOrigin =
                stepValue < 0
                ? .obfuscated("reversal") : stepValue > 1 ? .obfuscated("stride") : origin.concatenatedIfLiteral
            return .str(out, isBytes: isBytes, origin: origin == .partial ? .partial : newOrigin)
        case .list(let items):
            guard let indices = Self.sliceIndices(count: items.count, l, h, s) else { return .unknown }
            return .list(indices.map { items[$0] })
        case .data, .path:
            return value
        default:
            return .unknown
        }
    }

    /// Python's slice semantics over `count` items.
    static func sliceIndices(count n: Int, _ lo: Int?, _ hi: Int?, _ step: Int?) -> [Int]? {
        let step = step ?? 1
        guard step != 0 else { return nil }
        if step > 0 {
            func clamp(_ v: Int) -> Int { v < 0 ? max(0, v + n) : min(v, n) }
            let start = clamp(lo ?? 0)
            let stop = clamp(hi ?? n)
            return start < stop ? Array(stride(from: start, to: stop, by: step)) : []
        }
        func clamp(_ v: Int) -> Int { v < 0 ? max(-1, v + n) : min(v, n - 1) }
        let start = lo.map(clamp) ?? n - 1
        let stop = hi.map(clamp) ?? -1
        return start > stop ? Array(stride(from: start, to: stop, by: step)) : []
    }

    // MARK: Comprehensions

    func comprehension(_ element: PyExpr, _ targets: [String], _ iterable: PyExpr, _ conditions: [PyExpr]) -> PyValue {
        let source = evaluate(iterable)
        let saved = targets.map { environment[$0] }
        defer {
            for (name, value) in zip(targets, saved) { environment[name] = value }
        }
        if targets.count == 1, conditions.isEmpty, let items = Self.items(of: source),
            items.count <= foldBudgetLeft
        {
            foldBudgetLeft -= items.count
            var out: [PyValue] = []
            for item in items {
                environment[targets[0]] = item
                out.append(evaluate(element))
            }
            return .list(out)
        }
        for name in targets { environment[name] = .unknown }
        let value = evaluate(element)
        for condition in conditions { _ = evaluate(condition) }
        return isData(value) ? value : .unknown
    }

    /// The items iterating over a constant gives: list items, characters, or byte values.
    static func items(of value: PyValue) -> [PyValue]? {
        switch value {
        case .list(let items): return items
        case .str(let s, let isBytes, let origin) where origin != .partial && s.unicodeScalars.count <= 1 << 16:
            return s.unicodeScalars.map {
                isBytes ? .int(Int($0.value)) : .str(String($0), isBytes: false, origin: origin.concatenatedIfLiteral)
            }
        default: return nil
        }
    }

    // MARK: Findings from values

    /// A dangerous name assembled from pieces and then used to look something up is obfuscation.
    func checkBuiltName(_ name: String, _ origin: StringOrigin, how: String) {
        guard origin != .literal, origin != .partial, CodeRules.isDangerousName(name) else { return }
        report(
            .obfuscation, CodeRules.severity(.obfuscation, phase),
            note: "builds the name '\(Evidence.clip(name, limit: 40))' from pieces for \(how)")
    }

    func checkBlob(_ literal: PyStringLiteral) {
        let minimum = analyzer.blobMinimum
        guard literal.value.utf8.count >= minimum,
            let encoding = StaticDecoders.blobEncoding(literal.value, minimum: minimum)
        else { return }
        var note =
            encoding == "hex"
            ? "string of \(literal.value.utf8.count) hex digits"
            : "string of \(literal.value.utf8.count) base64 characters"
        var strong = false
        let decoded =
            encoding == "hex" ? StaticDecoders.hex(literal.value.utf8) : StaticDecoders.base64(literal.value.utf8)
        if let decoded {
            if let format = StaticDecoders.compressionFormat(decoded) {
                strong = true
                note += " that decodes to \(format) data"
            } else if StaticDecoders.looksLikePython(decoded) {
                strong = true
                note += " that decodes to Python source"
            }
        }
        report(.encodedBlob, CodeRules.severity(.encodedBlob, phase, strong: strong), note: note)
    }

    /// `os.environ[key]`, `os.getenv(key)`, `os.environ.get(key)`.
    func environmentAccess(_ key: PyValue) -> PyValue {
        guard let name = key.constantString else { return .unknown }
        if CodeRules.isSecretVariable(name), phase == .install || phase == .startup {
            report(
                .credentials, CodeRules.severity(.credentials, phase), note: "reads the environment variable \(name)")
        }
        if CodeRules.homeVariables.contains(name.uppercased()) { return .path(PathValue(anchor: .home, rest: "")) }
        return .unknown
    }

    /// Strings passed to a call that name credential locations (install and start-up code only, where any mention
    /// is suspect; library code is judged only where it actually opens such a file).
    func checkCredentialText(_ args: [EvaluatedArgument]) {
        guard phase == .install || phase == .startup else { return }
        for arg in args {
            for text in arg.value.knownText {
                if let marker = CodeRules.credentialMarker(in: text + "/") {
                    report(.credentials, CodeRules.severity(.credentials, phase), note: "refers to \(marker)")
                    return
                }
            }
        }
    }
}

extension StringOrigin {
    /// Combining or cutting a literal makes it concatenated; other origins stay.
    var concatenatedIfLiteral: StringOrigin { self == .literal ? .concatenated : self }
}

extension PathValue {
    /// The parent directory.
    var dirname: PathValue {
        guard let slash = rest.lastIndex(where: { $0 == "/" || $0 == "\\" }) else {
            return PathValue(anchor: anchor, rest: "")
        }
        return PathValue(anchor: anchor, rest: String(rest[..<slash]))
    }
}
