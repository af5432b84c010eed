import Foundation
import PythonPackaging
import TOMLKit

/// Validates one `[tool.alterks]` table key by key, starting from the defaults. Every problem is a `ConfigError`
/// naming the file, the line where known, the dotted key and what is allowed.
struct ConfigTableReader {
    let file: String
    let lines: TOMLKeyLines
    /// The table's own path in the document (`["tool", "alterks"]`, or `[]` for a standalone alterks.toml).
    let prefix: [String]
    /// Relative `cache_dir` values are resolved against this folder (the configuration file's).
    let baseDirectory: String
    let environment: [String: String]
    /// Set when the file holds `webhook_secret`, so the loader can warn.
    private(set) var webhookSecretInFile = false

    init(file: String, lines: TOMLKeyLines, prefix: [String], baseDirectory: String, environment: [String: String]) {
        self.file = file
        self.lines = lines
        self.prefix = prefix
        self.baseDirectory = baseDirectory
        self.environment = environment
    }

    /// Every key of the table, for "did you mean" suggestions and the documentation test.
    static let knownKeys: [String] = [
        "severity_actions", "risk_threshold", "risk_action", "malicious_action", "allowlist", "blocklist",
        "heuristic_weights", "ignore", "internal_packages", "min_release_age", "on_source_error", "fail_closed",
        "source", "osv_url", "pypi_url", "osv_db_url", "cache_dir", "verdict_ttl", "metadata_ttl", "advisory_ttl",
        "http_timeout", "http_total_timeout", "max_concurrency", "webhook_url", "webhook_secret", "fail_on",
        "allow_source_builds", "max_offline_age", "signal_actions", "trusted_rebuild_indexes",
    ]

    static let actionNames = "block, quarantine, alert or allow"

