/// Every exit code of the product, in one place. Documented in README.md and in `alterks --help`.
public enum ExitStatus: Int32, Sendable, Codable, CaseIterable {
    /// Nothing at or above the policy's bar; every data source answered.
    case clean = 0
    /// Something was blocked, or findings at or above the policy's threshold (`--fail-on`).
    case findings = 1
    /// Usage or input error: a bad flag, an unreadable or malformed file, an invalid configuration key.
    case usage = 2
    /// A data source could not answer. Never reported as clean.
    case sourceFailure = 3

    /// One line per code, for `--help` and README.
    public static let documentation = """
        Exit codes: 0 clean; 1 blocked, or findings at/above the policy threshold; \
        2 usage or input error; 3 a data source could not answer (never reported as clean).
        """

    /// The stricter of two statuses: a source failure outranks findings, findings outrank clean.
    /// Usage errors stop a command before it gets this far, so they are ranked highest.
    public static func worst(_ a: ExitStatus, _ b: ExitStatus) -> ExitStatus {
        func rank(_ s: ExitStatus) -> Int {
            switch s {
            case .clean: 0
            case .findings: 1
            case .sourceFailure: 2
            case .usage: 3
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}

/// An error the CLI can print as one clear line and map to an exit code.
/// Every concern's error enum conforms, carrying its context (file, line, key, URL, status).
public protocol AlterKSError: Error, CustomStringConvertible, Sendable {
    /// The exit code this error ends a command with.
    var exitStatus: ExitStatus { get }
}
