/// The options pip accepts inside a requirements file (`pip._internal.req.req_file.SUPPORTED_OPTIONS` and
/// `SUPPORTED_OPTIONS_REQ`), parsed the way `optparse` parses them: `--long=value`, `--long value`, unique
/// prefixes of long names (`--extra-index` for `--extra-index-url`), `-xVALUE` and `-x VALUE` for short ones.
struct RequirementsFileOptions {
    struct Option: Sendable, Hashable {
        var long: String
        var short: Character?
        var takesValue: Bool
    }

    /// One option as found on a line: its long name (without `--`) and its value.
    struct Parsed: Sendable, Hashable {
        var name: String
        var value: String?
    }

    static let options: [Option] = [
        Option(long: "index-url", short: "i", takesValue: true),
        Option(long: "extra-index-url", short: nil, takesValue: true),
        Option(long: "no-index", short: nil, takesValue: false),
        Option(long: "constraint", short: "c", takesValue: true),
        Option(long: "requirement", short: "r", takesValue: true),
        Option(long: "editable", short: "e", takesValue: true),
        Option(long: "find-links", short: "f", takesValue: true),
        Option(long: "no-binary", short: nil, takesValue: true),
        Option(long: "only-binary", short: nil, takesValue: true),
        Option(long: "prefer-binary", short: nil, takesValue: false),
        Option(long: "require-hashes", short: nil, takesValue: false),
        Option(long: "pre", short: nil, takesValue: false),
        Option(long: "trusted-host", short: nil, takesValue: true),
        Option(long: "use-feature", short: nil, takesValue: true),
        Option(long: "global-option", short: nil, takesValue: true),
        Option(long: "hash", short: nil, takesValue: true),
        Option(long: "config-settings", short: "C", takesValue: true),
    ]

    /// Parses `arguments` (already split as `shlex.split` splits). Positional arguments are ignored, as pip ignores
    /// them. Throws a message in optparse's words.
    static func parse(_ arguments: [String]) throws(RequirementsFileOptionError) -> [Parsed] {
        var result: [Parsed] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if argument == "--" { break }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name: Substring
                var inlineValue: String?
                if let eq = body.firstIndex(of: "=") {
                    name = body[..<eq]
                    inlineValue = String(body[body.index(after: eq)...])
                } else {
                    name = body
                }
                let option = try matchLong(String(name))
                if option.takesValue {
                    if let inlineValue {
                        result.append(Parsed(name: option.long, value: inlineValue))
                    } else {
                        guard i < arguments.count else {
                            throw RequirementsFileOptionError("--\(option.long) option requires 1 argument")
                        }
                        result.append(Parsed(name: option.long, value: arguments[i]))
                        i += 1
                    }
                } else {
                    if inlineValue != nil {
                        throw RequirementsFileOptionError("--\(option.long) option does not take a value")
                    }
                    result.append(Parsed(name: option.long, value: nil))
                }
            } else if argument.hasPrefix("-") && argument.count > 1 {
                // Every short option here takes a value: "-rFILE" or "-r FILE".
                let letter = argument[argument.index(after: argument.startIndex)]
                guard let option = options.first(where: { $0.short == letter }) else {
                    throw RequirementsFileOptionError("no such option: -\(letter)")
                }
                let rest = String(argument.dropFirst(2))
                if !rest.isEmpty {
                    result.append(Parsed(name: option.long, value: rest))
                } else {
                    guard i < arguments.count else {
                        throw RequirementsFileOptionError("-\(letter) option requires 1 argument")
                    }
                    result.append(Parsed(name: option.long, value: arguments[i]))
                    i += 1
                }
            }
        }
        return result
    }

    /// `optparse._match_abbrev`: an exact long name, else the one name it is a prefix of.
    private static func matchLong(_ name: String) throws(RequirementsFileOptionError) -> Option {
        if let exact = options.first(where: { $0.long == name }) { return exact }
        let candidates = options.filter { $0.long.hasPrefix(name) }
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty { throw RequirementsFileOptionError("no such option: --\(name)") }
        let names = candidates.map { "--\($0.long)" }.sorted().joined(separator: ", ")
        throw RequirementsFileOptionError("ambiguous option: --\(name) (\(names)?)")
    }
}

/// An option line pip would refuse; `message` is in optparse's words.
struct RequirementsFileOptionError: Error, Sendable, Hashable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// `shlex.split(s)` (POSIX mode, no comments): whitespace separates words; single quotes keep everything;
/// double quotes keep everything but let a backslash escape `"` and `\`; outside quotes a backslash escapes
/// any character.
enum ShellWords {
    static func split(_ s: String) throws(RequirementsFileOptionError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = s.unicodeScalars.makeIterator()
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        while let c = iterator.next() {
            switch c {
            case _ where isSpace(c):
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                var closed = false
                while let d = iterator.next() {
                    if d == "'" {
                        closed = true
                        break
                    }
                    current.unicodeScalars.append(d)
                }
                if !closed { throw RequirementsFileOptionError("No closing quotation") }
            case "\"":
                inWord = true
                var closed = false
                while let d = iterator.next() {
                    if d == "\"" {
                        closed = true
                        break
                    }
                    if d == "\\" {
                        guard let e = iterator.next() else { throw RequirementsFileOptionError("No closing quotation") }
                        if e != "\"" && e != "\\" { current.unicodeScalars.append(d) }
                        current.unicodeScalars.append(e)
                        continue
                    }
                    current.unicodeScalars.append(d)
                }
                if !closed { throw RequirementsFileOptionError("No closing quotation") }
            case "\\":
                inWord = true
                guard let e = iterator.next() else { throw RequirementsFileOptionError("No escaped character") }
                current.unicodeScalars.append(e)
            default:
                inWord = true
                current.unicodeScalars.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
