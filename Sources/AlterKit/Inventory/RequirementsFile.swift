import Foundation
import PythonPackaging

/// pip's requirements-file format (`pip._internal.req.req_file`), read the way pip reads it:
/// lines split as `str.splitlines`, `\` continuations joined (a comment line ends a continuation), comments
/// (`#` at the start or after whitespace, so `#egg=` and `#sha256=` fragments survive) removed, `${VAR}` expanded
/// from the environment (unset or empty variables stay as written), then each line split into a requirement and
/// options at the first space-separated word starting with `-`.
///
/// `-r`/`-c` includes are resolved relative to the including file; a file that includes itself through any chain
/// is an error naming the chain. Remote includes (`-r https://…`) are refused: a scan must not fetch its input.
package enum RequirementsFile {
    /// Reads `path` and everything it includes.
    package static func load(path: String, context: InventoryContext) throws(InventoryError) -> Inventory {
        var reader = Reader(context: context)
        try reader.parse(file: path, constraint: false, chain: [])
        return reader.inventory
    }

    /// Parses `text` as if it were the file `path` (includes are still read from disk, relative to `path`).
    package static func parse(text: String, path: String, context: InventoryContext) throws(InventoryError)
        -> Inventory
    {
        var reader = Reader(context: context)
        let real = Reader.realPath(path)
        reader.seen.insert("r:\(real)")
        try reader.parse(text: text, file: path, constraint: false, chain: [(real, path)])
        return reader.inventory
    }

    // MARK: preprocessing (req_file.preprocess)

    /// One logical line: its text and the number of its first physical line.
    struct LogicalLine: Sendable, Hashable {
        var number: Int
        var text: String
    }

    /// `str.splitlines()`: every line boundary Python knows, `\r\n` counting once.
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.makeIterator()
        var pending = iterator.next()
        while let c = pending {
            pending = iterator.next()
            switch c.value {
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                lines.append(String(current))
                current = String.UnicodeScalarView()
            case 0x0D:
                lines.append(String(current))
                current = String.UnicodeScalarView()
                if pending == "\n" { pending = iterator.next() }
            default:
                current.append(c)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// Python's `\s` / `str.isspace()`.
    static func isSpace(_ c: Unicode.Scalar) -> Bool { PEP508Scanner.isSpace(c) }

    /// `COMMENT_RE.match(line)`: the line is a comment (`#` first, or after leading whitespace).
    static func isCommentLine(_ line: String) -> Bool {
        line.unicodeScalars.first(where: { !isSpace($0) }) == "#"
    }

    /// `COMMENT_RE.sub("", line)`: cut at the first `#` that starts the line or follows whitespace, together with
    /// the whitespace before it.
    static func stripComment(_ line: String) -> String {
        let scalars = Array(line.unicodeScalars)
        for (i, c) in scalars.enumerated() where c == "#" && (i == 0 || isSpace(scalars[i - 1])) {
            var start = i
            while start > 0 && isSpace(scalars[start - 1]) { start -= 1 }
            return String(String.UnicodeScalarView(scalars[..<start]))
        }
        return line
    }

    static func strip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }

    /// `join_lines`, `ignore_comments` and `expand_env_variables`.
    static func preprocess(_ text: String, environment: [String: String]) -> [LogicalLine] {
        var joined: [LogicalLine] = []
        var primary: Int?
        var parts: [String] = []
        for (index, physical) in splitLines(text).enumerated() {
            let number = index + 1
            var line = physical
            if !line.hasSuffix("\\") || isCommentLine(line) {
                if isCommentLine(line) { line = " " + line }
                if let first = primary {
                    parts.append(line)
                    joined.append(LogicalLine(number: first, text: parts.joined()))
                    parts = []
                    primary = nil
                } else {
                    joined.append(LogicalLine(number: number, text: line))
                }
            } else {
                if primary == nil { primary = number }
                // `line.strip("\\")`: every backslash at either end goes.
                let scalars = line.unicodeScalars
                let start = scalars.firstIndex { $0 != "\\" } ?? scalars.endIndex
                let end = scalars.lastIndex { $0 != "\\" }.map { scalars.index(after: $0) } ?? start
                parts.append(start < end ? String(scalars[start..<end]) : "")
            }
        }
        if let first = primary { joined.append(LogicalLine(number: first, text: parts.joined())) }

        return joined.compactMap { line in
            let text = strip(stripComment(line.text))
            guard !text.isEmpty else { return nil }
            return LogicalLine(number: line.number, text: expandVariables(text, environment: environment))
        }
    }

    /// `${NAME}` with NAME of `[A-Z0-9_]+`, replaced by the variable's value when it is set and not empty.
    static func expandVariables(_ line: String, environment: [String: String]) -> String {
        guard line.contains("${") else { return line }
        var names: [String] = []
        let scalars = Array(line.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{" else {
                i += 1
                continue
            }
            var j = i + 2
            while j < scalars.count,
                (scalars[j].value >= 0x41 && scalars[j].value <= 0x5A) || PEP508Scanner.isDigit(scalars[j])
                    || scalars[j] == "_"
            {
                j += 1
            }
            if j > i + 2, j < scalars.count, scalars[j] == "}" {
                names.append(String(String.UnicodeScalarView(scalars[(i + 2)..<j])))
                i = j + 1
            } else {
                i += 1
            }
        }
        var out = line
        for name in names {
            guard let value = environment[name], !value.isEmpty else { continue }
            out = out.replacingOccurrences(of: "${\(name)}", with: value)
        }
        return out
    }

    /// `break_args_options`: words split on single spaces; the requirement is every word before the first one
    /// that starts with `-`.
    static func splitArgumentsAndOptions(_ line: String) -> (String, String) {
        // On scalars: a space followed by a combining mark is still a separator for Python.
        let tokens = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let firstOption = tokens.firstIndex(where: { $0.unicodeScalars.first == "-" }) else { return (line, "") }
        return (tokens[..<firstOption].joined(separator: " "), tokens[firstOption...].joined(separator: " "))
    }

    // MARK: reading files

    private struct Reader {
        let context: InventoryContext
        var inventory = Inventory()
        /// Files already read, by real path and mode, so a file included twice is read once.
        var seen: Set<String> = []

        init(context: InventoryContext) {
            self.context = context
        }

        mutating func parse(file: String, constraint: Bool, chain: [(real: String, shown: String)])
            throws(InventoryError)
        {
            let real = Self.realPath(file)
            if chain.contains(where: { $0.real == real }) {
                let start = chain.firstIndex { $0.real == real }!
                throw .includeCycle(chain: chain[start...].map(\.shown) + [file])
            }
            let key = "\(constraint ? "c" : "r"):\(real)"
            guard !seen.contains(key) else { return }
            seen.insert(key)
            let text = try context.readText(file)
            try parse(text: text, file: file, constraint: constraint, chain: chain + [(real, file)])
        }

        /// `chain` ends with this file: the includes that led here, for cycle detection.
        mutating func parse(text: String, file: String, constraint: Bool, chain: [(real: String, shown: String)])
            throws(InventoryError)
        {
            inventory.sources.append(file)
            for line in preprocess(text, environment: context.environment) {
                let location = SourceLocation(file: file, line: line.number)
                let (arguments, optionText) = splitArgumentsAndOptions(line.text)
                let options: [RequirementsFileOptions.Parsed]
                do {
                    options = try RequirementsFileOptions.parse(ShellWords.split(optionText))
                } catch {
                    throw .invalid(location: location, message: error.message)
                }
                let hashes = try Self.hashes(options, location: location)
                if !arguments.isEmpty {
                    try add(
                        RequirementLine.parse(arguments, editable: false, hashes: hashes, location: location),
                        constraint: constraint)
                } else if let editable = options.first(where: { $0.name == "editable" })?.value {
                    try add(
                        RequirementLine.parse(editable, editable: true, hashes: [], location: location),
                        constraint: constraint)
                } else {
                    if !hashes.isEmpty {
                        context.diagnostics.warning(
                            "\(location): --hash without a requirement is ignored (as pip does)")
                    }
                    try include(options, from: file, location: location, chain: chain)
                    for option in options where Self.carried.contains(option.name) {
                        inventory.options.append("--\(option.name)")
                        if let value = option.value { inventory.options.append(value) }
                    }
                }
            }
        }

        /// Options of option-only lines that pip applies to the whole install.
        static let carried: Set<String> = [
            "index-url", "extra-index-url", "no-index", "find-links", "no-binary", "only-binary", "prefer-binary",
            "require-hashes", "pre", "trusted-host", "use-feature",
        ]

        mutating func add(_ entry: RequirementLine.Entry, constraint: Bool) {
            switch entry {
            case .dependency(var dependency):
                if constraint {
                    dependency.direct = nil
                    inventory.constraints.append(dependency)
                } else {
                    inventory.dependencies.append(dependency)
                }
            case .skipped(let skipped):
                inventory.skipped.append(skipped)
            }
        }

        /// `-r`/`-c` on an option line: pip follows the first `-r`, else the first `-c`.
        mutating func include(
            _ options: [RequirementsFileOptions.Parsed], from file: String, location: SourceLocation,
            chain: [(real: String, shown: String)]
        ) throws(InventoryError) {
            let nested: (path: String, constraint: Bool)
            if let r = options.first(where: { $0.name == "requirement" })?.value {
                nested = (r, false)
            } else if let c = options.first(where: { $0.name == "constraint" })?.value {
                nested = (c, true)
            } else {
                return
            }
            var target = nested.path
            let scheme = target.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() }
            if target.contains(":"), let scheme, ["http", "https"].contains(scheme) {
                throw .invalid(
                    location: location,
                    message: "remote requirements file \(target) is not supported; download it first")
            }
            if target.lowercased().hasPrefix("file:") {
                guard let url = URL(string: target), url.isFileURL else {
                    throw .invalid(location: location, message: "cannot read file URL \(target)")
                }
                target = url.path
            } else if !target.hasPrefix("/") {
                let directory = (file as NSString).deletingLastPathComponent
                if !directory.isEmpty { target = (directory as NSString).appendingPathComponent(target) }
            }
            do {
                try parse(file: target, constraint: nested.constraint, chain: chain)
            } catch .unreadable(_, let reason) {
                throw .invalid(location: location, message: "cannot read included file \(target): \(reason)")
            }
        }

        /// `--hash=algo:digest`, as pip checks it.
        static func hashes(_ options: [RequirementsFileOptions.Parsed], location: SourceLocation) throws(InventoryError)
            -> [String]
        {
            var out: [String] = []
            for option in options where option.name == "hash" {
                let value = option.value ?? ""
                guard let colon = value.firstIndex(of: ":") else {
                    throw .invalid(
                        location: location,
                        message:
                            "arguments to --hash must be a hash name followed by a value, like --hash=sha256:abcde…"
                    )
                }
                let algorithm = String(value[..<colon])
                guard ["sha256", "sha384", "sha512"].contains(algorithm) else {
                    throw .invalid(
                        location: location, message: "allowed hash algorithms for --hash are sha256, sha384, sha512")
                }
                out.append(value)
            }
            return out
        }

        static func realPath(_ path: String) -> String {
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }
    }
}
