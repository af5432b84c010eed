import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a child process attached to this process's terminal (pip's own progress and messages reach the user as
/// pip writes them) and waits for it. The gate runs the final `pip install` this way.
package protocol AttachedProcessLauncher: Sendable {
    /// Runs `executable` (absolute path) with `arguments` (argv[1...]) and `environment`; returns its exit code,
    /// 128 + the signal number when a signal ended it.
    func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Int32
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
        guard executable.hasPrefix("/") else { throw ProcessError.notFound(executable) }
        for argument in arguments where argument.utf8.contains(0) {
            throw ProcessError.unsafeArgument(argument)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdoutFD != 1 { posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1) }
        if stderrFD != 2 { posix_spawn_file_actions_adddup2(&actions, stderrFD, 2) }

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

        let previousInt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInt)
            signal(SIGQUIT, previousQuit)
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        if rc != 0 {
            if rc == ENOENT { throw ProcessError.notFound(executable) }
            throw ProcessError.spawnFailed(executable: executable, errno: rc)
        }
        let child = pid
        let status: Int32 = await withCheckedContinuation { continuation in
            // waitpid blocks: keep it off the cooperative pool.
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the macros are not imported).
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}
