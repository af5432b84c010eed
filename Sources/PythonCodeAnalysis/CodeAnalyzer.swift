import AlterCore
import Foundation

/// A module a piece of code imports, for following install-time and start-up imports into the artifact.
package struct ImportedModule: Sendable, Hashable {
    /// Dotted name without leading dots (`pkg.sub`), possibly empty for `from . import x`.
    package var module: String
    /// Leading dots of a relative import (0 for absolute).
    package var level: Int
    /// Names imported from it (`from m import a, b`), which may be submodules.
    package var names: [String]
    package var line: Int
    package var phase: CodePhase
}

/// A file whose contents the code reads and runs (`exec(open(p).read())`), for the inspector to judge.
package struct ExecutedFile: Sendable, Hashable {
    package var path: PathValue
    package var line: Int
    package var phase: CodePhase
    package var evidence: String
}

/// What static analysis found in one Python source file.
package struct CodeAnalysis: Sendable {
    package var findings: [InspectionFinding] = []
    package var imports: [ImportedModule] = []
    package var executedFiles: [ExecutedFile] = []
    /// Lines passing `cmdclass=` (custom setup commands: code that runs at install time).
    package var commandClassLines: [Int] = []
}

/// Static analysis of Python source over tokens and expressions (never by running it, never by grepping lines):
/// imports and aliases, calls resolved through them and through simple assignments, constants folded through
/// concatenation, `chr()`, reversal, hex/base64/rot13/zlib decoding, so that `from os import system as s; s(…)` and
/// `getattr(__builtins__, 'ex'+'ec')` read as what they are.
package struct CodeAnalyzer: Sendable {
    /// Bumped whenever the rules change what is found, so that cached inspection results are recomputed.
    package static let rulesVersion = 1

    /// Shortest string literal reported as an encoded blob.
    package var blobMinimum = 400
    /// How deep `exec` of a constant or decoded payload is followed into the payload.
    package var maxPayloadDepth = 3

    package init() {}

    /// Analyses `source` (the file at `file` inside the artifact). Module-level statements run in `topPhase`, function
    /// bodies in `functionPhase`.
    package func analyze(
        source: [UInt8], file: String, topPhase: CodePhase, functionPhase: CodePhase
    ) -> CodeAnalysis {
        analyze(
            tokens: PythonTokenizer(source: source).tokenize(keepTrivia: false), source: source, file: file,
            topPhase: topPhase, functionPhase: functionPhase)
    }

    /// Analyses `source` from its tokens (`PythonTokenizer.tokenize(keepTrivia: false)` of it).
    func analyze(
        tokens: [PyToken], source: [UInt8], file: String, topPhase: CodePhase, functionPhase: CodePhase
    ) -> CodeAnalysis {
        let run = AnalyzerRun(
            analyzer: self, file: file, source: source, topPhase: topPhase, functionPhase: functionPhase,
            payloadDepth: 0, lineOverride: nil, evidencePrefix: "", environment: [:], starModules: [])
        run.run(tokens)
        run.finish()
        return run.result
    }

    /// The findings and executed files of code that runs only when called (tests, examples, scripts: top and
    /// function phases both `.callTime`), the only parts of such an analysis an inspection uses. Most such files
    /// cannot give any: in that phase only running decoded or downloaded code, unpickling it, a name built from
    /// pieces for a lookup, an encoded blob and `exec` of a file are reported, and each needs one of the names in
    /// `callTimeNames` (or a string of `blobMinimum` bytes) among the tokens. Those files are tokenised and
    /// skipped, never parsed.
    package func analyzeCallTimeCode(source: [UInt8], file: String) -> (
        findings: [InspectionFinding], executedFiles: [ExecutedFile]
    ) {
        let tokens = PythonTokenizer(source: source).tokenize(keepTrivia: false)
        guard mayFindAtCallTime(tokens) else { return ([], []) }
        let analysis = analyze(
            tokens: tokens, source: source, file: file, topPhase: .callTime, functionPhase: .callTime)
        return (analysis.findings, analysis.executedFiles)
    }

    /// Names through which call-time code reaches what is reported at call time: the `exec` family and what runs
    /// code (`runsource`, `push`, `run_path`, unpickling `loads`), dynamic lookups (`getattr`, `__import__`,
    /// `import_module`, `globals`, `locals`, `vars`, `sys.modules`, the builtins module), and the process functions
    /// that may run `python -c` code. `exec…`, `spawn…` and `posix_spawn…` names count by prefix.
    static let callTimeNames: Set<String> = [
        "exec", "eval", "execfile", "runsource", "push", "run_path", "loads", "getattr", "__import__", "import_module",
        "globals", "locals", "vars", "modules", "builtins", "__builtins__", "__builtin__", "system", "popen", "popen2",
        "popen3", "popen4", "Popen", "call", "check_call", "check_output", "run", "getoutput", "getstatusoutput",
        "spawn", "startfile", "create_subprocess_exec", "create_subprocess_shell",
    ]

    /// Whether call-time code with these tokens can give a finding or an executed file (see `analyzeCallTimeCode`).
    func mayFindAtCallTime(_ tokens: [PyToken]) -> Bool {
        var stringRun = 0
        for t in tokens {
            if t.kind == .string {
                // Adjacent literals are one string to the parser.
                stringRun += t.string?.value.utf8.count ?? 0
                if stringRun >= blobMinimum { return true }
                continue
            }
            stringRun = 0
            guard t.kind == .name else { continue }
            if Self.callTimeNames.contains(t.text) || t.text.hasPrefix("exec") || t.text.hasPrefix("spawn")
                || t.text.hasPrefix("posix_spawn")
            {
                return true
            }
        }
        return false
    }
}

