import AlterKit
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `alterks index`: the local package index that gates every file pip and uv download (the net under the shim).
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "The local package index that gates every file pip and uv download.",
        discussion: """
            A PEP 503/691 index on 127.0.0.1 standing for your own indexes (pip's and uv's configuration: index URLs, \
            extra indexes, find-links, PIP_CERT, credentials in the URLs or ~/.netrc). Project pages are forwarded \
            with every file link rewritten to come back through it; a file is served only after the install gate's \
            engine passed that exact file (name, version, sha256); releases younger than min_release_age are left \
            out of the pages. Every URL carries a per-session token: a request without it is refused.

            The shell activation (shell/alterks.{bash,zsh,fish}) starts one for each shell (`alterks index start \
            --watch-pid $$`; it ends with that shell) and exports PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, \
            PIP_NO_INDEX, UV_DEFAULT_INDEX and UV_INDEX_URL pointing at it, so that pip and uv started by programs \
            (sh -c "pip install …", venv/bin/pip, python -m pip, make, tox) are gated too; alterks-deactivate \
            restores every variable exactly. ALTERKS_INDEX=0 before activation leaves it off. Not covered: an \
            installer told another index on its command line or in a requirements file, uv's project indexes \
            (uv.toml, [tool.uv]), or a program that unsets the variables (docs/shim.md).
            """,
        subcommands: [Serve.self, Start.self])

    /// `alterks index serve`: runs the index in the foreground.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the local index in the foreground; prints its base URL (with the token) first.",
            discussion: "A systemd user service runs `alterks index serve --port N --token-file FILE`.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "The port on 127.0.0.1 (0: any free port).")
        var port: UInt16 = 0

        @Option(name: .customLong("watch-pid"), help: "Stop when this process ends (the activating shell).")
        var watchPID: Int32?

        @Option(
            name: .customLong("token-file"),
            help: "Read the session token from this file (made, 0600, with a new token when missing).")
        var tokenFile: String?

        func run() async throws {
            let context = CLIContext.current
            let token =
                try tokenFile.map {
                    try IndexSession.token(file: CommandSetup.absolute($0, in: context.currentDirectory))
                } ?? PackageIndex.newToken()
            let index = try IndexSetup.makeIndex(global: global, token: token, settings: nil)
            let server = try IndexHTTPServer(port: port) { request in await index.answer(request) }
            defer { server.stop() }
            let upstreams = index.settings.indexes.map(\.url) + index.settings.findLinks
            index.diagnostics.emit(
                Diagnostic(
                    .info, "alterks index on \(server.baseURL), standing for \(upstreams.joined(separator: ", "))"))
            context.stdout.write("\(server.baseURL)/\(token)\n")
            await IndexSession.waitForEnd(of: watchPID)
        }
    }

    /// `alterks index start`: starts `serve` in the background for a shell and prints `PID URL`.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the local index in the background for a shell; prints its process id and base URL.",
            discussion: "Its messages go to STATE_DIR/index.log (XDG_STATE_HOME/alterks).")

        @OptionGroup var global: GlobalOptions

        @Option(name: .customLong("watch-pid"), help: "The shell whose end stops the index.")
        var watchPID: Int32

        func run() async throws {
            let context = CLIContext.current
            let paths = try AlterKSPaths(environment: context.environment)
            try FileIO.ensurePrivateDirectory(paths.stateDir)
            var arguments = ["index", "serve", "--watch-pid", String(watchPID)]
            if let config = global.configFile {
                arguments += ["--config", CommandSetup.absolute(config, in: context.currentDirectory)]
            }
            if let cache = global.cacheDir {
                arguments += ["--cache-dir", CommandSetup.absolute(cache, in: context.currentDirectory)]
            }
            let started = try IndexSession.spawnDetached(
                executable: IndexSession.ownExecutable(), arguments: arguments, environment: context.environment,
                log: paths.stateDir + "/index.log")
            context.stdout.write("\(started.pid) \(started.url)\n")
        }
    }
}

