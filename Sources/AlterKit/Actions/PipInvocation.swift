import Foundation
import ShimCore

/// How to start the real pip: an executable (`/venv/bin/pip`), or an interpreter with `-m pip`.
package struct PipCommand: Sendable, Hashable, Codable {
    /// Absolute path of the program to run.
    package var executable: String
    /// Arguments before pip's own (`["-m", "pip"]` for an interpreter).
    package var leadingArguments: [String]

    package init(executable: String, leadingArguments: [String] = []) {
        self.executable = executable
        self.leadingArguments = leadingArguments
    }

    /// A pip executable.
    package static func executable(_ path: String) -> PipCommand { PipCommand(executable: path) }

    /// `PYTHON -m pip`.
    package static func python(_ path: String) -> PipCommand {
        PipCommand(executable: path, leadingArguments: ["-m", "pip"])
    }

    /// The argv (without argv[0]) for pip `arguments`.
    package func arguments(_ arguments: [String]) -> [String] { leadingArguments + arguments }

    /// How a person would type it, for messages.
    package var display: String { ([executable] + leadingArguments).joined(separator: " ") }
}

/// One `pip install` command line as the user gave it, split for the gate: general options (kept before
/// `install` in every pip run), the install arguments, and what they mean.
package struct PipInvocation: Sendable, Hashable {
    /// General options before `install`, with a `--` that ended them removed.
    package var globalArguments: [String]
    /// `install`, `download` or `wheel`: the command the final pip run performs (the dry run is always an install).
    package var command: String
    /// Everything after the command word, unchanged.
    package var installArguments: [String]
    /// The install arguments read as pip reads them.
    package var tokens: [PipToken]

    /// Splits a full pip command line (argv without argv[0]: general options, `install`, its arguments).
    /// Throws when it is not an install.
    package init(pipArguments: [String]) throws(GateError) {
        let line = PipCommandLine(pipArguments)
        let commandIndex: Int
        if let command = line.command, PipOptions.gatedCommands.contains(command) {
            commandIndex =
                Self.commandIndex(pipArguments, globals: line.globalArguments, command: command)
                ?? pipArguments.firstIndex(of: command)!
        } else if line.uncertain, let first = pipArguments.firstIndex(where: PipOptions.gatedCommands.contains) {
            // An unknown general option: the first gated command word is the best reading; the dry run will tell.
            commandIndex = first
        } else {
            throw .notAnInstall(pipArguments)
        }
        command = pipArguments[commandIndex]
        globalArguments = pipArguments[..<commandIndex].filter { $0 != "--" }
        installArguments = Array(pipArguments[(commandIndex + 1)...])
        tokens = PipOptionParser(options: PipOptions.commandAndGeneral(command)).tokenize(installArguments)
    }

    private static func commandIndex(_ arguments: [String], globals: [String], command: String) -> Int? {
        arguments.count > globals.count && arguments[globals.count] == command ? globals.count : nil
    }

    /// `pip download` or `pip wheel`: files are saved, nothing is installed.
    package var savesFiles: Bool { command != "install" }

    /// Every token was read with certainty (no option this build does not know).
    package var isCertain: Bool {
        !tokens.contains { if case .invalid = $0.kind { return true } else { return false } }
    }

    /// The user's `--dry-run`.
    package var isDryRun: Bool { tokens.contains { $0.option?.name == "--dry-run" } }

    /// Requirement sources other than plain requirement specifiers: `-r` files, `-e` editables, and positional
    /// paths or URLs.
    package var hasNonNameRequirementSources: Bool {
        tokens.contains { token in
            if let name = token.option?.name { return name == "--requirement" || name == "--editable" }
            if case .positional(let value) = token.kind { return ArgumentSafety.looksLikePathOrURL(value) }
            return false
        }
    }

    /// The install arguments without the tokens `drop` selects; nil when that cannot be done by removing whole
    /// argv elements (a short cluster such as `-Ur FILE` mixing kept and dropped letters).
    func installArguments(dropping drop: (PipToken) -> Bool) -> [String]? {
        var removed = Set<Int>()
        var keep = Set<Int>()
        for token in tokens {
            if drop(token) {
                removed.formUnion(token.range)
            } else {
                keep.formUnion(token.range)
            }
        }
        guard removed.isDisjoint(with: keep) else { return nil }
        return installArguments.indices.filter { !removed.contains($0) }.map { installArguments[$0] }
    }

    /// The user's install options without any requirement source (positionals, `-r`, `-e`) and the `--`: what a
    /// pinned requirements file is combined with. Nil when the arguments cannot be split with certainty.
    package var optionsWithoutRequirements: [String]? {
        guard isCertain else { return nil }
        return installArguments { token in
            switch token.kind {
            case .positional, .endOfOptions: return true
            case .option(let option, _):
                return option.name == "--requirement" || option.name == "--editable"
            case .invalid: return false
            }
        }
    }

    /// The user's command-line `--no-binary`/`--only-binary` options with their values, in order.
    package var formatOptions: [(name: String, value: String)] {
        tokens.compactMap { token in
            guard let name = token.option?.name, name == "--no-binary" || name == "--only-binary" else { return nil }
            return (name, token.value ?? "")
        }
    }

    /// The values of the user's `-r`/`--requirement` options.
    package var requirementFiles: [String] {
        tokens.compactMap { $0.option?.name == "--requirement" ? $0.value : nil }
    }

    /// Requirement sources other than plain requirement specifiers and `-r` files: `-e` editables, and positional
    /// paths or URLs.
    package var hasPathOrURLRequirements: Bool {
        tokens.contains { token in
            if let name = token.option?.name { return name == "--editable" }
            if case .positional(let value) = token.kind { return ArgumentSafety.looksLikePathOrURL(value) }
            return false
        }
    }

    /// The positional requirements (`name`, `name @ url`, paths, URLs) as given.
    package var positionalRequirements: [String] {
        tokens.compactMap { token in
            if case .positional(let value) = token.kind { return value }
            return nil
        }
    }

    /// How often the user asked pip to be quieter (`-q`, `--quiet`, here or before `install`).
    var quietCount: Int {
        let install = tokens.filter { $0.option?.name == "--quiet" }.count
        let general = globalArguments.reduce(0) { count, argument in
            if argument == "--quiet" { return count + 1 }
            if argument.hasPrefix("-"), !argument.hasPrefix("--") {
                return count + argument.dropFirst().filter { $0 == "q" }.count
            }
            return count
        }
        return install + general
    }

    /// `pip GLOBALS install --dry-run --quiet --report REPORT [--only-binary=:all:] [--uploaded-prior-to TIME]
    /// [-c EXCLUSIONS] ARGS…` (the user's `--report` left out, so that pip writes ours). `debugOutput` replaces
    /// `--quiet` by enough `-v` for pip's debug log (which names every link it skipped).
    package func dryRunArguments(
        report: String, exclusions: String?, onlyBinary: Bool = false, debugOutput: Bool = false,
        uploadedPriorTo: String? = nil
    ) -> [String] {
        // When the user's --report cannot be removed cleanly it stays; it then wins over ours, pip writes no file
        // for us to read, and the gate stops (fail closed).
        // A download or wheel resolves as an install into nowhere: every distribution, installed or not, and
        // without the options only they know (`--dest`, `--wheel-dir` …).
        let userArguments =
            installArguments {
                $0.option.map {
                    $0.name == "--report" || (savesFiles && PipOptions.notInstallOptions.contains($0.name))
                }
                    ?? false
            } ?? installArguments
        let verbosity = debugOutput ? "-" + String(repeating: "v", count: quietCount + 3) : "--quiet"
        var arguments =
            globalArguments + ["install", "--dry-run", verbosity, "--report", report]
            + (savesFiles ? ["--ignore-installed"] : [])
        if onlyBinary { arguments.append(SourceBuilds.onlyBinaryAll) }
        if let uploadedPriorTo { arguments += ["--uploaded-prior-to", uploadedPriorTo] }
        if let exclusions { arguments += ["--constraint", exclusions] }
        return arguments + userArguments
    }

    /// `pip GLOBALS install [--only-binary=:all:] -c CONSTRAINTS ARGS…`: the user's command pinned to the scanned
    /// versions.
    package func constrainedInstallArguments(constraints: String, onlyBinary: Bool = false) -> [String] {
        globalArguments + [command] + (onlyBinary ? [SourceBuilds.onlyBinaryAll] : [])
            + ["--constraint", constraints] + installArguments
    }

    /// `pip GLOBALS install [--require-hashes] [--only-binary=:all:] -r REQUIREMENTS OPTIONS… CARRIED…`: exactly
    /// the listed distributions, with the user's options (target, index, upgrade …) but none of their requirement
    /// sources, then `carriedOptions` (the index options of their requirements files). Nil when the options cannot
    /// be separated from the requirements with certainty.
    package func pinnedInstallArguments(
        requirements: String, requireHashes: Bool, onlyBinary: Bool = false, carriedOptions: [String] = []
    ) -> [String]? {
        guard let options = optionsWithoutRequirements else { return nil }
        return globalArguments + ["install"] + (requireHashes ? ["--require-hashes"] : [])
            + (onlyBinary ? [SourceBuilds.onlyBinaryAll] : []) + ["--requirement", requirements] + options
            + carriedOptions
    }
}