    /// Reads `table` over `base` (the defaults, or the configuration of the files read before this one).
    mutating func read(_ table: TOMLTable, base: Configuration = .defaults) throws(ConfigError) -> Configuration {
        var config = base
        var explicitUnknownSeverity = false
        var explicitHighSeverity = false
        var sawFailClosed: Bool? = nil
        var sawOnSourceError = false
        for key in table.keys.sorted() {
            let value = table[key]!
            let path = [key]
            switch key {
            case "severity_actions":
                let sub = try self.table(value, path)
                for severityKey in sub.keys.sorted() {
                    guard let severity = Severity(rawValue: severityKey) else {
                        throw unknownKey(path + [severityKey], known: Severity.allCases.map(\.rawValue).reversed())
                    }
                    if severity == .unknown { explicitUnknownSeverity = true }
                    if severity == .high { explicitHighSeverity = true }
                    config.severityActions[severity] = try action(
                        sub[severityKey]!, path + [severityKey], allowed: Action.allCases)
                }
            case "risk_threshold":
                config.riskThreshold = try number(value, path, in: 0...100, allowed: "a number from 0 to 100")
            case "risk_action":
                if value.type == .table {
                    let sub = value.table!
                    for modeKey in sub.keys.sorted() {
                        guard let mode = PolicyMode(rawValue: modeKey) else {
                            throw unknownKey(path + [modeKey], known: PolicyMode.allCases.map(\.rawValue))
                        }
                        config.riskActions[mode] = try action(sub[modeKey]!, path + [modeKey], allowed: Action.allCases)
                    }
                } else if value.type == .string {
                    let chosen = try action(value, path, allowed: Action.allCases)
                    for mode in PolicyMode.allCases { config.riskActions[mode] = chosen }
                } else {
                    throw invalid(
                        path,
                        "must be an action (\(Self.actionNames)) or a table { scan = …, install = … }, "
                            + "got \(ConfigLoader.typeName(value))")
                }
            case "malicious_action":
                config.maliciousAction = try action(value, path, allowed: [.block, .quarantine, .alert])
            case "allowlist":
                config.allowlist = try packageList(value, path)
            case "blocklist":
                config.blocklist = try packageList(value, path)
            case "heuristic_weights":
                let sub = try self.table(value, path)
                for factorKey in sub.keys.sorted() {
                    let factor = factorKey == "code_patterns" ? "code" : factorKey
                    guard Configuration.heuristicFactors.contains(factor) else {
                        throw unknownKey(path + [factorKey], known: Configuration.heuristicFactors)
                    }
                    config.heuristicWeights[factor] = try number(
                        sub[factorKey]!, path + [factorKey], in: 0...1, allowed: "a number from 0 to 1")
                }
            case "ignore":
                config.ignores = try ignores(value, path)
            case "internal_packages":
                config.internalPackages = try strings(value, path, allowed: "an array of package names").enumerated()
                    .map { (index, name) throws(ConfigError) in
                        guard PackageName.isValid(name) else {
                            throw invalid(path, "entry \(index + 1) \(Self.quote(name)) is not a valid package name")
                        }
                        return PackageName.normalize(name)
                    }
            case "min_release_age":
                config.minReleaseAge = try duration(value, path, bareNumberUnit: 3600, unitName: "hours")
            case "on_source_error":
                config.onSourceError = try action(value, path, allowed: [.block, .alert])
                sawOnSourceError = true
            case "fail_closed":
                guard let flag = value.bool else {
                    throw invalid(path, "must be true or false, got \(ConfigLoader.typeName(value))")
                }
                sawFailClosed = flag
            case "source":
                let text = try string(value, path, allowed: "osv, pypi, offline or auto")
                guard let choice = AdvisorySourceChoice(rawValue: text) else {
                    throw invalid(path, "must be osv, pypi, offline or auto, got \(Self.quote(text))")
                }
                config.source = choice
            case "osv_url":
                config.osvURL = try url(value, path)
            case "pypi_url":
                config.pypiURL = try url(value, path)
            case "osv_db_url":
                config.osvDatabaseURL = try url(value, path)
            case "cache_dir":
                let text = try string(value, path, allowed: "a directory path")
                guard !text.isEmpty, !text.contains("\0") else { throw invalid(path, "must be a directory path") }
                config.cacheDirectory = resolvePath(text)
            case "verdict_ttl":
                config.verdictTTL = try duration(value, path, bareNumberUnit: 1, unitName: "seconds")
            case "metadata_ttl":
                config.metadataTTL = try duration(value, path, bareNumberUnit: 1, unitName: "seconds")
            case "advisory_ttl":
                config.advisoryTTL = try duration(value, path, bareNumberUnit: 1, unitName: "seconds")
            case "http_timeout":
                config.httpTimeout = try positiveDuration(value, path)
            case "http_total_timeout":
                config.httpTotalTimeout = try positiveDuration(value, path)
            case "max_concurrency":
                guard let count = value.int, (1...256).contains(count) else {
                    throw invalid(path, "must be an integer from 1 to 256, got \(describe(value))")
                }
                config.maxConcurrency = count
            case "webhook_url":
                config.webhookURL = try url(value, path)
            case "webhook_secret":
                let secret = try string(value, path, allowed: "a string")
                guard !secret.isEmpty else { throw invalid(path, "must not be empty") }
                config.webhookSecret = secret
                webhookSecretInFile = true
            case "fail_on":
                config.failOn = try action(value, path, allowed: [.block, .quarantine, .alert])
            case "allow_source_builds":
                guard let flag = value.bool else {
                    throw invalid(path, "must be true or false, got \(ConfigLoader.typeName(value))")
                }
                config.allowSourceBuilds = flag
            case "max_offline_age":
                config.maxOfflineAge = try duration(value, path, bareNumberUnit: 86400, unitName: "days")
            case "signal_actions":
                let sub = try self.table(value, path)
                for signalKey in sub.keys.sorted() {
                    guard let signal = Signal(rawValue: signalKey) else {
                        throw unknownKey(path + [signalKey], known: Signal.allCases.map(\.rawValue))
                    }
                    config.signalActions[signal] = try action(
                        sub[signalKey]!, path + [signalKey], allowed: Action.allCases)
                }
            case "trusted_rebuild_indexes":
                let allowed = "an array of index URLs"
                guard let array = value.array else {
                    throw invalid(path, "must be \(allowed), got \(ConfigLoader.typeName(value))")
                }
                config.trustedRebuildIndexes = try array.map { (element) throws(ConfigError) in
                    try url(element, path)
                }
            default:
                throw unknownKey(path, known: Self.knownKeys)
            }
        }
        if let failClosed = sawFailClosed {
            if sawOnSourceError {
                throw invalid(["fail_closed"], "cannot be used together with on_source_error; keep on_source_error")
            }
            config.onSourceError = failClosed ? .block : .alert
        }
        // `unknown` follows `high` when this file sets `high` alone (the base already holds its own pairing).
        if explicitHighSeverity && !explicitUnknownSeverity {
            config.severityActions[.unknown] = config.action(for: .high)
        }
        if config.httpTotalTimeout < config.httpTimeout {
            throw invalid(
                ["http_total_timeout"],
                "must be at least http_timeout (\(Self.seconds(config.httpTimeout))), "
                    + "got \(Self.seconds(config.httpTotalTimeout))")
        }
        return config
    }

