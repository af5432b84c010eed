/// A configuration that cannot be used. Always one line naming the file (and line where known), the key as a
/// dotted path, and what is allowed. Exit status 2.
package enum ConfigError: AlterKSError, Equatable {
    /// `--config FILE` names a file that does not exist.
    case notFound(file: String)
    case unreadable(file: String, message: String)
    /// The file is not valid TOML.
    case invalidTOML(file: String, line: Int, column: Int, message: String)
    /// A pyproject given with `--config` has no `[tool.alterks]` table.
    case missingTable(file: String)
    /// A key that is not known, a value of the wrong type or out of range.
    case invalidKey(file: String, line: Int?, key: String, message: String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .notFound(let file):
            "\(file): configuration file not found"
        case .unreadable(let file, let message):
            "\(file): cannot read configuration: \(message)"
        case .invalidTOML(let file, let line, let column, let message):
            "\(file):\(line):\(column): invalid TOML: \(message)"
        case .missingTable(let file):
            "\(file): no [tool.alterks] table (a pyproject.toml given with --config must have one)"
        case .invalidKey(let file, let line, let key, let message):
            "\(file)\(line.map { ":\($0)" } ?? ""): \(key): \(message)"
        }
    }
}
