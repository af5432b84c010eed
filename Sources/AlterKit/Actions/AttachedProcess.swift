import Foundation
import ShimCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a child process attached to this process's terminal (pip's own progress and messages reach the user as
/// pip writes them) and waits for it. The gate runs the final `pip install` this way.
package protocol AttachedProcessLauncher: Sendable {
    /// Runs `executable` (absolute path) with `arguments` (argv[1...]) and `environment`; returns its exit code,
    /// 128 + the signal number when a signal ended it.
    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32

    /// Starts `pip`'s interpreter ahead of time, with pip's modules imported, to run one later pip command with
    /// `environment` (see `PreparedPip`); nil when this launcher cannot (the default).
    func prepare(_ pip: PipCommand, environment: [String: String]) -> PreparedPip?
}

extension AttachedProcessLauncher {
    package func prepare(_ pip: PipCommand, environment: [String: String]) -> PreparedPip? { nil }
}

/// `posix_spawn`, inheriting stdin and writing to `stdoutFD`/`stderrFD` (default: ours). While the child runs,
/// SIGINT and SIGQUIT are ignored here (as a shell does), so Ctrl-C stops pip and the gate still cleans up.
package struct PosixAttachedLauncher: AttachedProcessLauncher {
    package var stdoutFD: Int32
    package var stderrFD: Int32

    package init(stdoutFD: Int32 = 1, stderrFD: Int32 = 2) {
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
    }

    package func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws
        -> Int32
    {
        let previousInt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInt)
            signal(SIGQUIT, previousQuit)
        }
        let pid = try spawn(executable, arguments, environment: environment)
        return await Self.exitCode(of: pid)
    }

    package func prepare(_ pip: PipCommand, environment: [String: String]) -> PreparedPip? {
        PreparedPip.start(pip, environment: environment, launcher: self)
    }

    /// Starts `executable` with our stdin (or `stdinFD`, with ours passed on as fd 3) and the configured outputs.
    func spawn(_ executable: String, _ arguments: [String], environment: [String: String], stdinFD: Int32? = nil)
        throws -> pid_t
    {
        guard executable.hasPrefix("/") else { throw ProcessError.notFound(executable) }
        for argument in arguments where argument.utf8.contains(0) {
            throw ProcessError.unsafeArgument(argument)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdoutFD != 1 { posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1) }
        if stderrFD != 2 { posix_spawn_file_actions_adddup2(&actions, stderrFD, 2) }
        // After the outputs (one of which may be fd 3); `stdinFD` is above 3 (see `PreparedPip.start`).
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&actions, 0, 3)
            posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        }
        // Nothing else of ours reaches pip: a descriptor another thread opened a moment ago (a pipe whose reader
        // waits for its EOF, a socket) would stay open for as long as pip runs — for a prepared pip, while it waits.
        if let addClosefrom = SpawnedChild.addClosefrom { _ = addClosefrom(&actions, stdinFD == nil ? 3 : 4) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        if rc != 0 {
            if rc == ENOENT { throw ProcessError.notFound(executable) }
            throw ProcessError.spawnFailed(executable: executable, errno: rc)
        }
        return pid
    }

    /// Waits for `pid` off the cooperative pool; its exit code, 128 + the signal number when a signal ended it.
    static func exitCode(of pid: pid_t) async -> Int32 {
        let status: Int32 = await withCheckedContinuation { continuation in
            // waitpid blocks: keep it off the cooperative pool.
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the macros are not imported).
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}

