import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs child processes with `posix_spawn`: an argv array, never a shell; the executable must be an absolute path.
/// stdout and stderr are captured through pipes drained concurrently (with stdin fed at the same time), so a
/// child that writes megabytes never deadlocks against us. The waiting happens on a dedicated thread per child,
/// never on Swift's cooperative pool. Cancelling the calling task sends SIGKILL to the child, reaps it, and throws
/// `CancellationError`. A child killed by signal N reports exit code 128 + N (the shell's convention).
package struct PosixProcessRunner: ProcessRunner {
    /// Tests set this to exercise the Foundation.Process path used where glibc lacks
    /// `posix_spawn_file_actions_addchdir_np`.
    let forceFoundationProcess: Bool

    package init() { forceFoundationProcess = false }

    init(forceFoundationProcess: Bool) { self.forceFoundationProcess = forceFoundationProcess }

    package func run(
        _ executable: String, _ arguments: [String], environment: [String: String]?,
        currentDirectory: String?, stdin: Data?
    ) async throws -> ProcessResult {
        guard executable.hasPrefix("/") else { throw ProcessError.unsafeArgument(executable) }
        for argument in [executable] + arguments where argument.utf8.contains(0) {
            throw ProcessError.unsafeArgument(argument)
        }
        var envList: [String]?
        if let environment {
            envList = []
            for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
                if key.isEmpty || key.contains("=") || key.utf8.contains(0) || value.utf8.contains(0) {
                    throw ProcessError.unsafeArgument(key)
                }
                envList!.append("\(key)=\(value)")
            }
        }
        guard access(executable, X_OK) == 0 else { throw ProcessError.notFound(executable) }
        if let currentDirectory, currentDirectory.utf8.contains(0) {
            throw ProcessError.unsafeArgument(currentDirectory)
        }

        try Task.checkCancellation()
        if forceFoundationProcess || (currentDirectory != nil && SpawnedChild.addChdir == nil) {
            return try await runWithFoundation(
                executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin)
        }
        let child = try SpawnedChild.spawn(
            executable: executable, arguments: arguments, environment: envList, currentDirectory: currentDirectory,
            stdinData: stdin)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessResult, any Error>) in
                let thread = Thread {
                    continuation.resume(with: child.collect())
                }
                thread.name = "alterks-process-\(child.pid)"
                thread.start()
            }
        } onCancel: {
            child.cancel()
        }
    }
}

extension PosixProcessRunner {
    /// The fallback: Foundation.Process (which can change directory portably), driven from a dedicated thread.
    func runWithFoundation(
        _ executable: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?,
        stdin: Data?
    ) async throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = stdin.map { _ in Pipe() }
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ProcessError.spawnFailed(executable: executable, errno: (error as NSError).code == 0 ? EIO : ENOENT)
        }
        let box = ProcessBox(process)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessResult, any Error>) in
                let group = DispatchGroup()
                let collected = CollectedOutput()
                for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
                    group.enter()
                    Thread {
                        let data = pipe.fileHandleForReading.readDataToEndOfFile()
                        collected.set(data, isOut: isOut)
                        group.leave()
                    }.start()
                }
                if let inPipe, let stdin {
                    Thread {
                        var blocked = sigset_t()
                        sigemptyset(&blocked)
                        sigaddset(&blocked, SIGPIPE)
                        pthread_sigmask(SIG_BLOCK, &blocked, nil)
                        try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
                        try? inPipe.fileHandleForWriting.close()
                    }.start()
                }
                Thread {
                    group.wait()
                    box.process.waitUntilExit()
                    if box.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    let status = box.process.terminationStatus
                    let code = box.process.terminationReason == .uncaughtSignal ? 128 + status : status
                    continuation.resume(
                        returning: ProcessResult(exitCode: code, stdout: collected.stdout, stderr: collected.stderr))
                }.start()
            }
        } onCancel: {
            box.cancel()
        }
    }
}