    // MARK: - Values

    private func table(_ value: any TOMLValueConvertible, _ path: [String]) throws(ConfigError) -> TOMLTable {
        guard let table = value.table else {
            throw invalid(path, "must be a table, got \(ConfigLoader.typeName(value))")
        }
        return table
    }

    private func string(_ value: any TOMLValueConvertible, _ path: [String], allowed: String) throws(ConfigError)
        -> String
    {
        guard let text = value.string else {
            throw invalid(path, "must be \(allowed), got \(ConfigLoader.typeName(value))")
        }
        return text
    }

    private func action(_ value: any TOMLValueConvertible, _ path: [String], allowed: [Action]) throws(ConfigError)
        -> Action
    {
        let names = Self.list(allowed.sorted(by: >).map(\.rawValue))
        guard let text = value.string else {
            throw invalid(path, "must be one of \(names), got \(ConfigLoader.typeName(value))")
        }
        guard let action = Action(rawValue: text.lowercased()), allowed.contains(action) else {
            let suggestion = Suggest.closest(to: text.lowercased(), among: allowed.map(\.rawValue))
            return try fail(
                path,
                "must be one of \(names), got \(Self.quote(text))"
                    + (suggestion.map { " (did you mean \(Self.quote($0))?)" } ?? ""))
        }
        return action
    }

    private func number(
        _ value: any TOMLValueConvertible, _ path: [String], in range: ClosedRange<Double>, allowed: String
    ) throws(ConfigError) -> Double {
        let number: Double
        if let int = value.int {
            number = Double(int)
        } else if let double = value.double {
            number = double
        } else {
            throw invalid(path, "must be \(allowed), got \(ConfigLoader.typeName(value))")
        }
        guard number.isFinite, range.contains(number) else {
            throw invalid(path, "must be \(allowed), got \(describe(value))")
        }
        return number
    }

    /// A non-negative duration: a bare number in `bareNumberUnit` seconds, or a string `90s`, `30m`, `24h`, `7d`.
    private func duration(
        _ value: any TOMLValueConvertible, _ path: [String], bareNumberUnit: Double, unitName: String
    ) throws(ConfigError) -> TimeInterval {
        let allowed = "a number of \(unitName) or a duration such as \"90s\", \"30m\", \"24h\", \"7d\""
        if let int = value.int {
            guard int >= 0 else { throw invalid(path, "must be \(allowed), not negative (got \(int))") }
            return Double(int) * bareNumberUnit
        }
        if let double = value.double {
            guard double.isFinite, double >= 0 else { throw invalid(path, "must be \(allowed), got \(double)") }
            return double * bareNumberUnit
        }
        guard let text = value.string else {
            throw invalid(path, "must be \(allowed), got \(ConfigLoader.typeName(value))")
        }
        guard let seconds = Self.parseDuration(text) else {
            throw invalid(path, "must be \(allowed), got \(Self.quote(text))")
        }
        return seconds
    }

    private func positiveDuration(_ value: any TOMLValueConvertible, _ path: [String]) throws(ConfigError)
        -> TimeInterval
    {
        let seconds = try duration(value, path, bareNumberUnit: 1, unitName: "seconds")
        guard seconds > 0 else { throw invalid(path, "must be more than 0 seconds") }
        return seconds
    }

