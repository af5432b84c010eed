import Foundation

/// The one entry point for input files: picks the parser by file name and reads the file.
package enum InventoryLoader {
    /// The formats, by file name.
    package enum Format: String, Sendable, CaseIterable {
        case requirements, pyproject, poetryLock, uvLock, pipfileLock, pylock, pdmLock
    }

    /// The format of `path` from its file name, or nil: `requirements*.txt`, any `*.txt`, `*.in`, `pyproject.toml`,
    /// `poetry.lock`, `uv.lock`, `Pipfile.lock`, `pylock.toml` / `pylock.NAME.toml`, `pdm.lock`.
    package static func format(of path: String) -> Format? {
        let name = (path as NSString).lastPathComponent
        let lower = name.lowercased()
        switch lower {
        case "pyproject.toml": return .pyproject
        case "poetry.lock": return .poetryLock
        case "uv.lock": return .uvLock
        case "pipfile.lock": return .pipfileLock
        case "pdm.lock": return .pdmLock
        case "pylock.toml": return .pylock
        default: break
        }
        if lower.hasPrefix("pylock.") && lower.hasSuffix(".toml") && lower.count > "pylock..toml".count {
            return .pylock
        }
        if lower.hasSuffix(".txt") || lower.hasSuffix(".in") { return .requirements }
        return nil
    }

    /// Reads `path` (and, for requirements files, what it includes).
    package static func load(path: String, context: InventoryContext) throws(InventoryError) -> Inventory {
        guard let format = format(of: path) else { throw .unknownFormat(file: path) }
        if format == .requirements { return try RequirementsFile.load(path: path, context: context) }
        let text = try context.readText(path)
        return try parse(text: text, path: path, format: format, context: context)
    }

    /// Parses `text` as the file `path` in `format`.
    package static func parse(text: String, path: String, format: Format, context: InventoryContext)
        throws(InventoryError) -> Inventory
    {
        switch format {
        case .requirements: try RequirementsFile.parse(text: text, path: path, context: context)
        case .pyproject: try PyProject.parse(text: text, path: path, context: context)
        case .poetryLock: try PoetryLock.parse(text: text, path: path)
        case .uvLock: try UVLock.parse(text: text, path: path)
        case .pipfileLock: try PipfileLock.parse(text: text, path: path)
        case .pylock: try PyLock.parse(text: text, path: path)
        case .pdmLock: try PDMLock.parse(text: text, path: path)
        }
    }
}
