import ShimCore
import Testing

@Suite struct PipCommandLineTests {
    static let installs: [[String]] = [
        ["install", "requests"],
        ["install", "-r", "requirements.txt"],
        ["--log", "x.log", "install", "requests"],
        ["--log=x.log", "install", "requests"],
        ["--proxy", "http://proxy:3128", "--cache-dir", "/tmp/c", "install", "flask"],
        ["--python", "/usr/bin/python3", "install", "flask"],
        ["-q", "install", "flask"],
        ["-qqv", "install", "flask"],
        ["--isolated", "--timeout", "5", "install", "flask"],
        ["--timeo", "5", "install", "flask"],  // optparse accepts unambiguous prefixes
        ["--", "install", "flask"],
        ["--log", "install", "install", "flask"],
        ["install", "--version", "flask"],  // pip ignores --version after install and installs flask
        ["install", "-r", "-h"],  // -h is -r's value: a file named "-h"
        ["install", "--requirement", "--help"],
        ["install", "-r--help"],
        ["install", "--no-index", "--find-links", "--help", "x"],
        ["install", "--frobnicate", "-h", "flask"],  // unknown option first: -h might be its value
        ["--frobnicate", "5", "install", "flask"],  // unknown general option: gate (fail closed)
        ["install"],
        // download and wheel fetch (and may build) the same distributions: gated too (#13 item 5).
        ["download", "requests"],
        ["download", "-d", "-h", "requests"],  // -h is --dest's value
        ["wheel", "-w", "wheels", "requests"],
        ["--frobnicate", "5", "wheel", "flask"],
    ]

    static let passThrough: [[String]] = [
        [],
        ["--version"],
        ["-V"],
        ["-qV"],
        ["list"],
        ["list", "--format", "json"],
        ["show", "requests"],
        ["freeze"],
        ["uninstall", "-y", "install"],
        ["download", "--help"],
        ["wheel", "-h"],
        ["help", "install"],
        ["install", "--help"],
        ["install", "-h"],
        ["install", "--he"],
        ["install", "-Uh"],
        ["install", "requests", "--help"],
        ["-h", "install", "requests"],
        ["--version", "install", "requests"],
        ["--log", "install", "list"],  // the command is `list`; "install" is the log file
        ["--cache-dir=install", "list"],
        ["--frobnicate", "list"],  // unknown option, no install anywhere: pip errors out
        ["inspect"],
    ]

    @Test(arguments: installs)
    func gatesInstalls(_ arguments: [String]) {
        #expect(PipCommandLine(arguments).kind == .install, "\(arguments)")
    }

    @Test(arguments: passThrough)
    func passesEverythingElse(_ arguments: [String]) {
        #expect(PipCommandLine(arguments).kind == .passThrough, "\(arguments)")
    }

    @Test func splitsGlobalOptionsFromTheCommand() {
        let line = PipCommandLine(["--log", "x.log", "-q", "install", "-U", "flask"])
        #expect(line.command == "install")
        #expect(line.globalArguments == ["--log", "x.log", "-q"])
        #expect(line.commandArguments == ["--log", "x.log", "-q", "-U", "flask"])
        #expect(!line.uncertain)
    }

    @Test func removesTheFirstEqualWordLikePipDoes() {
        let line = PipCommandLine(["--log", "install", "install", "x"])
        #expect(line.command == "install")
        #expect(line.globalArguments == ["--log", "install"])
        #expect(line.commandArguments == ["--log", "install", "x"])
    }

    @Test func tokenizesLikeOptparse() {
        let parser = PipOptionParser(options: PipOptions.installAndGeneral)
        let tokens = parser.tokenize(["-Ur", "req.txt", "--index-url=https://x/simple", "--no-deps", "pkg", "--", "-e"])
        let described = tokens.map { token -> String in
            switch token.kind {
            case .option(let option, let value): return option.name + (value.map { "=" + $0 } ?? "")
            case .positional(let value): return "pos:" + value
            case .endOfOptions: return "--"
            case .invalid(let value, _): return "bad:" + value
            }
        }
        #expect(
            described == [
                "--upgrade", "--requirement=req.txt", "--index-url=https://x/simple", "--no-deps", "pos:pkg", "--",
                "pos:-e",
            ])
        #expect(tokens[1].range == 0..<2)
    }

    @Test func ambiguousPrefixIsInvalid() {
        let tokens = PipOptionParser(options: PipOptions.general).tokenize(["--ver"])
        guard case .invalid = tokens.first?.kind else {
            Issue.record("--ver should be ambiguous (--verbose, --version)")
            return
        }
    }
}
