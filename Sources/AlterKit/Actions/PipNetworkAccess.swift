import Foundation
import ShimCore

/// How pip reaches the URLs of one install, so that the gate fetches the same files the same way: pip's CA bundle
/// (`--cert`, `PIP_CERT`, pip.conf `cert`), client certificate, proxy (`--proxy`; else the `*_proxy` variables,
/// which the HTTP client reads itself), trusted hosts (plain http allowed), and credentials for private indexes —
/// the user-info of the index and find-links URLs (command line, requirements files, `PIP_INDEX_URL` …, pip.conf),
/// then `~/.netrc` (or `NETRC`), as pip's `MultiDomainBasicAuth` finds them. Keyring is not read.
///
/// Precedence follows pip: command line (and requirements files) over `PIP_*` variables over `PIP_CONFIG_FILE` over
/// the site, user and global pip.conf; `--isolated` (or `PIP_ISOLATED`) ignores the variables and the user's files.
/// Credentials are held here and in the requests built from them only: never in argv, a log line or a path.
package struct PipNetworkAccess: Sendable, Hashable {
    package var caBundle: String?
    package var clientCertificate: String?
    package var proxy: String?
    /// Hosts (`host` or `host:port`, lowercased) pip may reach over plain http.
    package var trustedHosts: Set<String> = []
    /// Index and find-links URLs that carry user-info, in pip's order of preference.
    package var credentialedURLs: [String] = []
    /// `~/.netrc` entries by host (lowercased); "" is the `default` entry.
    package var netrc: [String: HTTPCredential] = [:]

    package init() {}

    /// What pip would use for `invocation` (general options before `install` and install options),
    /// the requirements files' options, `environment`, pip's configuration files and `~/.netrc`.
    /// `pipPrefix` is the `sys.prefix` of pip's interpreter (its site pip.conf).
    package init(
        invocation: PipInvocation, fileOptions: [(name: String, value: String)], environment: [String: String],
        pipPrefix: String?
    ) {
        let general = PipOptionParser(options: PipOptions.general).tokenize(invocation.globalArguments)
        var commandLine: [(String, String)] = []
        for token in general + invocation.tokens {
            guard let name = token.option?.name else { continue }
            commandLine.append((name, token.value ?? ""))
        }
        commandLine += fileOptions
        let isolated =
            commandLine.contains { $0.0 == "--isolated" }
            || ["1", "true", "yes", "on"].contains((environment["PIP_ISOLATED"] ?? "").lowercased())
        let variables = isolated ? [:] : Self.variables(environment)
        let files = Self.configuration(environment: environment, isolated: isolated, pipPrefix: pipPrefix)

        /// The values of one option at the first level that sets it: command line, then variables, then files.
        func values(_ option: String) -> [String] {
            let given = commandLine.filter { $0.0 == option }.map(\.1)
            if !given.isEmpty { return given }
            if let value = variables[option] { return Self.words(value) }
            if let value = files[option] { return Self.words(value) }
            return []
        }
        caBundle = values("--cert").last
        clientCertificate = values("--client-cert").last
        proxy = values("--proxy").last.flatMap { $0.isEmpty ? nil : $0 }
        trustedHosts = Set(values("--trusted-host").map { $0.lowercased() })
        // Every level's URLs count for credentials: pip keeps a password per host once any page of it was fetched.
        var urls: [String] = []
        for option in ["--index-url", "--extra-index-url", "--find-links"] {
            urls += commandLine.filter { $0.0 == option }.map(\.1)
            urls += variables[option].map(Self.words) ?? []
            urls += files[option].map(Self.words) ?? []
        }
        credentialedURLs = urls.filter { Self.userInfo(of: $0) != nil }
        netrc = Self.netrc(environment: environment)
    }

    /// The access for one URL: nil when pip would use nothing beyond the defaults.
    package func access(for url: String) -> HTTPAccess? {
        var access = HTTPAccess(caBundle: caBundle, clientCertificate: clientCertificate, proxy: proxy)
        let target = Self.hostPort(of: url)
        if let target {
            access.allowsPlainHTTP =
                trustedHosts.contains(target.host) || trustedHosts.contains(target.host + ":" + (target.port ?? ""))
        }
        access.credential = credential(for: url, target: target)
        return access == HTTPAccess() ? nil : access
    }

    /// pip's order: the URL's own user-info, an index URL it starts with, a URL of the same host and port, netrc.
    func credential(for url: String, target: (host: String, port: String?)?) -> HTTPCredential? {
        if let own = Self.userInfo(of: url) { return own }
        guard let target else { return nil }
        let bare = Self.withoutUserInfo(url)
        if let index = credentialedURLs.first(where: { bare.hasPrefix(Self.withoutUserInfo($0)) }) {
            return Self.userInfo(of: index)
        }
        if let same = credentialedURLs.first(where: {
            guard let other = Self.hostPort(of: $0) else { return false }
            return other.host == target.host && other.port == target.port
        }) {
            return Self.userInfo(of: same)
        }
        return netrc[target.host] ?? netrc[""]
    }

    // MARK: URLs

    /// The authority of a URL: (user-info, host:port) split at its last "@".
    static func authority(of url: String) -> (userInfo: Substring?, hostPort: Substring)? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest[..<(rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex)]
        guard let at = authority.lastIndex(of: "@") else { return (nil, authority) }
        return (authority[..<at], authority[authority.index(after: at)...])
    }

    /// The lowercased host (IPv6 with its brackets) and the port when one is written.
    static func hostPort(of url: String) -> (host: String, port: String?)? {
        guard let hostPort = authority(of: url)?.hostPort, !hostPort.isEmpty else { return nil }
        let text = hostPort.lowercased()
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[...close])
            let after = text[text.index(after: close)...]
            return (host, after.hasPrefix(":") ? String(after.dropFirst()) : nil)
        }
        if let colon = text.lastIndex(of: ":") {
            return (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }
        return (text, nil)
    }

    /// `user:password` (percent-decoded) from a URL's user-info; a token alone is a user with an empty password.
    static func userInfo(of url: String) -> HTTPCredential? {
        guard let info = authority(of: url)?.userInfo, !info.isEmpty else { return nil }
        let parts = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let user = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        let password = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
        return HTTPCredential(user: user, password: password)
    }

    /// The URL without its user-info.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let info = authority(of: url)?.userInfo else { return url }
        return String(url[..<scheme.upperBound]) + url[url.index(after: info.endIndex)...]
    }

    static func words(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).map(String.init)
    }

    // MARK: Variables and files

    /// The options this type reads, as `PIP_*` variables and configuration keys spell them.
    static let options = [
        "--cert", "--client-cert", "--proxy", "--trusted-host", "--index-url", "--extra-index-url", "--find-links",
    ]

    static func variables(_ environment: [String: String]) -> [String: String] {
        var found: [String: String] = [:]
        for option in options {
            let key = "PIP_" + option.dropFirst(2).uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[key], !value.isEmpty { found[option] = value }
        }
        return found
    }

    /// pip's configuration files merged in pip's order (global, user, site, `PIP_CONFIG_FILE`; `[install]` over
    /// `[global]` within a file), as option → raw value.
    static func configuration(environment: [String: String], isolated: Bool, pipPrefix: String?) -> [String: String] {
        let home = environment["HOME"] ?? ""
        let configFile = environment["PIP_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if configFile == "/dev/null" { return [:] }
        var paths: [String] = []
        let xdgDirs = (environment["XDG_CONFIG_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/xdg")
        paths += xdgDirs.split(separator: ":").map { $0 + "/pip/pip.conf" }
        paths.append("/etc/pip.conf")
        if !isolated && !(configFile.map(FileIO.exists) ?? false) {
            let xdgHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
            paths += [home + "/.pip/pip.conf", xdgHome + "/pip/pip.conf"]
        }
        if let pipPrefix { paths.append(pipPrefix + "/pip.conf") }
        if let configFile { paths.append(configFile) }
        var merged: [String: String] = [:]
        for path in paths where !home.isEmpty || path.hasPrefix("/") {
            guard let data = try? FileIO.read(path, limit: 1 << 20) else { continue }
            let sections = parseINI(String(decoding: data, as: UTF8.self))
            for section in ["global", "install"] {
                for (key, value) in sections[section] ?? [:] where options.contains("--" + key) {
                    merged["--" + key] = value
                }
            }
        }
        return merged
    }

    /// configparser's format, as far as pip's files use it: `[section]`, `key = value` or `key: value`, indented
    /// continuation lines, `#`/`;` comments. Keys lowercased, `_` read as `-`.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var section = ""
        var lastKey: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if raw.first == " " || raw.first == "\t", let key = lastKey {
                sections[section, default: [:]][key, default: ""] += "\n" + line
                continue
            }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces).lowercased()
                lastKey = nil
                continue
            }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
                .replacingOccurrences(of: "_", with: "-")
            sections[section, default: [:]][key] = line[line.index(after: separator)...]
                .trimmingCharacters(in: .whitespaces)
            lastKey = key
        }
        return sections
    }

    /// `NETRC` or `~/.netrc`: `machine HOST login USER password PASS` (and `default`), as Python's netrc reads it.
    static func netrc(environment: [String: String]) -> [String: HTTPCredential] {
        let path =
            environment["NETRC"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.netrc" }
        guard let path, let data = try? FileIO.read(path, limit: 1 << 20) else { return [:] }
        var entries: [String: HTTPCredential] = [:]
        var words = words(String(decoding: data, as: UTF8.self))[...]
        var host: String?
        var user = ""
        var password: String?
        func flush() {
            if let host, let password, entries[host] == nil {
                entries[host] = HTTPCredential(user: user, password: password)
            }
        }
        while let word = words.popFirst() {
            switch word {
            case "machine", "default":
                flush()
                host = word == "default" ? "" : words.popFirst()?.lowercased()
                user = ""
                password = nil
            case "login": user = words.popFirst() ?? ""
            case "password": password = words.popFirst()
            case "account": _ = words.popFirst()
            case "macdef":
                flush()
                host = nil
            default: continue
            }
        }
        flush()
        return entries
    }
}