private final class ProcessBox: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var cancelled = false
    init(_ process: Process) { self.process = process }
    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    func set(_ data: Data, isOut: Bool) {
        lock.lock()
        if isOut { out = data } else { err = data }
        lock.unlock()
    }
    var stdout: Data {
        lock.lock()
        defer { lock.unlock() }
        return out
    }
    var stderr: Data {
        lock.lock()
        defer { lock.unlock() }
        return err
    }
}

/// Looks `name` up in a `PATH`-style list (colon-separated). Only absolute directories are searched (an empty or
/// relative entry would mean "the current directory", which a security tool must not trust). A name containing a
/// slash is returned only if it is itself an absolute executable path. Returns the first regular, executable file.
package func which(_ name: String, path: String) -> String? {
    func isExecutableFile(_ candidate: String) -> Bool {
        var info = stat()
        guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(candidate, X_OK) == 0
    }
    if name.isEmpty || name.utf8.contains(0) { return nil }
    if name.contains("/") {
        return name.hasPrefix("/") && isExecutableFile(name) ? name : nil
    }
    for directory in path.split(separator: ":", omittingEmptySubsequences: true) where directory.hasPrefix("/") {
        let candidate = directory.hasSuffix("/") ? "\(directory)\(name)" : "\(directory)/\(name)"
        if isExecutableFile(candidate) { return candidate }
    }
    return nil
}

