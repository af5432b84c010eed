import AlterCore
import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable, Hashable {
    public var exitCode: Int32
    public var stdout: Data
    public var stderr: Data

    public init(exitCode: Int32, stdout: Data, stderr: Data) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Failures to start or wait for a child process.
public enum ProcessError: AlterKSError, Equatable {
    case notFound(String)
    case spawnFailed(executable: String, errno: Int32)
    case unsafeArgument(String)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .notFound(let exe): "executable not found: \(exe)"
        case .spawnFailed(let exe, let code): "could not start \(exe): \(String(cString: strerror(code)))"
        case .unsafeArgument(let arg): "refusing unsafe argument: \(arg.debugDescription)"
        }
    }
}

/// Runs child processes from an argv array. Never through a shell.
public protocol ProcessRunner: Sendable {
    /// Runs `executable` (an absolute path) with `arguments` (argv[1...]) and waits for it.
    /// `environment` nil inherits the caller's; `stdin` nil gives /dev/null.
    func run(
        _ executable: String, _ arguments: [String], environment: [String: String]?,
        currentDirectory: String?, stdin: Data?
    ) async throws -> ProcessResult
}

extension ProcessRunner {
    public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil)
        async throws -> ProcessResult
    {
        try await run(executable, arguments, environment: environment, currentDirectory: nil, stdin: nil)
    }
}
