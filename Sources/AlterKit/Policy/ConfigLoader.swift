import Foundation
import TOMLKit

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

    /// The configuration for a command run: `explicitFile` when given (relative to `workingDirectory`), otherwise
    /// the nearest pyproject.toml at or above `workingDirectory`, otherwise the defaults.
    package func load(explicitFile: String?, workingDirectory: String) throws(ConfigError) -> Configuration {
        if let explicitFile {
            let path = Self.absolute(explicitFile, relativeTo: workingDirectory)
            guard Self.isRegularFile(path) else { throw .notFound(file: explicitFile) }
            return try load(file: path, displayName: explicitFile, required: true)
        }
        guard let found = Self.nearestPyproject(from: workingDirectory) else {
            return applyEnvironment(to: .defaults)
        }
        return try load(file: found, displayName: found, required: false)
    }

    /// The nearest `pyproject.toml` in `directory` or any parent, if any.
    package static func nearestPyproject(from directory: String) -> String? {
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent("pyproject.toml").path
            if isRegularFile(candidate) { return candidate }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }

    /// Reads one file. `required`: the table must exist (an explicit `--config`).
    package func load(file path: String, displayName: String, required: Bool) throws(ConfigError) -> Configuration {
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
            required: required)
        config.origin = displayName
        return config
    }

    /// Parses configuration text. `pyproject`: true reads `[tool.alterks]`, false reads the top level, nil decides
    /// by the presence of a top-level `tool` table.
    package func parse(
        text: String, file: String, baseDirectory: String, pyproject: Bool?, required: Bool
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
                return applyEnvironment(to: .defaults)
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
        var config = try reader.read(table)
        if reader.webhookSecretInFile {
            diagnostics.warning(
                "\(file): webhook_secret is set in the file, which is usually committed; "
                    + "prefer the ALTERKS_WEBHOOK_SECRET environment variable")
        }
        config = applyEnvironment(to: config)
        return config
    }

    private func applyEnvironment(to config: Configuration) -> Configuration {
        var config = config
        if let secret = environment["ALTERKS_WEBHOOK_SECRET"], !secret.isEmpty { config.webhookSecret = secret }
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

    static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager().fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
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