    /// `90s`, `30m`, `24h`, `7d`, `2w` (an optional fraction: `1.5h`). Nil when malformed.
    static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last else { return nil }
        let factor: Double
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3600
        case "d": factor = 86400
        case "w": factor = 7 * 86400
        default: return nil
        }
        let digits = trimmed.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            digits.filter({ $0 == "." }).count <= 1, digits.first != ".", digits.last != ".",
            let number = Double(digits)
        else { return nil }
        return number * factor
    }

    /// HTTPS, or plain HTTP to a loopback address (test doubles, local mirrors).
    private func url(_ value: any TOMLValueConvertible, _ path: [String]) throws(ConfigError) -> String {
        let text = try string(value, path, allowed: Self.urlAllowed)
        guard let valid = Self.validURL(text) else {
            throw invalid(path, "must be \(Self.urlAllowed), got \(Self.quote(text))")
        }
        return valid
    }

    static let urlAllowed = "an https:// URL (http:// only for 127.0.0.1, localhost or [::1])"

    /// `text` without a trailing `/` when it is an https URL, or http to a loopback host; nil otherwise.
    static func validURL(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, !text.contains(where: \.isWhitespace)
        else { return nil }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && loopback) else { return nil }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    private func strings(_ value: any TOMLValueConvertible, _ path: [String], allowed: String) throws(ConfigError)
        -> [String]
    {
        guard let array = value.array else {
            throw invalid(path, "must be \(allowed), got \(ConfigLoader.typeName(value))")
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string else {
                throw invalid(path, "must be \(allowed); entry \(index + 1) is \(ConfigLoader.typeName(element))")
            }
            out.append(text)
        }
        return out
    }

    private func packageList(_ value: any TOMLValueConvertible, _ path: [String]) throws(ConfigError)
        -> [PackageListEntry]
    {
        let allowed = "an array of package names, each optionally with a version specifier (\"django<4\")"
        var entries: [PackageListEntry] = []
        for (index, raw) in try strings(value, path, allowed: allowed).enumerated() {
            guard let entry = Self.parseListEntry(raw) else {
                throw invalid(
                    path,
                    "entry \(index + 1) \(Self.quote(raw)) is not a package name with an optional version "
                        + "specifier (\"django<4\")")
            }
            entries.append(entry)
        }
        return entries
    }

    /// `name` or `name<specifier>`: a PEP 508 name followed by an optional PEP 440 specifier set. Extras, URLs and
    /// markers are not list entries.
    static func parseListEntry(_ raw: String) -> PackageListEntry? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let nameEnd =
            text.firstIndex { c in !(c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")) }
            ?? text.endIndex
        let name = String(text[..<nameEnd])
        let rest = text[nameEnd...].trimmingCharacters(in: .whitespaces)
        guard PackageName.isValid(name) else { return nil }
        if rest.isEmpty {
            return PackageListEntry(raw: raw, name: PackageName.normalize(name), specifierText: "", specifier: nil)
        }
        guard let first = rest.first, "<>=!~".contains(first), let specifier = try? SpecifierSet(rest) else {
            return nil
        }
        return PackageListEntry(raw: raw, name: PackageName.normalize(name), specifierText: rest, specifier: specifier)
    }

    private func ignores(_ value: any TOMLValueConvertible, _ path: [String]) throws(ConfigError) -> [IgnoreRule] {
        guard let array = value.array else {
            throw invalid(
                path, "must be an array of tables { id, reason, until }, got \(ConfigLoader.typeName(value))")
        }
        var rules: [IgnoreRule] = []
        for (index, element) in array.enumerated() {
            let elementPath = ["\(path.last!)[\(index + 1)]"]
            func keyError(_ key: String, _ message: String) -> ConfigError {
                .invalidKey(
                    file: file, line: lines.line(ofKey: key, inElement: index, of: prefix + path),
                    key: (prefix + elementPath + [key]).joined(separator: "."), message: message)
            }
            guard let entry = element.table else {
                throw invalid(
                    elementPath, "must be a table { id, reason, until }, got \(ConfigLoader.typeName(element))")
            }
            let known = ["id", "reason", "until", "package"]
            for key in entry.keys.sorted() where !known.contains(key) {
                let suggestion = Suggest.closest(to: key, among: known)
                throw keyError(
                    key,
                    "unknown key" + (suggestion.map { "; did you mean \(Self.quote($0))?" } ?? "")
                        + " (allowed: id, reason, until, package)")
            }
            guard let id = entry["id"]?.string, !id.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw keyError("id", "is required: the vulnerability id to ignore (a string such as \"PYSEC-2024-1\")")
            }
            guard let reason = entry["reason"]?.string, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw keyError("reason", "is required: why \(id) is accepted (a non-empty string)")
            }
            guard let until = entry["until"] else {
                throw keyError("until", "is required: the last day the ignore applies (a date such as 2027-01-31)")
            }
            let day: (year: Int, month: Int, day: Int)
            if let date = until.date {
                day = (date.year, date.month, date.day)
            } else if let text = until.string, let parsed = Self.parseDay(text) {
                day = parsed
            } else {
                throw keyError("until", "must be a date YYYY-MM-DD such as 2027-01-31, got \(describe(until))")
            }
            guard let expires = Self.startOfDayAfter(day) else {
                throw keyError("until", "must be a real calendar date, got \(describe(until))")
            }
            var package: String? = nil
            if let packageValue = entry["package"] {
                guard let name = packageValue.string, PackageName.isValid(name) else {
                    throw keyError("package", "must be a package name, got \(describe(packageValue))")
                }
                package = PackageName.normalize(name)
            }
            let untilText = String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
            rules.append(
                IgnoreRule(
                    id: id.trimmingCharacters(in: .whitespaces), reason: reason, untilText: untilText,
                    expires: expires, package: package))
        }
        return rules
    }

    static func parseDay(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        return (year, month, day)
    }

    /// Midnight UTC at the start of the day after `day`; nil when `day` is not a calendar date (2026-02-30).
    static func startOfDayAfter(_ day: (year: Int, month: Int, day: Int)) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: day.year, month: day.month, day: day.day)
        guard (1...12).contains(day.month), (1...31).contains(day.day), let start = calendar.date(from: components),
            calendar.component(.day, from: start) == day.day, calendar.component(.month, from: start) == day.month
        else { return nil }
        return calendar.date(byAdding: .day, value: 1, to: start)
    }

    private func resolvePath(_ text: String) -> String {
        if text == "~" || text.hasPrefix("~/"), let home = environment["HOME"] {
            return home + text.dropFirst()
        }
        return ConfigLoader.absolute(text, relativeTo: baseDirectory)
    }

    // MARK: - Errors

    private func dotted(_ path: [String]) -> String { (prefix + path).joined(separator: ".") }

    private func invalid(_ path: [String], _ message: String) -> ConfigError {
        .invalidKey(file: file, line: lines.line(of: prefix + path), key: dotted(path), message: message)
    }

    private func fail<T>(_ path: [String], _ message: String) throws(ConfigError) -> T {
        throw invalid(path, message)
    }

    private func unknownKey(_ path: [String], known: [String]) -> ConfigError {
        let key = path.last ?? ""
        if let suggestion = Suggest.closest(to: key, among: known) {
            return invalid(path, "unknown key; did you mean \(Self.quote(suggestion))?")
        }
        return invalid(path, "unknown key; known keys: \(known.joined(separator: ", "))")
    }

    private func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: Self.quote(value.string!)
        case .int: String(value.int!)
        case .double: String(value.double!)
        case .bool: String(value.bool!)
        default: ConfigLoader.typeName(value)
        }
    }

    /// A string in double quotes with `"` and `\` escaped (TOMLKit replaces `String.debugDescription`).
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// "Did you mean" suggestions by Damerau–Levenshtein distance.
enum Suggest {
    /// The closest of `candidates` to `word`, when it is close enough to be a plausible typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        for candidate in candidates {
            let d = distance(word, candidate)
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        guard let (candidate, d) = best else { return nil }
        let limit = max(2, min(word.count, candidate.count) / 3)
        if d <= limit { return candidate }
        if word.count >= 3, candidate.hasPrefix(word) || word.hasPrefix(candidate) { return candidate }
        return nil
    }

    /// Optimal string alignment distance (adjacent transposition counts as one edit).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