/// One pass over one source text. A class so that nested expression evaluation can record as it goes.
final class AnalyzerRun {
    let analyzer: CodeAnalyzer
    let file: String
    let source: [UInt8]
    let topPhase: CodePhase
    let functionPhase: CodePhase
    let payloadDepth: Int
    /// For payloads: every finding is placed at the line of the `exec` that runs them.
    let lineOverride: Int?
    let evidencePrefix: String

    var result = CodeAnalysis()
    var environment: [String: PyValue]
    var starModules: [String]
    var phase: CodePhase
    var currentLine = 1
    var lineStarts: [Int] = []
    /// Best finding per (kind, line, file): the most severe wins.
    var best: [String: InspectionFinding] = [:]
    var order: [String] = []
    var bulkEnvironmentLine: Int?
    var foldBudgetLeft = AnalyzerRun.foldBudget

    init(
        analyzer: CodeAnalyzer, file: String, source: [UInt8], topPhase: CodePhase, functionPhase: CodePhase,
        payloadDepth: Int, lineOverride: Int?, evidencePrefix: String, environment: [String: PyValue],
        starModules: [String]
    ) {
        self.analyzer = analyzer
        self.file = file
        self.source = source
        self.topPhase = topPhase
        self.functionPhase = functionPhase
        self.payloadDepth = payloadDepth
        self.lineOverride = lineOverride
        self.evidencePrefix = evidencePrefix
        self.environment = environment
        self.starModules = starModules
        self.phase = topPhase
    }

    // MARK: Findings

