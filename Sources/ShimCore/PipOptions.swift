/// One pip command-line option, as pip's optparse parser declares it.
public struct PipOption: Sendable, Hashable {
    /// Long spellings with their dashes (`--index-url`, `--pypi-url`); the first is the canonical one.
    public var long: [String]
    /// Short letters without the dash (`i`).
    public var short: [Character]
    /// Whether the option consumes a value (`--log FILE`, `--log=FILE`, `-rFILE`, `-r FILE`).
    public var takesValue: Bool

    public init(_ long: [String], short: [Character] = [], value: Bool = false) {
        self.long = long
        self.short = short
        self.takesValue = value
    }

    /// The canonical spelling (`--index-url`), or `-X` for a short-only option.
    public var name: String { long.first ?? "-" + String(short.first ?? "?") }
}

/// pip's option tables (pip 23.2, plus the value-taking options later versions added, so that their values
/// are never mistaken for requirements or commands).
public enum PipOptions {
    /// General options, accepted before the command and by every command.
    public static let general: [PipOption] = [
        PipOption(["--help"], short: ["h"]),
        PipOption(["--debug"]),
        PipOption(["--isolated"]),
        PipOption(["--require-virtualenv", "--require-venv"]),
        PipOption(["--python"], value: true),
        PipOption(["--verbose"], short: ["v"]),
        PipOption(["--version"], short: ["V"]),
        PipOption(["--quiet"], short: ["q"]),
        PipOption(["--log", "--log-file", "--local-log"], value: true),
        PipOption(["--no-input"]),
        PipOption(["--keyring-provider"], value: true),
        PipOption(["--proxy"], value: true),
        PipOption(["--retries"], value: true),
        PipOption(["--resume-retries"], value: true),
        PipOption(["--timeout", "--default-timeout"], value: true),
        PipOption(["--exists-action"], value: true),
        PipOption(["--trusted-host"], value: true),
        PipOption(["--cert"], value: true),
        PipOption(["--client-cert"], value: true),
        PipOption(["--cache-dir"], value: true),
        PipOption(["--no-cache-dir"]),
        PipOption(["--disable-pip-version-check"]),
        PipOption(["--no-color"]),
        PipOption(["--no-python-version-warning"]),
        PipOption(["--use-feature"], value: true),
        PipOption(["--use-deprecated"], value: true),
    ]

    /// `pip install`'s own options (install and package-index groups).
    public static let install: [PipOption] = [
        PipOption(["--requirement"], short: ["r"], value: true),
        PipOption(["--constraint"], short: ["c"], value: true),
        PipOption(["--build-constraint"], value: true),
        PipOption(["--group"], value: true),
        PipOption(["--no-deps", "--no-dependencies"]),
        PipOption(["--pre"]),
        PipOption(["--editable"], short: ["e"], value: true),
        PipOption(["--dry-run"]),
        PipOption(["--target"], short: ["t"], value: true),
        PipOption(["--platform"], value: true),
        PipOption(["--python-version"], value: true),
        PipOption(["--implementation"], value: true),
        PipOption(["--abi"], value: true),
        PipOption(["--user"]),
        PipOption(["--no-user"]),
        PipOption(["--root"], value: true),
        PipOption(["--prefix"], value: true),
        PipOption(["--src", "--source", "--source-dir", "--source-directory"], value: true),
        PipOption(["--upgrade"], short: ["U"]),
        PipOption(["--upgrade-strategy"], value: true),
        PipOption(["--force-reinstall"]),
        PipOption(["--ignore-installed"], short: ["I"]),
        PipOption(["--ignore-requires-python"]),
        PipOption(["--no-build-isolation"]),
        PipOption(["--use-pep517"]),
        PipOption(["--no-use-pep517"]),
        PipOption(["--check-build-dependencies"]),
        PipOption(["--break-system-packages"]),
        PipOption(["--config-settings"], short: ["C"], value: true),
        PipOption(["--global-option"], value: true),
        PipOption(["--install-option"], value: true),
        PipOption(["--compile"]),
        PipOption(["--no-compile"]),
        PipOption(["--no-warn-script-location"]),
        PipOption(["--no-warn-conflicts"]),
        PipOption(["--no-binary"], value: true),
        PipOption(["--only-binary"], value: true),
        PipOption(["--all-releases"], value: true),
        PipOption(["--only-final"], value: true),
        PipOption(["--prefer-binary"]),
        PipOption(["--require-hashes"]),
        PipOption(["--progress-bar"], value: true),
        PipOption(["--root-user-action"], value: true),
        PipOption(["--report"], value: true),
        PipOption(["--no-clean"]),
        PipOption(["--uploaded-prior-to"], value: true),
        // pip 26: a requirement source (PEP 723 script metadata) and two flags the final install must not inherit.
        PipOption(["--requirements-from-script"], value: true),
        PipOption(["--only-deps", "--only-dependencies"]),
        PipOption(["--no-require-hashes"]),
        PipOption(["--index-url", "--pypi-url"], short: ["i"], value: true),
        PipOption(["--extra-index-url"], value: true),
        PipOption(["--no-index"]),
        PipOption(["--find-links"], short: ["f"], value: true),
    ]

    /// What `pip install` accepts: its own options and the general ones.
    public static let installAndGeneral: [PipOption] = install + general

    /// The commands the gate handles: `install`, and `download` and `wheel`, which fetch (and may build) the same
    /// distributions.
    public static let gatedCommands: Set<String> = ["install", "download", "wheel"]