/// Building the local index from the command's context.
package enum IndexSetup {
    /// The index `serve` runs, under the current context's configuration: standing for `settings`, else for the
    /// pip and uv settings of the context's environment. Tests run it in-process.
    package static func makeIndex(global: GlobalOptions, token: String, settings: IndexSettings?) throws
        -> PackageIndex
    {
        let context = CLIContext.current
        let setup = try CommandSetup(global: global, context: context)
        let settings =
            try settings
            ?? IndexSettings.read(
                environment: context.environment, ownIndex: context.environment["ALTERKS_INDEX_URL"],
                directory: context.currentDirectory)
        return try setup.builder.packageIndex(token: token, settings: settings)
    }
}

/// Starting and ending the background index.
enum IndexSession {
    /// This executable (`/proc/self/exe`).
    static func ownExecutable() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw ValidationError("cannot find the alterks executable (/proc/self/exe)")
        }
        return path
    }

    /// The token in `file`, or a new one written there (0600) when the file is missing.
    static func token(file: String) throws -> String {
        if FileIO.exists(file) {
            let text = String(decoding: try FileIO.read(file, limit: 4096), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= 16, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ValidationError("\(file): not a token (at least 16 letters or digits)")
            }
            return text
        }
        let token = PackageIndex.newToken()
        try FileIO.writeAtomically(Data((token + "\n").utf8), to: file)
        return token
    }

    /// Returns when `pid` has ended (looked at every two seconds; a zombie, or a new process under the same pid —
    /// told apart by its start time in /proc — counts as ended), or never when there is none to watch.
    static func waitForEnd(of pid: Int32?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                guard let pid else {
                    while true { pause() }
                }
                let started = startTime(of: pid)
                while kill(pid, 0) == 0 || errno == EPERM, startTime(of: pid) == started, !isZombie(pid) { sleep(2) }
                continuation.resume()
            }
            thread.name = "alterks-index-watch"
            thread.start()
        }
    }

    /// Field 22 of /proc/PID/stat (the process's start time in clock ticks), nil when it cannot be read.
    static func startTime(of pid: Int32) -> String? {
        let fields = statFields(of: pid)
        return fields.count > 19 ? fields[19] : nil
    }

    /// Whether `pid` has ended but was not reaped yet (state Z or X in /proc/PID/stat): a shell that ended is over,
    /// even while its parent has not collected it.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let state = statFields(of: pid).first else { return false }
        return state == "Z" || state == "X"
    }

    /// The fields of /proc/PID/stat after the command name (from field 3, the state), empty when it cannot be read.
    static func statFields(of pid: Int32) -> [String] {
        guard let data = try? FileIO.read("/proc/\(pid)/stat", limit: 4096) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: count from the last ")".
        guard let close = text.lastIndex(of: ")") else { return [] }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// Marks every open descriptor above stderr close-on-exec.
    static func closeOnExecInherited() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in names.compactMap({ Int32($0) }) where fd > 2 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Spawns `executable arguments` in a new session (it outlives this process), its stdout a pipe and its stderr
    /// appended to `log`; returns its pid and the first line it prints (the index's base URL).
    static func spawnDetached(executable: String, arguments: [String], environment: [String: String], log: String)
        throws -> (pid: pid_t, url: String)
    {
        // Nothing this (short-lived) process inherited beyond stdin/out/err — a shell's or a test harness's pipes,
        // its process-exit socket — may outlive it in the index: whoever waits for those to close must not wait
        // for the index.
        closeOnExecInherited()
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw ValidationError("pipe: \(systemErrorMessage(errno))") }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let logFD = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard logFD >= 0 else {
            close(pipeFDs[0])
            close(pipeFDs[1])
            throw ValidationError("cannot open \(log): \(systemErrorMessage(errno))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, 0x80 /* POSIX_SPAWN_SETSID */)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(pipeFDs[1])
        close(logFD)
        defer { close(pipeFDs[0]) }
        guard status == 0 else { throw ValidationError("cannot start \(executable): \(systemErrorMessage(status))") }
        var line = Data()
        var byte: UInt8 = 0
        while read(pipeFDs[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let url = String(decoding: line, as: UTF8.self)
        guard url.hasPrefix("http://127.0.0.1:") else {
            var exitStatus: Int32 = 0
            waitpid(pid, &exitStatus, 0)
            let tail =
                (try? String(decoding: FileIO.read(log, limit: 16 << 20), as: UTF8.self))?
                .split(separator: "\n").last.map(String.init) ?? ""
            throw ValidationError("the local index did not start: \(tail) (see \(log))")
        }
        return (pid, url)
    }
}
