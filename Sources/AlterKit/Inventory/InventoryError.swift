/// An input file (requirements, pyproject, lockfile) or an installed environment could not be read as a list of
/// packages. Each case prints as one line naming the file and, where the format has them, the line or the key.
package enum InventoryError: AlterKSError, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file is larger than `InventoryLoader.sizeLimit`.
    case tooLarge(file: String, limit: Int)
    /// The content is malformed at `location` (file and line when known).
    case invalid(location: SourceLocation, message: String)
    /// A required key is missing or has the wrong type (`key` is a path such as `package[3].version`).
    case badKey(location: SourceLocation, key: String, message: String)
    /// `-r`/`-c` includes, or PEP 735 `include-group`s, that lead back to themselves; `chain` ends where it started.
    case includeCycle(chain: [String])
    /// No parser knows this file name.
    case unknownFormat(file: String)
    /// An installed environment could not be inspected.
    case environment(message: String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .unreadable(let file, let reason):
            "cannot read \(file): \(reason)"
        case .tooLarge(let file, let limit):
            "\(file): larger than the \(limit / (1 << 20)) MB limit for input files"
        case .invalid(let location, let message):
            "\(location): \(message)"
        case .badKey(let location, let key, let message):
            "\(location): \(key): \(message)"
        case .includeCycle(let chain):
            "include cycle: \(chain.joined(separator: " -> "))"
        case .unknownFormat(let file):
            "\(file): unknown input format (expected requirements*.txt, *.in, pyproject.toml, poetry.lock, "
                + "uv.lock, Pipfile.lock, pylock.toml, pylock.*.toml or pdm.lock)"
        case .environment(let message):
            "installed environment: \(message)"
        }
    }
}
