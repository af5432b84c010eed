import Foundation
import TOMLKit

#if canImport(Glibc)
    import Glibc
#endif

/// Finds and reads the `[tool.alterks]` configuration.
///
/// - Without `--config`: the nearest `pyproject.toml` walking up from the working directory; its `[tool.alterks]`
///   table, or the defaults when it has none (or when no pyproject is found).
/// - With `--config FILE`: a file named `pyproject.toml`, or any TOML file with a top-level `[tool]` table, is read as
///   a pyproject and must have `[tool.alterks]`; any other file (`alterks.toml`) is the table itself at top level.
package struct ConfigLoader: Sendable {
    /// The process environment (`ALTERKS_WEBHOOK_SECRET`, `HOME` for `~` in paths).
    package var environment: [String: String]
    /// Receives warnings (a webhook secret in a file that is usually committed).
    package var diagnostics: any DiagnosticSink

    /// A configuration file larger than this is refused rather than parsed.
    package static let maximumFileSize = 4 << 20

    package init(environment: [String: String], diagnostics: any DiagnosticSink) {
        self.environment = environment
        self.diagnostics = diagnostics
    }

    /// The system-wide configuration file: `ALTERKS_SYSTEM_CONFIG` when set (tests, packagers), else
    /// `/etc/alterks/config.toml`.
    package var systemConfigPath: String {
        if let path = environment["ALTERKS_SYSTEM_CONFIG"], !path.isEmpty { return path }
        return "/etc/alterks/config.toml"
    }

    /// The user's configuration file: `$XDG_CONFIG_HOME/alterks/config.toml`, default `~/.config/alterks/config.toml`;
    /// nil when neither variable names an absolute folder.
    package var userConfigPath: String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/alterks/config.toml" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.config/alterks/config.toml" }
        return nil
    }

    /// The configuration for a command run. The root is the built-in defaults, then the system file, then the
    /// user's file (each read over the one before, fully applied: they belong to the person running the tool).
    /// Over the root: `explicitFile` when given (relative to `workingDirectory`; named on the command line, so
    /// applied in full), otherwise the nearest pyproject.toml at or above `workingDirectory`. A project file may
    /// always tighten; what it loosens applies only once the user trusted its current bytes (`alterks trust`),
    /// and until then a warning names the ignored keys and the command that trusts the file.
    package func load(explicitFile: String?, workingDirectory: String) throws(ConfigError) -> Configuration {
        var root = try applyEnvironment(to: .defaults)
        var files: [PolicyFile] = []
        for (path, role) in [(systemConfigPath, PolicyFile.Role.system), (userConfigPath, .user)] {
            guard let path, try Self.existingFile(path) else { continue }
            root = try load(file: path, displayName: path, required: false, base: root).configuration
            files.append(PolicyFile(path: path, role: role, trusted: true))
        }
        root.policyFiles = files
        if let explicitFile {
            let path = Self.absolute(explicitFile, relativeTo: workingDirectory)
            guard try Self.existingFile(path) else { throw .notFound(file: explicitFile) }
            var config = try load(file: path, displayName: explicitFile, required: true, base: root).configuration
            config.policyFiles = files + [PolicyFile(path: path, role: .explicit, trusted: true)]
            return config
        }
        guard let found = try Self.nearestPyproject(from: workingDirectory) else { return root }
        let (candidate, data) = try load(file: found, displayName: found, required: false, base: root)
        if TrustStore(environment: environment)?.isTrusted(path: found, data: data) == true {
            var config = candidate
            config.policyFiles = files + [PolicyFile(path: found, role: .project, trusted: true)]
            return config
        }
        var (config, ignored) = candidate.tightened(toward: root)
        config.origin = found
        config.policyFiles = files + [PolicyFile(path: found, role: .project, trusted: false, ignored: ignored)]
        if !ignored.isEmpty {
            diagnostics.warning(
                "\(found): ignored \(ignored.joined(separator: ", ")) (settings that loosen the policy apply only "
                    + "from a trusted file); to apply them run `alterks trust \(found)`")
        }
        return config
    }

    /// The nearest `pyproject.toml` in `directory` or any parent, if any. One that exists but is not a readable
    /// file (a directory, a symlink loop, a dangling link) is an error, never skipped in favour of a parent's.
    package static func nearestPyproject(from directory: String) throws(ConfigError) -> String? {
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent("pyproject.toml").path
            if try existingFile(candidate) { return candidate }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }

    /// Whether `path` is a regular file (following symlinks): false when nothing is there at all; an error when
    /// something is there that cannot be read as a file.
    static func existingFile(_ path: String) throws(ConfigError) -> Bool {
        var info = stat()
        if lstat(path, &info) != 0 { return false }
        if stat(path, &info) != 0 {
            let code = errno
            let reason = code == ELOOP ? "a symlink loop" : "a symlink to nothing (\(systemErrorMessage(code)))"
            throw .unreadable(file: path, message: "is \(reason), not a configuration file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw .unreadable(file: path, message: "is \(kind), not a configuration file")
        }
        return true
    }

    /// Reads one file. `required`: the table must exist (an explicit `--config`).
    package func load(file path: String, displayName: String, required: Bool) throws(ConfigError) -> Configuration {
        try load(file: path, displayName: displayName, required: required, base: .defaults).configuration
    }

    /// Reads one file over `base`; also returns the bytes read (what trust is checked against).
    func load(
        file path: String, displayName: String, required: Bool, base: Configuration
    ) throws(ConfigError) -> (configuration: Configuration, data: Data) {
        let data: Data
        do {
            data = try FileIO.read(path, limit: Self.maximumFileSize)
        } catch FileIOError.tooLarge {
            throw .unreadable(file: displayName, message: "larger than \(Self.maximumFileSize >> 20) MiB")
        } catch FileIOError.cannotRead(_, let reason) {
            throw .unreadable(file: displayName, message: reason)
        } catch {
            throw .unreadable(file: displayName, message: "\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: displayName, message: "not UTF-8 text")
        }
        let baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let isPyproject = URL(fileURLWithPath: path).lastPathComponent == "pyproject.toml"
        var config = try parse(
            text: text, file: displayName, baseDirectory: baseDirectory, pyproject: isPyproject ? true : nil,
            required: required, base: base)
        config.origin = displayName
        return (config, data)
    }

    /// Parses configuration text. `pyproject`: true reads `[tool.alterks]`, false reads the top level, nil decides
    /// by the presence of a top-level `tool` table.
    package func parse(
        text: String, file: String, baseDirectory: String, pyproject: Bool?, required: Bool,
        base: Configuration = .defaults
    ) throws(ConfigError) -> Configuration {
        if let (line, column) = TOMLPreflight.unsafeHeader(in: text) {
            throw .invalidTOML(
                file: file, line: line, column: column, message: "a table header must start with a key")
        }
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalidTOML(
                file: file, line: error.source.begin.line, column: error.source.begin.column,
                message: Self.oneLine(error.description))
        } catch {
            throw .invalidTOML(file: file, line: 1, column: 1, message: "\(error)")
        }
        let readAsPyproject = pyproject ?? (document["tool"] != nil)
        let table: TOMLTable
        let prefix: [String]
        if readAsPyproject {
            if let tool = document["tool"], tool.type != .table {
                throw .invalidKey(
                    file: file, line: nil, key: "tool", message: "must be a table, got \(Self.typeName(tool))")
            }
            guard let value = document["tool"]?.table?["alterks"] else {
                if required { throw .missingTable(file: file) }
                return try applyEnvironment(to: base)
            }
            guard let alterks = value.table else {
                throw .invalidKey(
                    file: file, line: nil, key: "tool.alterks", message: "must be a table, got \(Self.typeName(value))")
            }
            table = alterks
            prefix = ["tool", "alterks"]
        } else {
            table = document
            prefix = []
        }
        var reader = ConfigTableReader(
            file: file, lines: TOMLKeyLines(text: text), prefix: prefix, baseDirectory: baseDirectory,
            environment: environment)
        var config = try reader.read(table, base: base)
        if reader.webhookSecretInFile {
            diagnostics.warning(
                "\(file): webhook_secret is set in the file, which is usually committed; "
                    + "prefer the ALTERKS_WEBHOOK_SECRET environment variable")
        }
        config = try applyEnvironment(to: config)
        return config
    }

    /// The environment's settings, which win over every file: `ALTERKS_WEBHOOK_SECRET`, and `ALTERKS_PYPI_URL` (the
    /// index's JSON API for scan, the gate and inspect alike — one setting, honoured everywhere).
    private func applyEnvironment(to config: Configuration) throws(ConfigError) -> Configuration {
        var config = config
        if let secret = environment["ALTERKS_WEBHOOK_SECRET"], !secret.isEmpty { config.webhookSecret = secret }
        if let url = environment["ALTERKS_PYPI_URL"], !url.isEmpty {
            guard let valid = ConfigTableReader.validURL(url) else {
                throw .invalidKey(
                    file: "environment", line: nil, key: "ALTERKS_PYPI_URL",
                    message: "must be \(ConfigTableReader.urlAllowed), got \(ConfigTableReader.quote(url))")
            }
            config.pypiURL = valid
        }
        return config
    }

    /// Control characters the TOML parser quotes from the input (`saw '\n'`) written as escapes: one line always.
    static func oneLine(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func absolute(_ path: String, relativeTo directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardized.path
    }

    static func typeName(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}