    /// The source text of a 1-based line, trimmed and shortened for evidence.
    func sourceLine(_ line: Int) -> String {
        if lineStarts.isEmpty {
            lineStarts = [0]
            for (i, b) in source.enumerated() where b == 0x0A { lineStarts.append(i + 1) }
        }
        guard line >= 1 && line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] : source.count
        while end > start && (source[end - 1] == 0x0A || source[end - 1] == 0x0D) { end -= 1 }
        return Evidence.clip(String(decoding: source[start..<end], as: UTF8.self))
    }

    func report(_ kind: InspectionFinding.Kind, _ severity: Severity?, note: String? = nil, line: Int? = nil) {
        guard let severity else { return }
        let at = line ?? currentLine
        var evidence = evidencePrefix + sourceLine(at)
        if let note { evidence = note + ": " + evidence }
        let finding = InspectionFinding(
            kind: kind, severity: severity, file: file, line: lineOverride ?? at, evidence: Evidence.clip(evidence),
            phase: phase)
        let key = "\(kind.rawValue)#\(finding.line ?? 0)"
        if let existing = best[key] {
            if existing.severity < severity { best[key] = finding }
        } else {
            best[key] = finding
            order.append(key)
        }
    }

    func finish() {
        if let line = bulkEnvironmentLine, phase != .callTime,
            best.values.contains(where: { $0.kind == .network && $0.severity >= .high })
        {
            report(
                .credentials, CodeRules.severity(.credentials, topPhase == .callTime ? .importTime : topPhase),
                note: "copies the whole environment in a file that also reaches the network", line: line)
        }
        result.findings = order.compactMap { best[$0] }
    }

    // MARK: Statements

    func run(_ tokens: [PyToken]) {
        var defIndents: [Int] = []
        var start = 0
        while start < tokens.count {
            var end = start
            while end < tokens.count && tokens[end].kind != .newline { end += 1 }
            if end > start {
                let indent = tokens[start].column
                while let top = defIndents.last, top >= indent { defIndents.removeLast() }
                phase = defIndents.isEmpty ? topPhase : functionPhase
                if let bodyIndent = statementLine(tokens, start, end, indent: indent) {
                    defIndents.append(bodyIndent)
                }
            }
            start = end + 1
        }
    }

    /// Handles one logical line. Returns the indent to push when it opens a function body on the following lines.
    func statementLine(_ tokens: [PyToken], _ start: Int, _ end: Int, indent: Int) -> Int? {
        let first = tokens[start]
        currentLine = first.line
        var head = start
        if first.isName("async"), start + 1 < end { head = start + 1 }
        let keyword = tokens[head]
        let isSoftCompound =
            (keyword.isName("match") || keyword.isName("case")) && tokens[end - 1].isOp(":")
            && head + 1 < end && !tokens[head + 1].isOp("=") && !tokens[head + 1].isOp(".")
        guard keyword.kind == .name, Self.isCompound(keyword.text) || isSoftCompound else {
            simpleStatements(tokens, start, end)
            return nil
        }
        guard let colon = headerColon(tokens, head + 1, end) else {
            simpleStatements(tokens, head + 1, end)
            return nil
        }
        header(keyword.text, tokens, head + 1, colon)
        // Library code under `if __name__ == "__main__":` runs when the file is run as a script, not on import.
        let isDef = keyword.isName("def") || (topPhase == .importTime && isMainGuard(tokens, head + 1, colon))
        if colon + 1 < end {
            let saved = phase
            if isDef { phase = functionPhase }
            _ = statementLine(tokens, colon + 1, end, indent: indent)
            phase = saved
            return nil
        }
        return isDef ? indent : nil
    }

    /// Keywords that open a compound statement.
    static func isCompound(_ keyword: String) -> Bool {
        switch keyword {
        case "if", "elif", "while", "for", "with", "def", "class", "try", "except", "finally", "else": true
        default: false
        }
    }

    /// Keywords of simple statements whose rest is expressions.
    static func isExpressionStatement(_ keyword: String) -> Bool {
        switch keyword {
        case "return", "raise", "assert", "del", "print", "global", "nonlocal", "await": true
        default: false
        }
    }

    /// An `if` whose condition requires `__name__ == "__main__"` (either way round, possibly `and`-ed with more).
    func isMainGuard(_ tokens: [PyToken], _ start: Int, _ end: Int) -> Bool {
        guard tokens[start - 1].isName("if") else { return false }
        var found = false
        var i = start
        while i < end {
            let t = tokens[i]
            if t.isName("or") { return false }
            if i + 2 < end, tokens[i + 1].isOp("==") {
                let other = tokens[i + 2]
                if (t.isName("__name__") && other.string?.value == "__main__")
                    || (other.isName("__name__") && t.string?.value == "__main__")
                {
                    found = true
                }
            }
            i += 1
        }
        return found
    }

    /// The `:` ending a compound statement's header (lambdas inside it take their own colons).
    func headerColon(_ tokens: [PyToken], _ start: Int, _ end: Int) -> Int? {
        var depth = 0
        var lambdas = 0
        var i = start
        while i < end {
            let t = tokens[i]
            if t.kind == .op {
                depth += Int(t.bracket)
                if t.bracket == 0 && depth == 0 && t.text == ":" {
                    if lambdas > 0 { lambdas -= 1 } else { return i }
                }
            } else if t.isName("lambda") && depth == 0 {
                lambdas += 1
            }
            i += 1
        }
        return nil
    }

    func header(_ keyword: String, _ tokens: [PyToken], _ start: Int, _ end: Int) {
        switch keyword {
        case "def", "class":
            if start < end, tokens[start].kind == .name { environment[tokens[start].text] = .unknown }
            if keyword == "class" { _ = evaluateRange(tokens, start + 1, end) }
        case "for":
            var i = start
            var targets: [String] = []
            while i < end && !tokens[i].isName("in") {
                if tokens[i].kind == .name { targets.append(tokens[i].text) }
                i += 1
            }
            _ = evaluateRange(tokens, i + 1, end)
            for t in targets { environment[t] = .unknown }
        case "with":
            var parser = PythonExpressionParser(tokens: tokens, start: start, end: end)
            while !parser.atEnd {
                let before = parser.pos
                let value = evaluate(parser.parseTest())
                if parser.accept(keyword: "as") {
                    if let t = parser.current, t.kind == .name {
                        environment[t.text] = value
                    }
                    _ = parser.parseTest()
                }
                if !parser.accept(op: ",") && parser.pos == before { parser.skip() }
            }
        case "except", "try", "finally", "else":
            break
        default:
            _ = evaluateRange(tokens, start, end)
        }
    }

    /// Simple statements separated by `;`.
    func simpleStatements(_ tokens: [PyToken], _ start: Int, _ end: Int) {
        var depth = 0
        var segment = start
        for i in start..<end {
            let t = tokens[i]
            guard t.kind == .op else { continue }
            depth += Int(t.bracket)
            if t.text == ";" && depth <= 0 {
                if i > segment { simpleStatement(tokens, segment, i) }
                segment = i + 1
            }
        }
        if end > segment { simpleStatement(tokens, segment, end) }
    }

    func simpleStatement(_ tokens: [PyToken], _ start: Int, _ end: Int) {
        let first = tokens[start]
        currentLine = first.line
        if first.isName("import") { return importStatement(tokens, start + 1, end) }
        if first.isName("from") { return fromStatement(tokens, start + 1, end) }
        if first.kind == .name && Self.isExpressionStatement(first.text) {
            _ = evaluateRange(tokens, start + 1, end)
            return
        }
        if first.isOp("@") {
            _ = evaluateRange(tokens, start + 1, end)
            return
        }
        // Assignment targets are the segments before each top-level `=`.
        var depth = 0
        var equals: [Int] = []
        var augmented: (index: Int, op: String)?
        var annotation: Int?
        for i in start..<end {
            let t = tokens[i]
            guard t.kind == .op else { continue }
            if t.bracket != 0 {
                depth += Int(t.bracket)
                continue
            }
            guard depth == 0, t.text.utf8.last == UInt8(ascii: "=") || t.text == ":" else { continue }
            switch t.text {
            case "=": equals.append(i)
            case ":" where annotation == nil && equals.isEmpty: annotation = i
            case "+=", "-=", "*=", "/=", "%=", "|=", "^=", "&=", "//=", "**=", "<<=", ">>=", "@=":
                if augmented == nil && equals.isEmpty { augmented = (i, String(t.text.dropLast())) }
            default: break
            }
        }
        if let augmented {
            let value = evaluateRange(tokens, augmented.index + 1, end)
            if augmented.index == start + 1, tokens[start].kind == .name {
                let name = tokens[start].text
                environment[name] = binary(augmented.op, resolve(name), value)
            }
            return
        }
        if let annotation, equals.isEmpty {
            _ = evaluateRange(tokens, annotation + 1, end)
            return
        }
        guard let last = equals.last else {
            _ = evaluateRange(tokens, start, end)
            return
        }
        let value = evaluateRange(tokens, last + 1, end)
        var targetStart = start
        for eq in equals {
            let targetEnd = annotation.map { $0 > targetStart && $0 < eq ? $0 : eq } ?? eq
            assign(tokens, targetStart, targetEnd, value)
            targetStart = eq + 1
        }
    }

    func assign(_ tokens: [PyToken], _ start: Int, _ end: Int, _ value: PyValue) {
        guard start < end else { return }
        if end == start + 1, tokens[start].kind == .name {
            environment[tokens[start].text] = value
            return
        }
        // A tuple of plain names: pair with a tuple value when the lengths agree.
        var names: [String] = []
        var plain = true
        for i in start..<end {
            let t = tokens[i]
            if t.kind == .name {
                names.append(t.text)
            } else if !(t.kind == .op && PythonExpressionParser.isTargetPunctuation(t.text, star: false)) {
                plain = false
            }
        }
        if plain && !names.isEmpty {
            if case .list(let items) = value, items.count == names.count {
                for (n, v) in zip(names, items) { environment[n] = v }
            } else {
                for n in names { environment[n] = .unknown }
            }
            return
        }
        // `x.attr = …`, `d[k] = …`: the target's own calls still count.
        _ = evaluateRange(tokens, start, end)
    }

    func importStatement(_ tokens: [PyToken], _ start: Int, _ end: Int) {
        var i = start
        while i < end {
            var parts: [String] = []
            while i < end, tokens[i].kind == .name, !tokens[i].isName("as") {
                parts.append(tokens[i].text)
                i += 1
                if i < end, tokens[i].isOp(".") { i += 1 } else { break }
            }
            guard !parts.isEmpty else {
                i += 1
                continue
            }
            let module = parts.joined(separator: ".")
            result.imports.append(
                ImportedModule(module: module, level: 0, names: [], line: currentLine, phase: phase))
            if i + 1 < end, tokens[i].isName("as"), tokens[i + 1].kind == .name {
                environment[tokens[i + 1].text] = .ref(CodeRules.canonical(module))
                i += 2
            } else {
                environment[parts[0]] = .ref(CodeRules.canonical(parts[0]))
            }
            while i < end, !tokens[i].isOp(",") { i += 1 }
            i += 1
        }
    }

    func fromStatement(_ tokens: [PyToken], _ start: Int, _ end: Int) {
        var i = start
        var level = 0
        while i < end, tokens[i].isOp(".") || tokens[i].isOp("...") {
            level += tokens[i].text.count
            i += 1
        }
        var parts: [String] = []
        while i < end, tokens[i].kind == .name, !tokens[i].isName("import") {
            parts.append(tokens[i].text)
            i += 1
            if i < end, tokens[i].isOp(".") { i += 1 } else { break }
        }
        guard i < end, tokens[i].isName("import") else { return }
        i += 1
        let module = parts.joined(separator: ".")
        let base = level > 0 ? String(repeating: ".", count: level) + module : CodeRules.canonical(module)
        var names: [String] = []
        while i < end {
            let t = tokens[i]
            if t.isOp("*") {
                starModules.append(base)
                names.append("*")
            } else if t.kind == .name {
                var bound = t.text
                if i + 2 < end, tokens[i + 1].isName("as"), tokens[i + 2].kind == .name {
                    bound = tokens[i + 2].text
                    i += 2
                }
                names.append(t.text)
                let qualified = base.hasSuffix(".") || base.isEmpty ? base + t.text : base + "." + t.text
                environment[bound] = .ref(level > 0 ? qualified : CodeRules.canonical(qualified))
            }
            i += 1
        }
        result.imports.append(
            ImportedModule(module: module, level: level, names: names, line: currentLine, phase: phase))
    }

    /// Parses and evaluates every expression in a token range, resuming after anything it cannot parse.
    @discardableResult
    func evaluateRange(_ tokens: [PyToken], _ start: Int, _ end: Int) -> PyValue {
        guard start < end else { return .unknown }
        var parser = PythonExpressionParser(tokens: tokens, start: start, end: end)
        var value: PyValue = .unknown
        var first = true
        while !parser.atEnd {
            let before = parser.pos
            let v = evaluate(parser.parseExpressionList())
            if first { value = v } else { value = .unknown }
            first = false
            if parser.pos == before { parser.skip() }
        }
        return value
    }

    // MARK: Names

    func resolve(_ name: String) -> PyValue {
        if let bound = environment[name] { return bound }
        switch name {
        case "__builtins__", "__builtin__", "builtins": return .ref("builtins")
        case "__file__": return .path(PathValue(anchor: .buildDir, rest: ""))
        default: break
        }
        for module in starModules.reversed() {
            let q = CodeRules.canonical(module + "." + name)
            if CodeRules.isProcess(q) || CodeRules.isNetwork(q) || CodeRules.decoders[q] != nil {
                return .ref(q)
            }
        }
        if CodeRules.builtins.contains(name) { return .ref("builtins." + name) }
        return .unknown
    }

    /// A nested run over code that `exec` runs, sharing this run's names.
    func analyzePayload(_ text: String, line: Int, label: String) {
        guard payloadDepth < analyzer.maxPayloadDepth, text.utf8.count <= 1 << 20 else { return }
        let nested = AnalyzerRun(
            analyzer: analyzer, file: file, source: Array(text.utf8), topPhase: phase, functionPhase: phase,
            payloadDepth: payloadDepth + 1, lineOverride: lineOverride ?? line,
            evidencePrefix: evidencePrefix + label + ": ", environment: environment, starModules: starModules)
        nested.run(PythonTokenizer(source: nested.source).tokenize(keepTrivia: false))
        nested.finish()
        for f in nested.result.findings {
            let key = "\(f.kind.rawValue)#\(f.line ?? 0)"
            if let existing = best[key], existing.severity >= f.severity { continue }
            if best[key] == nil { order.append(key) }
            best[key] = f
        }
        result.imports += nested.result.imports
        result.executedFiles += nested.result.executedFiles
    }
}

/// Evidence text: one line, bounded.
package enum Evidence {
    package static func clip(_ text: String, limit: Int = 160) -> String {
        let oneLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        let trimmed = oneLine.trimmingCharacters(in: .whitespaces)
        return trimmed.count <= limit ? trimmed : String(trimmed.prefix(limit - 1)) + "…"
    }
}
