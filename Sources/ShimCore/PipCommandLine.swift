/// What the shim does with a pip command line.
public enum PipCommandKind: Sendable, Hashable {
    /// Hand it to the real pip unchanged: every command but `install`/`download`/`wheel`, their `--help`,
    /// `pip --version install`.
    case passThrough
    /// An install, download or wheel: it goes through the gate.
    case install
}

/// A pip command line split the way pip splits it: general options, the command, the command's own arguments.
public struct PipCommandLine: Sendable, Hashable {
    /// The arguments after argv[0], unchanged.
    public var arguments: [String]
    /// Arguments before the command (general options, their values, a `--` that ended them).
    public var globalArguments: [String]
    /// The command (`install`, `list` …), if any.
    public var command: String?
    /// What pip gives the command's parser: every argument but the command word itself.
    public var commandArguments: [String]
    /// The general options could not be read with certainty (an option this table does not know).
    public var uncertain: Bool

    /// Splits `arguments` (argv without argv[0]).
    public init(_ arguments: [String]) {
        self.arguments = arguments
        let tokens = PipOptionParser(options: PipOptions.general).tokenize(arguments, interspersed: false)
        var commandIndex: Int?
        var uncertain = false
        for token in tokens {
            if case .positional = token.kind {
                commandIndex = token.range.lowerBound
                break
            }
            if case .invalid = token.kind { uncertain = true }
        }
        self.uncertain = uncertain
        if let commandIndex {
            let word = arguments[commandIndex]
            command = word
            globalArguments = Array(arguments[..<commandIndex])
            // pip removes the first element equal to the command word from the whole list (`args.remove`), which
            // may be an earlier option value (`--log install install x`); the command's parser sees exactly this.
            var rest = arguments
            if let first = rest.firstIndex(of: word) { rest.remove(at: first) }
            commandArguments = rest
        } else {
            command = nil
            globalArguments = arguments
            commandArguments = []
        }
    }

    /// Whether the shim must gate this command line.
    public var kind: PipCommandKind {
        if uncertain {
            // An option we do not know may take a value; if a gated command appears anywhere, gate it (fail closed).
            return arguments.contains(where: PipOptions.gatedCommands.contains) ? .install : .passThrough
        }
        guard let command, PipOptions.gatedCommands.contains(command) else { return .passThrough }
        if globalsAskForHelpOrVersion || installAsksForHelp { return .passThrough }
        return .install
    }

    /// `pip -h install …` / `pip --version install …`: pip prints and exits before the command runs.
    var globalsAskForHelpOrVersion: Bool {
        PipOptionParser(options: PipOptions.general).tokenize(globalArguments, interspersed: false).contains {
            $0.option.map(Self.isHelpOrVersion) ?? false
        }
    }

    /// `pip install … --help` (or `-h`, `--he` …) prints the help and exits. Only when the flag is read with
    /// certainty: after an unknown option it might be that option's value. (`pip install --version X` is no
    /// help: pip ignores the flag there and installs X.)
    var installAsksForHelp: Bool {
        let options = PipOptions.commandAndGeneral(command ?? "install")
        for token in PipOptionParser(options: options).tokenize(commandArguments) {
            switch token.kind {
            case .option(let option, _):
                if option.name == "--help" { return true }
            case .invalid, .endOfOptions:
                return false
            case .positional:
                continue
            }
        }
        return false
    }

    static func isHelpOrVersion(_ option: PipOption) -> Bool {
        option.name == "--help" || option.name == "--version"
    }
}