/// pip's final install, started while the gate still works: the interpreter pip runs on, started with pip's
/// modules imported (about 0.4 s of every pip command), waiting on a pipe for its argv. `run` hands it the argv of
/// the command pip would have been started with, and it runs pip exactly as the launcher would (`runpy` of the
/// launcher script, or of `-m pip`), with our stdin back on fd 0; `discard` ends it before it has done anything.
/// Only pip's own launcher (`PipLauncher.isStandard`, with a plain shebang) or `PYTHON -m pip` is prepared.
package final class PreparedPip: @unchecked Sendable {
    let pip: PipCommand
    let environment: [String: String]
    private let pid: pid_t
    private let lock = NSLock()
    private var writeFD: Int32

    /// What the interpreter runs: imports pip, reads one JSON line (the argv), restores stdin, runs pip. The
    /// launcher's folder (or, for `-m pip`, the working directory) is put first on `sys.path` only then, as
    /// Python would have: pip's own modules are imported from where the interpreter finds them, never from the
    /// working directory.
    static let bootstrap = """
        import sys
        if sys.path and sys.path[0] == "":
            del sys.path[0]
        import json, os, runpy
        try:
            import pip._internal.cli.main, pip._internal.commands.install
            import pip._internal.resolution.resolvelib.resolver, pip._internal.operations.install.wheel
        except Exception:
            pass
        line = sys.stdin.buffer.readline()
        if not line:
            os._exit(0)
        argv = json.loads(line)
        os.dup2(3, 0)
        os.close(3)
        target = sys.argv[1]
        if target == "-m":
            sys.path.insert(0, os.getcwd())
            sys.argv = [target] + argv
            runpy.run_module("pip", run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(target))
            sys.argv = [target] + argv
            runpy.run_path(target, run_name="__main__")
        """

    private init(pip: PipCommand, environment: [String: String], pid: pid_t, writeFD: Int32) {
        self.pip = pip
        self.environment = environment
        self.pid = pid
        self.writeFD = writeFD
    }

    /// Starts the interpreter of `pip`; nil when `pip` is not pip's launcher or `PYTHON -m pip`, or it cannot start.
    package static func start(_ pip: PipCommand, environment: [String: String], launcher: PosixAttachedLauncher)
        -> PreparedPip?
    {
        let interpreter: String
        let target: String
        switch pip.leadingArguments {
        case ["-m", "pip"]:
            (interpreter, target) = (pip.executable, "-m")
        case []:
            guard let text = PipLauncher.read(pip.executable),
                let found = PipLauncher.interpreter(ofLauncher: text)
            else { return nil }
            (interpreter, target) = (found, pip.executable)
        default:
            return nil
        }
        var fds: [Int32] = [0, 0]
        // pipe2 is not imported by Swift's Glibc: close-on-exec right after (the child gets its end by dup2).
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The read end moves above fd 3, which the child's stdin is carried on.
        let readFD = fcntl(fds[0], F_DUPFD_CLOEXEC, 10)
        close(fds[0])
        guard readFD >= 0 else {
            close(fds[1])
            return nil
        }
        fds[0] = readFD
        // fd 3 carries our stdin into the child: with fd 0 closed here there is nothing to carry.
        guard fcntl(0, F_GETFD) >= 0,
            let pid = try? launcher.spawn(
                interpreter, ["-c", bootstrap, target], environment: environment, stdinFD: fds[0])
        else {
            close(fds[0])
            close(fds[1])
            return nil
        }
        close(fds[0])
        return PreparedPip(pip: pip, environment: environment, pid: pid, writeFD: fds[1])
    }

    /// Runs `executable arguments` in the prepared process when it is the prepared pip with the same environment
    /// and the process is still waiting; its exit code then, else nil (the caller starts pip itself).
    package func run(_ executable: String, _ arguments: [String], environment: [String: String]) async -> Int32? {
        let leading = pip.leadingArguments
        guard executable == pip.executable, environment == self.environment,
            arguments.starts(with: leading),
            let line = try? JSONSerialization.data(withJSONObject: Array(arguments.dropFirst(leading.count)))
        else { return nil }
        guard let fd = take() else { return nil }
        var sent = true
        // A process that died meanwhile gives EPIPE here, not a SIGPIPE that would end the gate.
        let previousPipe = signal(SIGPIPE, SIG_IGN)
        (line + Data([0x0A])).withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    sent = false
                    return
                }
                offset += n
            }
        }
        signal(SIGPIPE, previousPipe)
        close(fd)
        let previousInt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInt)
            signal(SIGQUIT, previousQuit)
        }
        let code = await PosixAttachedLauncher.exitCode(of: pid)
        // A process that died before reading its argv ran nothing: pip is started as usual.
        return sent ? code : nil
    }

    /// Ends the process when it was never given a command.
    package func discard() {
        guard let fd = take() else { return }
        close(fd)
        kill(pid, SIGKILL)
        let pid = self.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// The pipe's write end, once.
    private func take() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        guard writeFD >= 0 else { return nil }
        defer { writeFD = -1 }
        return writeFD
    }
}

/// A launcher that runs the one command `prepared` was started for in it, and everything else through `base`.
struct PreparedLauncher: AttachedProcessLauncher {
    let base: any AttachedProcessLauncher
    let prepared: PreparedPip

    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
        if let code = await prepared.run(executable, arguments, environment: environment) { return code }
        return try await base.run(executable, arguments, environment: environment)
    }
}
