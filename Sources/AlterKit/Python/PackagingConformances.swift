import PythonPackaging

// What AlterKit adds to the PythonPackaging types: exit codes and the process that reads marker values.
// (PythonPackaging itself runs no process and knows nothing of exit codes.)

/// A version or specifier that does not parse is a usage error.
extension PEP440Error: AlterKSError {
    public var exitStatus: ExitStatus { .usage }
}

/// A requirement or marker that does not parse is a usage error.
extension PEP508Error: AlterKSError {
    public var exitStatus: ExitStatus { .usage }
}

/// A marker that cannot be evaluated is a usage error.
extension MarkerEvaluationError: AlterKSError {
    public var exitStatus: ExitStatus { .usage }
}

extension MarkerEnvironment {
    /// Asks the interpreter at `python` (an absolute path) for its marker values, with one process.
    /// `InterpreterProbe.run` gives the rest of what that process reports (real executable, `sys.path`).
    public static func query(
        python: String, runner: any ProcessRunner, environment: [String: String]? = nil
    ) async throws -> MarkerEnvironment {
        try await InterpreterProbe.run(python: python, runner: runner, environment: environment).markerEnvironment
    }
}
