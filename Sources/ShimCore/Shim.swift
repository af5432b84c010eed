#if canImport(Glibc)
    import Glibc
#endif

/// The `pip` shim's entry point. Installed as `pip`, `pip3`, `pip3.X` in a shims folder that shell activation puts
/// first on PATH. Everything but an install is handed to the real pip with `execv`, argv unchanged; an install
/// is handed to `alterks gate`. Glibc only, so that the pass-through costs about a millisecond.
public enum Shim {
    /// Embedded in the binary so that a PATH walk can recognise another copy of the shim (even of another build)
    /// and never exec it: no recursion whatever PATH holds.
    public static let marker = "ALTERKS-PIP-SHIM-7c1d3f0e-do-not-exec-me"

    /// Runs the shim; returns only on failure (success replaces the process).
    public static func main(_ argv: [String]) -> Int32 {
        let environment = ShimEnvironment.current()
        let plan = plan(argv: argv, environment: environment, system: LiveShimSystem())
        switch plan {
        case .failure(let message, let code):
            writeError("alterks pip shim: \(message)\n")
            return code
        case .exec(let path, let leading, let keepArgv0):
            // Not for the real pip: our own hint to this process only.
            unsetenv("ALTERKS_REAL_PYTHON")
            // The original argv pointers, not Strings decoded from them: bytes that are not UTF-8 reach pip intact.
            let original = CommandLine.unsafeArgv
            var cArguments: [UnsafeMutablePointer<CChar>?] = leading.map { strdup($0) }
            for index in (keepArgv0 ? 0 : 1)..<Int(CommandLine.argc) { cArguments.append(original[index]) }
            cArguments.append(nil)
            execv(path, cArguments)
            let code = errno
            writeError("alterks pip shim: cannot run \(path): \(String(cString: strerror(code)))\n")
            return 126
        }
    }

    /// What the shim will do, decided without side effects (the tests call this).
    public static func plan(argv: [String], environment: ShimEnvironment, system: any ShimSystem) -> ShimPlan {
        let invokedAs = basename(argv.first ?? "pip")
        let programName = invokedAs.isEmpty ? "pip" : invokedAs
        let locator = RealPipLocator(environment: environment, system: system)
        let realPip: RealPip
        switch locator.locate(programName: programName) {
        case .success(let found): realPip = found
        case .failure(let message): return .failure(message, 127)
        }
        switch PipCommandLine(Array(argv.dropFirst())).kind {
        case .passThrough:
            switch realPip {
            case .executable(let path):
                return .exec(path, leading: [], keepArgv0: true)
            case .python(let python):
                return .exec(python, leading: [python, "-m", "pip"], keepArgv0: false)
            }
        case .install:
            guard let alterks = locator.locateAlterKS() else {
                return .failure(
                    "cannot find the alterks binary (set ALTERKS_BIN); refusing to run an install without the gate", 127
                )
            }
            let pipSelector: [String]
            switch realPip {
            case .executable(let path): pipSelector = ["--pip", path]
            case .python(let python): pipSelector = ["--pip-python", python]
            }
            return .exec(alterks, leading: ["alterks", "gate"] + pipSelector + ["--"], keepArgv0: false)
        }
    }

    static func writeError(_ text: String) {
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}

/// What the shim decided.
public enum ShimPlan: Sendable, Hashable {
    /// `execv(path, leading + argv)`, argv with or without its argv[0].
    case exec(String, leading: [String], keepArgv0: Bool)
    /// Print the message and exit with the code.
    case failure(String, Int32)

    /// The full argv `execv` gets for the original `argv`.
    public func execArguments(for argv: [String]) -> [String]? {
        guard case .exec(_, let leading, let keepArgv0) = self else { return nil }
        return leading + (keepArgv0 ? argv : Array(argv.dropFirst()))
    }
}

/// The real pip: an executable, or `PYTHON -m pip` (the shell's `python -m pip` routing).
public enum RealPip: Sendable, Hashable {
    case executable(String)
    case python(String)
}

/// The variables the shim reads.
public struct ShimEnvironment: Sendable, Hashable {
    public var realPip: String?
    public var realPython: String?
    public var alterksBin: String?
    public var virtualEnv: String?
    public var path: String?

    public init(
        realPip: String? = nil, realPython: String? = nil, alterksBin: String? = nil, virtualEnv: String? = nil,
        path: String? = nil
    ) {
        self.realPip = realPip
        self.realPython = realPython
        self.alterksBin = alterksBin
        self.virtualEnv = virtualEnv
        self.path = path
    }