    /// What the gated `command` accepts, as far as the gate reads it: install's options (a superset of what
    /// download and wheel share with it) plus download's `--dest` or wheel's `--wheel-dir`, `--no-verify`,
    /// `--build-option`, and the general options.
    public static func commandAndGeneral(_ command: String) -> [PipOption] {
        switch command {
        case "download":
            return install + [
                PipOption(["--dest", "--destination-dir", "--destination-directory"], short: ["d"], value: true)
            ]
                + general
        case "wheel":
            return install + [
                PipOption(["--wheel-dir"], short: ["w"], value: true), PipOption(["--no-verify"]),
                PipOption(["--build-option"], value: true),
            ] + general
        default:
            return installAndGeneral
        }
    }

    /// The options of `download`/`wheel` that `pip install` does not know: left out of the gate's dry run (an
    /// install `--dry-run`), kept for the final command.
    public static let notInstallOptions: Set<String> = ["--dest", "--wheel-dir", "--no-verify", "--build-option"]
}

/// One element of a pip command line, as optparse reads it, with the argv positions it came from.
public struct PipToken: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A known option; `value` is its value when it takes one. A short cluster such as `-qU` yields one
        /// token per letter.
        case option(PipOption, value: String?)
        /// A positional argument (a requirement, a path, a command name).
        case positional(String)
        /// `--` itself; every argument after it is positional.
        case endOfOptions
        /// Something optparse would reject (unknown or ambiguous option, missing or unexpected value). What
        /// follows it cannot be read with certainty (an unknown option might take a value).
        case invalid(String, reason: String)
    }

    public var kind: Kind
    /// The argv elements (indices into the tokenised array) this token was read from.
    public var range: Range<Int>

    public init(_ kind: Kind, _ range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    /// The option, when this token is one.
    public var option: PipOption? {
        if case .option(let option, _) = kind { return option }
        return nil
    }

    /// The option's value, when this token is an option that took one.
    public var value: String? {
        if case .option(_, let value) = kind { return value }
        return nil
    }
}

/// Reads pip command lines the way pip's optparse parser does: long options with `=` or a separate value,
/// unambiguous prefixes of long options, short clusters (`-qqU`, `-rFILE`), `--`.
public struct PipOptionParser: Sendable {
    public var options: [PipOption]

    public init(options: [PipOption]) { self.options = options }

    /// Tokenises `args`. With `interspersed: false` (pip's main parser), the first positional ends option
    /// parsing: it and everything after it come back as positionals.
    public func tokenize(_ args: [String], interspersed: Bool = true) -> [PipToken] {
        var tokens: [PipToken] = []
        var index = 0
        while index < args.count {
            let start = index
            let arg = args[index]
            index += 1
            if arg == "--" {
                tokens.append(PipToken(.endOfOptions, start..<index))
                for rest in index..<args.count { tokens.append(PipToken(.positional(args[rest]), rest..<rest + 1)) }
                return tokens
            }
            if arg.hasPrefix("--") {
                var name = arg
                var inlineValue: String?
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    inlineValue = String(arg[arg.index(after: eq)...])
                }
                guard let option = matchLong(name) else {
                    tokens.append(PipToken(.invalid(arg, reason: "no such option \(name)"), start..<index))
                    continue
                }
                if option.takesValue {
                    if let inlineValue {
                        tokens.append(PipToken(.option(option, value: inlineValue), start..<index))
                    } else if index < args.count {
                        index += 1
                        tokens.append(PipToken(.option(option, value: args[index - 1]), start..<index))
                    } else {
                        tokens.append(
                            PipToken(.invalid(arg, reason: "\(name) option requires an argument"), start..<index))
                    }
                } else if inlineValue != nil {
                    tokens.append(
                        PipToken(.invalid(arg, reason: "\(name) option does not take a value"), start..<index))
                } else {
                    tokens.append(PipToken(.option(option, value: nil), start..<index))
                }
                continue
            }
            if arg.hasPrefix("-") && arg != "-" {
                var letters = Substring(arg.dropFirst())
                while let letter = letters.first {
                    letters = letters.dropFirst()
                    guard let option = options.first(where: { $0.short.contains(letter) }) else {
                        tokens.append(PipToken(.invalid(arg, reason: "no such option -\(letter)"), start..<index))
                        break
                    }
                    if option.takesValue {
                        if !letters.isEmpty {
                            tokens.append(PipToken(.option(option, value: String(letters)), start..<index))
                        } else if index < args.count {
                            index += 1
                            tokens.append(PipToken(.option(option, value: args[index - 1]), start..<index))
                        } else {
                            tokens.append(
                                PipToken(.invalid(arg, reason: "-\(letter) option requires an argument"), start..<index)
                            )
                        }
                        break
                    }
                    tokens.append(PipToken(.option(option, value: nil), start..<index))
                }
                continue
            }
            if !interspersed {
                for rest in start..<args.count { tokens.append(PipToken(.positional(args[rest]), rest..<rest + 1)) }
                return tokens
            }
            tokens.append(PipToken(.positional(arg), start..<index))
        }
        return tokens
    }

    /// optparse's `_match_abbrev`: an exact spelling, else the only spelling having `name` as a prefix (two
    /// spellings sharing it are ambiguous, even of the same option).
    func matchLong(_ name: String) -> PipOption? {
        if let exact = options.first(where: { $0.long.contains(name) }) { return exact }
        var found: PipOption?
        var count = 0
        for option in options {
            for spelling in option.long where spelling.hasPrefix(name) {
                found = option
                count += 1
            }
        }
        return count == 1 ? found : nil
    }
}
