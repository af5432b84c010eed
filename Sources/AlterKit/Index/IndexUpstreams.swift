import Foundation

/// A user name and password for an index host (from the index URL's user part or `~/.netrc`). Never printed.
package struct BasicCredential: Sendable, Hashable {
    package var user: String
    package var password: String

    package init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// The `Authorization` header value.
    package var header: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }
}

/// One index the local index stands for.
package struct IndexUpstream: Sendable, Hashable {
    /// The index's base URL without credentials, ending in "/".
    package var url: String
    /// Where the setting came from (`PIP_INDEX_URL`, `/etc/pip.conf [global] extra-index-url`).
    package var origin: String

    package init(url: String, origin: String) {
        self.url = url
        self.origin = origin
    }
}

/// Why the user's index settings cannot be stood for.
package enum IndexSettingsError: AlterKSError, Equatable {
    case badURL(origin: String, url: String, reason: String)
    case unreadable(path: String, reason: String)
    /// A uv configuration file that is not valid TOML or has a key of the wrong type (the message names the file,
    /// the line or the key).
    case badConfig(String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .badURL(let origin, let url, let reason): "\(origin): index \(url.debugDescription): \(reason)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .badConfig(let message): message
        }
    }
}

/// The package indexes, find-links locations, credentials and CA bundle of the user's pip and uv configuration,
/// read as pip reads them: configuration files (global, user, site, then `PIP_CONFIG_FILE`; `[global]` then
/// `[install]`), then `PIP_*` variables (an empty value is ignored, as pip ignores it), plus uv's: its
/// configuration files (`uv.toml` of the system and the user, the project's `uv.toml` or `pyproject.toml`
/// `[tool.uv]`, or `UV_CONFIG_FILE`; `UV_NO_CONFIG` skips them) and its `UV_*` index variables; credentials from
/// the URLs' user part and from `~/.netrc` (`NETRC`). The index stands for the union of all of them.
package struct IndexSettings: Sendable, Hashable {
    package var indexes: [IndexUpstream] = []
    /// Find-links locations: absolute folders or `https://` pages.
    package var findLinks: [String] = []
    /// Credentials by `host[:port]` (lowercased).
    package var credentials: [String: BasicCredential] = [:]
    /// The CA bundle pip is told to use (`PIP_CERT`, `cert =`), when any.
    package var caBundle: String?

    package init(
        indexes: [IndexUpstream] = [], findLinks: [String] = [], credentials: [String: BasicCredential] = [:],
        caBundle: String? = nil
    ) {
        self.indexes = indexes
        self.findLinks = findLinks
        self.credentials = credentials
        self.caBundle = caBundle
    }

    /// PyPI's simple index, pip's and uv's default.
    package static let pypi = "https://pypi.org/simple/"

    /// The settings of `environment` (the shell's, before activation). `read` reads a file (nil when absent);
    /// `ownIndex` is the local index's own URL prefix, never taken as an upstream.
    package static func read(
        environment: [String: String], ownIndex: String? = nil, directory: String? = nil,
        read: (String) throws -> String? = Self.readFile
    ) throws -> IndexSettings {
        var uv = UVConfigValues()
        for path in uvConfigFiles(environment, directory: directory) {
            guard let text = try read(path) else { continue }
            try uv.apply(toml: text, path: path)
        }
        var pip = PipValues()
        for (path, origin) in pipConfigFiles(environment) {
            guard let text = try read(path) else { continue }
            pip.apply(ini: text, origin: origin)
        }
        pip.applyEnvironment(environment)
        var settings = IndexSettings()
        settings.caBundle = pip.cert
        var urls: [(String, String)] = []
        if !pip.noIndex {
            urls.append((pip.indexURL?.0 ?? pypi, pip.indexURL?.1 ?? "pip's default index"))
            urls += pip.extraIndexURLs
        }
        urls += uv.indexes + uvIndexes(environment)
        var seen = Set<String>()
        for (raw, origin) in urls {
            let (url, credential) = try clean(raw, origin: origin)
            if let ownIndex, url.hasPrefix(ownIndex) { continue }
            if let credential, let host = hostKey(url) { settings.credentials[host] = credential }
            guard seen.insert(url).inserted else { continue }
            settings.indexes.append(IndexUpstream(url: url, origin: origin))
        }
        for (raw, origin) in pip.findLinks + uv.findLinks + uvFindLinks(environment) {
            if let ownIndex, raw.hasPrefix(ownIndex) { continue }
            if raw.hasPrefix("/") {
                settings.findLinks.append(raw)
            } else if raw.lowercased().hasPrefix("file://") {
                settings.findLinks.append((try? ArtifactStore.localPath(of: raw)) ?? raw)
            } else {
                let (url, credential) = try clean(raw, origin: origin)
                if let credential, let host = hostKey(url) { settings.credentials[host] = credential }
                settings.findLinks.append(url)
            }
        }
        if let netrc = try read(environment["NETRC"] ?? (environment["HOME"].map { $0 + "/.netrc" } ?? "")) {
            let machines = Self.netrc(netrc)
            for location in settings.indexes.map(\.url) + settings.findLinks {
                guard let host = hostKey(location), settings.credentials[host] == nil else { continue }
                let name = host.split(separator: ":").first.map(String.init) ?? host
                if let credential = machines[name] ?? machines[""] { settings.credentials[host] = credential }
            }
        }
        return settings
    }

    /// Reads a whole file; nil when it does not exist.
    package static func readFile(_ path: String) throws -> String? {
        guard !path.isEmpty, FileIO.exists(path) else { return nil }
        do {
            return String(decoding: try FileIO.read(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            throw IndexSettingsError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// pip's configuration files, lowest priority first, with the label an error names.
    static func pipConfigFiles(_ environment: [String: String]) -> [(String, String)] {
        if let file = environment["PIP_CONFIG_FILE"], file == "/dev/null" { return [] }
        var files: [String] = []
        let dirs = (environment["XDG_CONFIG_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/xdg")
            .split(separator: ":").map(String.init)
        files += dirs.reversed().map { $0 + "/pip/pip.conf" }
        files.append("/etc/pip.conf")
        if let home = environment["HOME"], home.hasPrefix("/") {
            files.append(home + "/.pip/pip.conf")
            let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
            files.append(config + "/pip/pip.conf")
        }
        if let venv = environment["VIRTUAL_ENV"], venv.hasPrefix("/") { files.append(venv + "/pip.conf") }
        if let file = environment["PIP_CONFIG_FILE"], !file.isEmpty { files.append(file) }
        return files.map { ($0, $0) }
    }

    /// uv's configuration files, lowest priority first: the system's (`XDG_CONFIG_DIRS`/uv/uv.toml, /etc/uv/uv.toml),
    /// the user's (`XDG_CONFIG_HOME`/uv/uv.toml, else ~/.config/uv/uv.toml), then the project's — the nearest
    /// `uv.toml`, else `pyproject.toml`, from `directory` upwards (a `pyproject.toml` without `[tool.uv]` is read
    /// and yields nothing, as uv skips it). `UV_CONFIG_FILE` replaces the user's and the project's;
    /// `UV_NO_CONFIG` skips them all.
    static func uvConfigFiles(_ environment: [String: String], directory: String?) -> [String] {
        if let value = environment["UV_NO_CONFIG"], ["1", "true", "yes", "on"].contains(value.lowercased()) {
            return []
        }
        let dirs = (environment["XDG_CONFIG_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/xdg")
            .split(separator: ":").map(String.init)
        var files = dirs.reversed().map { $0 + "/uv/uv.toml" } + ["/etc/uv/uv.toml"]
        if let file = environment["UV_CONFIG_FILE"], !file.isEmpty { return files + [file] }
        if let config = environment["XDG_CONFIG_HOME"].flatMap({ $0.hasPrefix("/") ? $0 : nil }) {
            files.append(config + "/uv/uv.toml")
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            files.append(home + "/.config/uv/uv.toml")
        }
        guard var folder = directory, folder.hasPrefix("/") else { return files }
        while true {
            let prefix = folder == "/" ? "" : folder
            if FileIO.exists(prefix + "/uv.toml") { return files + [prefix + "/uv.toml"] }
            if FileIO.exists(prefix + "/pyproject.toml") { return files + [prefix + "/pyproject.toml"] }
            guard folder != "/" else { return files }
            folder = (folder as NSString).deletingLastPathComponent
        }
    }

    /// uv's index variables: `UV_DEFAULT_INDEX` / `UV_INDEX_URL`, `UV_INDEX` (`name=url` entries allowed),
    /// `UV_EXTRA_INDEX_URL`.
    static func uvIndexes(_ environment: [String: String]) -> [(String, String)] {
        var out: [(String, String)] = []
        for key in ["UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_INDEX", "UV_EXTRA_INDEX_URL"] {
            for word in words(environment[key]) {
                var url = word
                if key == "UV_INDEX", let equals = word.firstIndex(of: "="), !word[..<equals].contains(":") {
                    url = String(word[word.index(after: equals)...])
                }
                out.append((url, key))
            }
        }
        return out
    }

    static func uvFindLinks(_ environment: [String: String]) -> [(String, String)] {
        words(environment["UV_FIND_LINKS"], separators: " ,\t\n").map { ($0, "UV_FIND_LINKS") }
    }

    static func words(_ value: String?, separators: String = " \t\n") -> [String] {
        (value ?? "").split(whereSeparator: { separators.contains($0) }).map(String.init)
    }

    /// The URL without credentials, ending in "/", and the credentials it carried. Only https, or http to
    /// loopback, is accepted: the local index never fetches a package page in clear over the network.
    static func clean(_ raw: String, origin: String) throws -> (String, BasicCredential?) {
        guard var components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw IndexSettingsError.badURL(origin: origin, url: redact(raw), reason: "not a URL") }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw IndexSettingsError.badURL(
                origin: origin, url: redact(raw),
                reason: "only https:// indexes (or http:// on this machine) are stood for")
        }
        var credential: BasicCredential?
        if let user = components.user {
            credential = BasicCredential(
                user: user.removingPercentEncoding ?? user,
                password: (components.password ?? "").removingPercentEncoding ?? components.password ?? "")
        }
        components.user = nil
        components.password = nil
        components.fragment = nil
        var url = components.string ?? raw
        if !url.hasSuffix("/") { url += "/" }
        return (url, credential)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// `host[:port]`, lowercased.
    package static func hostKey(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// The URL with any password replaced by `****`.
    static func redact(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else {
            return url
        }
        let userinfo = url[scheme.upperBound..<at]
        let user = userinfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return String(url[..<scheme.upperBound]) + user + ":****" + String(url[at...])
    }

    /// `machine NAME login USER password PASS` entries (`default` under ""), as Python's netrc reads them.
    static func netrc(_ text: String) -> [String: BasicCredential] {
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        var out: [String: BasicCredential] = [:]
        var machine: String?
        var login = ""
        var password = ""
        func flush() {
            if let machine { out[machine.lowercased()] = BasicCredential(user: login, password: password) }
        }
        var index = 0
        while index < tokens.count {
            switch tokens[index] {
            case "machine", "default":
                flush()
                login = ""
                password = ""
                if tokens[index] == "default" {
                    machine = ""
                } else {
                    machine = index + 1 < tokens.count ? tokens[index + 1] : nil
                    index += 1
                }
            case "login", "password", "account":
                if index + 1 < tokens.count {
                    if tokens[index] == "login" { login = tokens[index + 1] }
                    if tokens[index] == "password" { password = tokens[index + 1] }
                }
                index += 1
            case "macdef":
                // A macro runs to the next blank line; credentials never follow inside it.
                machine = nil
            default:
                break
            }
            index += 1
        }
        flush()
        return out
    }
}

/// pip's index options as its configuration files and `PIP_*` variables leave them.
private struct PipValues {
    var indexURL: (String, String)?
    var extraIndexURLs: [(String, String)] = []
    var findLinks: [(String, String)] = []
    var noIndex = false
    var cert: String?

    /// `[global]` then `[install]` of one file; later files replace what earlier ones set.
    mutating func apply(ini text: String, origin: String) {
        var sections: [String: [(String, String)]] = [:]
        var section = ""
        var lastKey: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") {
                lastKey = nil
                continue
            }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces).lowercased()
                lastKey = nil
                continue
            }
            // A continuation line (indented) adds to the previous key's value, as configparser reads it.
            if rawLine.first?.isWhitespace == true, let key = lastKey, var values = sections[section],
                let last = values.indices.last, values[last].0 == key
            {
                values[last].1 += "\n" + line
                sections[section] = values
                continue
            }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
                .replacingOccurrences(of: "_", with: "-")
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: []].append((key, value))
            lastKey = key
        }
        for name in ["global", "install"] {
            for (key, value) in sections[name] ?? [] {
                set(key, value, origin: "\(origin) [\(name)] \(key)")
            }
        }
    }

    mutating func applyEnvironment(_ environment: [String: String]) {
        for (key, name) in [
            ("PIP_INDEX_URL", "index-url"), ("PIP_EXTRA_INDEX_URL", "extra-index-url"),
            ("PIP_FIND_LINKS", "find-links"), ("PIP_NO_INDEX", "no-index"), ("PIP_CERT", "cert"),
        ] {
            guard let value = environment[key], !value.isEmpty else { continue }
            set(name, value, origin: key)
        }
    }

    mutating func set(_ key: String, _ value: String, origin: String) {
        guard !value.isEmpty else { return }
        let list = IndexSettings.words(value)
        switch key {
        case "index-url", "i": indexURL = list.first.map { ($0, origin) }
        case "extra-index-url": extraIndexURLs = list.map { ($0, origin) }
        case "find-links", "f": findLinks = list.map { ($0, origin) }
        case "no-index": noIndex = ["1", "true", "yes", "on"].contains(value.lowercased())
        case "cert": cert = value
        default: break
        }
    }
}

/// uv's index settings as its configuration files leave them: the top level (or `[tool.uv]` of a pyproject.toml)
/// and its `[pip]` table — `index-url`, `extra-index-url`, `find-links`, `no-index`, and `[[index]]` entries
/// (`url`; `format = "flat"` is a find-links location). Every file's entries are kept: the local index stands for
/// each index any of them names.
private struct UVConfigValues {
    var indexes: [(String, String)] = []
    var findLinks: [(String, String)] = []

    mutating func apply(toml text: String, path: String) throws {
        do {
            let document = try TOMLDocument(text: text, file: path)
            var table = LockTable(values: document.root, path: "", location: document.location(nil))
            if path.hasSuffix("/pyproject.toml") {
                guard let uv = try table.optionalTable("tool")?.optionalTable("uv") else { return }
                table = uv
            }
            try read(table, path: path)
            if let pip = try table.optionalTable("pip") { try read(pip, path: path) }
        } catch {
            throw IndexSettingsError.badConfig("\(error)")
        }
    }

    private mutating func read(_ table: LockTable, path: String) throws(InventoryError) {
        let prefix = table.path.isEmpty ? "" : table.path + "."
        if try table.optionalBool("no-index") == true { return }
        if let url = try table.optionalString("index-url") {
            indexes.append((url, "\(path) \(prefix)index-url"))
        }
        for url in try table.optionalStrings("extra-index-url") ?? [] {
            indexes.append((url, "\(path) \(prefix)extra-index-url"))
        }
        for location in try table.optionalStrings("find-links") ?? [] {
            findLinks.append((Self.absolute(location, configFile: path), "\(path) \(prefix)find-links"))
        }
        for (number, index) in (try table.optionalTables("index") ?? []).enumerated() {
            let url = try index.string("url")
            let origin = "\(path) \(prefix)index[\(number)].url"
            if try index.optionalString("format") == "flat" {
                findLinks.append((Self.absolute(url, configFile: path), origin))
            } else {
                indexes.append((url, origin))
            }
        }
    }

    /// A relative folder (`./wheels`) taken from the configuration file's folder, as uv takes it.
    static func absolute(_ location: String, configFile: String) -> String {
        guard !location.contains("://"), !location.hasPrefix("/") else { return location }
        return (configFile as NSString).deletingLastPathComponent + "/" + location
    }
}