    /// Reads this process's environment (empty values count as unset).
    public static func current() -> ShimEnvironment {
        func get(_ name: String) -> String? {
            guard let raw = getenv(name) else { return nil }
            let value = String(cString: raw)
            return value.isEmpty ? nil : value
        }
        return ShimEnvironment(
            realPip: get("ALTERKS_REAL_PIP"), realPython: get("ALTERKS_REAL_PYTHON"), alterksBin: get("ALTERKS_BIN"),
            virtualEnv: get("VIRTUAL_ENV"), path: get("PATH"))
    }
}

/// The file-system questions the shim asks; tests answer them from a temp folder, the shim from the system.
public protocol ShimSystem: Sendable {
    /// The shim binary's own canonical path (`/proc/self/exe`).
    func selfExecutable() -> String?
    /// `realpath(3)`, nil when the path does not resolve.
    func realPath(_ path: String) -> String?
    /// A regular file (after symlinks) this process may execute.
    func isExecutableFile(_ path: String) -> Bool
    /// Whether the file at `path` is a copy of the shim (an ELF file holding `Shim.marker`).
    func isShimBinary(_ path: String) -> Bool
    /// Whether the file at `path` is pip's own console-script launcher (see `PipLauncher.isStandard`): a package
    /// that installs a `pip` script of its own (`console_scripts = pip = evil:main`) overwrites the venv's launcher,
    /// and that script must never be taken for the real pip.
    func isPipLauncher(_ path: String) -> Bool
}

/// pip's standard console-script launcher, as pip (distlib) writes it into `bin/`:
/// a shebang, `import re`/`import sys`, `from pip._internal.cli.main import main` (pip 26: `… import cli`), the
/// `__main__` guard, the `sys.argv[0]` suffix fix-up and `sys.exit(main())` (`sys.exit(cli())`) calling what was
/// imported. Every other line makes it something else.
public enum PipLauncher {
    /// Largest launcher read: pip's own is about 250 bytes.
    static let maximumSize = 4096

    /// The text of the launcher-sized file at `path`; nil when it cannot be read or is larger than a launcher.
    public static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: maximumSize + 1)
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        guard total > 0, total <= maximumSize else { return nil }
        return String(decoding: buffer[0..<total], as: UTF8.self)
    }

    /// The interpreter of pip's standard launcher `text`: its shebang when that is one absolute path with no
    /// arguments (`#!/venv/bin/python3`); nil for anything else (a `/bin/sh` trampoline, `env`, options).
    public static func interpreter(ofLauncher text: String) -> String? {
        guard isStandard(text), let first = text.split(separator: "\n").first else { return nil }
        let path = first.dropFirst(2).trimmingSpaces()
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "\t" || $0 == "\r" }) else {
            return nil
        }
        return path
    }

    /// Whether `text` is pip's launcher script, line by line.
    public static func isStandard(_ text: String) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("#!") else { return false }
        var imported: String?
        var called: String?
        for raw in lines.dropFirst() {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            // One statement per line: nothing chained after an allowed one.
            if line.contains(";") { return false }
            switch line {
            case "import re", "import sys", "import os":
                continue
            case "from pip._internal.cli.main import main", "from pip._internal import main",
                "from pip._internal.main import main":
                imported = "main"
            case "from pip._internal.cli.main import cli":
                imported = "cli"
            case "if __name__ == '__main__':", "if __name__ == \"__main__\":":
                continue
            case "sys.exit(main())":
                called = "main"
            case "sys.exit(cli())":
                called = "cli"
            default:
                let fixups = [
                    "sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])",
                    "if sys.argv[0].endswith(\"-script.pyw\"):", "sys.argv[0] = sys.argv[0][:-11]",
                    "elif sys.argv[0].endswith(\".exe\"):", "sys.argv[0] = sys.argv[0][:-4]",
                ]
                guard fixups.contains(line) else { return false }
            }
        }
        return imported != nil && called == imported
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}

/// The real system.
public struct LiveShimSystem: ShimSystem {
    public init() {}

    public func selfExecutable() -> String? { realPath("/proc/self/exe") }

    public func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    public func isPipLauncher(_ path: String) -> Bool {
        PipLauncher.read(path).map(PipLauncher.isStandard) ?? false
    }

    public func isShimBinary(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let marker = Array(Shim.marker.utf8)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var carry: [UInt8] = []
        var first = true
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            if first {
                // Real pips are scripts; only an ELF file can be the shim.
                guard n >= 4, buffer[0] == 0x7F, buffer[1] == 0x45, buffer[2] == 0x4C, buffer[3] == 0x46 else {
                    return false
                }
                first = false
            }
            let chunk = carry + buffer[0..<n]
            if contains(chunk, marker) { return true }
            carry = Array(chunk.suffix(marker.count - 1))
        }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let head = needle.first else { return false }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { nee in
                var i = 0
                let last = hay.count - nee.count
                while i <= last {
                    if hay[i] == head && memcmp(hay.baseAddress! + i, nee.baseAddress!, nee.count) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }
}

/// Finds the real pip and the alterks binary for one shim run.
public struct RealPipLocator: Sendable {
    public var environment: ShimEnvironment
    public var system: any ShimSystem

    public init(environment: ShimEnvironment, system: any ShimSystem) {
        self.environment = environment
        self.system = system
    }

    /// The result of a search: the real pip, or why there is none.
    public enum Outcome: Sendable, Hashable {
        case success(RealPip)
        case failure(String)
    }