/// A spawned child and the parent's ends of its pipes.
package final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    let executable: String
    private let stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private let stdinData: Data?
    private let lock = NSLock()
    private var cancelled = false
    private var reaped = false

    private init(
        pid: pid_t, executable: String, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, stdinData: Data?
    ) {
        self.pid = pid
        self.executable = executable
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.stdinData = stdinData
    }

    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) ->
        Int32
    package typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc ≥ 2.29 / 2.34 extensions, looked up at run time because Swift's Glibc module does not import them.
    static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
    package static let addClosefrom: AddClosefrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddClosefrom.self)
    }()

    private static func makePipe(_ executable: String) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not imported by Swift's Glibc; the window before FD_CLOEXEC is covered by closefrom in children.
        if pipe(&fds) != 0 {
            throw ProcessError.spawnFailed(executable: executable, errno: errno)
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    static func spawn(
        executable: String, arguments: [String], environment: [String]?, currentDirectory: String?, stdinData: Data?
    ) throws -> SpawnedChild {
        if currentDirectory != nil && addChdir == nil {
            throw ProcessError.spawnFailed(executable: executable, errno: ENOSYS)
        }
        let out = try makePipe(executable)
        let err = try makePipe(executable)
        var input: (read: Int32, write: Int32) = (-1, -1)
        var devNull: Int32 = -1
        if stdinData != nil {
            input = try makePipe(executable)
        } else {
            devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        func closeAll() {
            for fd in [out.read, out.write, err.read, err.write, input.read, input.write, devNull] where fd >= 0 {
                close(fd)
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinData != nil ? input.read : devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        // Descriptors of ours without O_CLOEXEC (sockets, databases) must not leak into pip or Python.
        if let addClosefrom { _ = addClosefrom(&actions, 3) }
        if let currentDirectory, let addChdir {
            let rc = currentDirectory.withCString { addChdir(&actions, $0) }
            if rc != 0 {
                closeAll()
                throw ProcessError.spawnFailed(executable: executable, errno: rc)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = [executable] + arguments
        var pid: pid_t = 0
        let rc = withCStringArray(argv) { cArgv in
            if let environment {
                return withCStringArray(environment) { cEnv in
                    posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnv)
                }
            }
            return posix_spawn(&pid, executable, &actions, &attributes, cArgv, environ)
        }
        if rc != 0 {
            closeAll()
            if rc == ENOENT { throw ProcessError.notFound(executable) }
            throw ProcessError.spawnFailed(executable: executable, errno: rc)
        }
        for fd in [out.write, err.write, input.read, devNull] where fd >= 0 { close(fd) }
        for fd in [out.read, err.read, input.write] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return SpawnedChild(
            pid: pid, executable: executable, stdinFD: input.write, stdoutFD: out.read, stderrFD: err.read,
            stdinData: stdinData)
    }

    /// Kills the child (once it is known to be ours and not yet reaped).
    func cancel() {
        lock.lock()
        defer { lock.unlock() }
        cancelled = true
        if !reaped { kill(pid, SIGKILL) }
    }

    /// Feeds stdin, drains stdout and stderr, and reaps the child. Runs on a dedicated thread.
    func collect() -> Result<ProcessResult, any Error> {
        // A child that closes its stdin early must give us EPIPE, not a process-killing SIGPIPE. A signal raised by
        // write() is directed at this thread, so blocking it here is enough; it dies with the thread.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)

        var stdout = Data()
        var stderr = Data()
        var inputOffset = 0
        var inputFD = stdinFD
        var outFD = stdoutFD
        var errFD = stderrFD
        var buffer = [UInt8](repeating: 0, count: 1 << 16)

        if let data = stdinData, data.isEmpty, inputFD >= 0 {
            close(inputFD)
            inputFD = -1
        }
        while outFD >= 0 || errFD >= 0 || inputFD >= 0 {
            var fds: [pollfd] = []
            if outFD >= 0 { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                // A grandchild may keep the pipes open after the child exits; once the child is gone and nothing
                // is readable, stop waiting for an EOF that may never come.
                if inputFD < 0 && childHasExited() { break }
                continue
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputFD {
                    if entry.revents & Int16(POLLOUT) != 0, let data = stdinData {
                        let n = data.withUnsafeBytes { raw in
                            Glibc.write(inputFD, raw.baseAddress! + inputOffset, min(raw.count - inputOffset, 1 << 16))
                        }
                        if n > 0 { inputOffset += n }
                        if (n < 0 && errno != EAGAIN && errno != EINTR) || inputOffset >= data.count {
                            close(inputFD)
                            inputFD = -1
                        }
                    } else {
                        close(inputFD)
                        inputFD = -1
                    }
                    continue
                }
                let isOut = entry.fd == outFD
                let n = buffer.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if isOut {
                        stdout.append(contentsOf: buffer[0..<n])
                    } else {
                        stderr.append(contentsOf: buffer[0..<n])
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    if isOut { outFD = -1 } else { errFD = -1 }
                }
            }
        }
        // Drain whatever is already buffered (the early-exit path above), then close.
        for (fd, isOut) in [(outFD, true), (errFD, false)] where fd >= 0 {
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                if isOut {
                    stdout.append(contentsOf: buffer[0..<n])
                } else {
                    stderr.append(contentsOf: buffer[0..<n])
                }
            }
            close(fd)
        }
        if inputFD >= 0 { close(inputFD) }

        let status = waitForExit()
        lock.lock()
        let wasCancelled = cancelled
        lock.unlock()
        if wasCancelled { return .failure(CancellationError()) }
        return .success(ProcessResult(exitCode: status, stdout: stdout, stderr: stderr))
    }

    private var exitStatus: Int32?

    private func childHasExited() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        lock.lock()
        defer { lock.unlock() }
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid {
            reaped = true
            exitStatus = Self.decode(status)
            return true
        }
        return false
    }

    private func waitForExit() -> Int32 {
        if let exitStatus { return exitStatus }
        // Wait without reaping, then reap under the lock: `cancel()` must never signal a recycled pid.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        var status: Int32 = 0
        lock.lock()
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        lock.unlock()
        let decoded = Self.decode(status)
        exitStatus = decoded
        return decoded
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}

/// Calls `body` with a NULL-terminated `char *[]` made from `strings`.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