    /// `ALTERKS_REAL_PIP`; else `ALTERKS_REAL_PYTHON` (`python -m pip` routed here by the shell functions); else
    /// the active virtualenv's own `bin/<name>`; else the first `<name>` on PATH that is not the shim: folders
    /// whose real path is the shim's own folder are skipped, and so is any candidate that is the shim binary or
    /// another copy of it, and relative PATH entries.
    ///
    /// A candidate found in a folder must be pip's own launcher (`ShimSystem.isPipLauncher`): a `pip` some package
    /// installed over it, or a wrapper (pyenv's shims, a distribution's `pkg_resources` script), is never executed
    /// as pip — the folder's own Python runs `-m pip` instead, and when there is none the candidate is refused.
    public func locate(programName: String) -> Outcome {
        let selfPath = system.selfExecutable()
        func isShim(_ candidate: String) -> Bool {
            let real = system.realPath(candidate)
            if let real, let selfPath, real == selfPath { return true }
            return system.isShimBinary(real ?? candidate)
        }
        /// The real pip in `directory` named `programName`: its launcher, else the folder's Python with `-m pip`.
        func pip(in directory: String, candidate: String) -> RealPip? {
            if system.isPipLauncher(candidate) { return .executable(candidate) }
            for python in Self.pythonNames(for: programName) {
                let path = directory + "/" + python
                if system.isExecutableFile(path) && !isShim(path) { return .python(path) }
            }
            return nil
        }
        if let explicit = environment.realPip {
            guard explicit.hasPrefix("/") else {
                return .failure("ALTERKS_REAL_PIP must be an absolute path, got \(explicit)")
            }
            guard system.isExecutableFile(explicit) else {
                return .failure("ALTERKS_REAL_PIP=\(explicit) is not an executable file")
            }
            guard !isShim(explicit) else {
                return .failure("ALTERKS_REAL_PIP=\(explicit) is the alterks shim itself, not the real pip")
            }
            // The person named it: a wrapper of theirs is theirs to run.
            return .success(.executable(explicit))
        }
        if let python = environment.realPython {
            guard python.hasPrefix("/"), system.isExecutableFile(python) else {
                return .failure("ALTERKS_REAL_PYTHON=\(python) is not an absolute path to an executable")
            }
            return .success(.python(python))
        }
        var refused: [String] = []
        if let venv = environment.virtualEnv, venv.hasPrefix("/") {
            let candidate = venv + "/bin/" + programName
            if system.isExecutableFile(candidate) && !isShim(candidate) {
                if let found = pip(in: venv + "/bin", candidate: candidate) { return .success(found) }
                refused.append(candidate)
            }
        }
        let shimDirectory = selfPath.map(dirname)
        var seen: [String] = []
        for entry in (environment.path ?? "").split(separator: ":", omittingEmptySubsequences: false) {
            // Relative entries (and the empty one, "the current directory") are never trusted.
            guard entry.hasPrefix("/") else { continue }
            let directory = String(entry)
            let realDirectory = system.realPath(directory) ?? directory
            if let shimDirectory, realDirectory == shimDirectory { continue }
            if seen.contains(realDirectory) { continue }
            seen.append(realDirectory)
            // The folder's real path keeps the result absolute; the name itself is kept (a pyenv shim reads $0).
            let candidate = realDirectory + "/" + programName
            guard system.isExecutableFile(candidate), !isShim(candidate) else { continue }
            if let found = pip(in: realDirectory, candidate: candidate) { return .success(found) }
            refused.append(candidate)
        }
        var message = "no real \(programName) found on PATH"
        if let shimDirectory { message += " (the shim's own folder \(shimDirectory) is skipped)" }
        if !refused.isEmpty {
            message +=
                "; not pip's own launcher, so not run: " + refused.joined(separator: ", ")
                + " (a package may have installed a script of that name)"
        }
        return .failure(message + "; set ALTERKS_REAL_PIP to its path")
    }

    /// The interpreters that run `-m pip` for a pip named `programName`: `pip3.11` → `python3.11`, `python3`,
    /// `python`.
    public static func pythonNames(for programName: String) -> [String] {
        var names: [String] = []
        if programName.hasPrefix("pip") { names.append("python" + programName.dropFirst(3)) }
        for name in ["python3", "python"] where !names.contains(name) { names.append(name) }
        return names
    }

    /// `ALTERKS_BIN`; else `alterks` beside the shim's real path (a build folder), else the installed layout:
    /// `<prefix>/share/alterks/shims/pip` → `<prefix>/share/alterks/bin/alterks`, or `<prefix>/bin/alterks`.
    public func locateAlterKS() -> String? {
        if let explicit = environment.alterksBin {
            return explicit.hasPrefix("/") && system.isExecutableFile(explicit) ? explicit : nil
        }
        guard let selfPath = system.selfExecutable() else { return nil }
        let directory = dirname(selfPath)
        for candidate in [
            directory + "/alterks", dirname(directory) + "/bin/alterks",
            dirname(dirname(dirname(directory))) + "/bin/alterks",
        ] where system.isExecutableFile(candidate) {
            return candidate
        }
        return nil
    }
}

/// The last path component (`/a/b/pip3` → `pip3`).
func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// The parent folder (`/a/b/pip3` → `/a/b`, `/pip` → `/`).
func dirname(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}
