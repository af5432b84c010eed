/// How a constant string came to be, which tells whether someone went out of their way to hide it.
package enum StringOrigin: Sendable, Hashable {
    /// Written as one literal.
    case literal
    /// Joined from literals with `+`, `join` or implicit concatenation.
    case concatenated
    /// Assembled in a way that hides the text: `chr()` codes, reversal, rot13, hex or base64 decoding …
    case obfuscated(String)
    /// Only partly known: an f-string or `%`-format with unknown parts (shown as `…`). Never used as a name.
    case partial

    /// The stronger of two origins when strings are combined.
    func combined(with other: StringOrigin) -> StringOrigin {
        switch (self, other) {
        case (.partial, _), (_, .partial): .partial
        case (.obfuscated(let how), _), (_, .obfuscated(let how)): .obfuscated(how)
        default: .concatenated
        }
    }
}

/// Where a path points, as far as the analyzer can tell.
package enum PathAnchor: String, Sendable, Hashable {
    case home, absolute, site, temp, buildDir, relative, unknown
}

/// A path, partly known: an anchor and the known text after it.
package struct PathValue: Sendable, Hashable {
    package var anchor: PathAnchor
    /// The known components after the anchor, joined with `/` (for `.absolute`, the whole path).
    package var rest: String

    /// How the path reads in evidence.
    package var display: String {
        switch anchor {
        case .home: rest.isEmpty ? "~" : "~/" + rest
        case .absolute: rest
        case .site: "<site-packages>/" + rest
        case .temp: "<tmp>/" + rest
        case .buildDir, .relative: rest
        case .unknown: "…/" + rest
        }
    }

    /// A string read as a path.
    package static func from(_ text: String) -> PathValue {
        if text == "~" { return PathValue(anchor: .home, rest: "") }
        if text.hasPrefix("~/") || text.hasPrefix("~\\") {
            return PathValue(anchor: .home, rest: String(text.dropFirst(2)))
        }
        for variable in ["$HOME/", "${HOME}/", "%USERPROFILE%\\", "%APPDATA%\\", "%LOCALAPPDATA%\\", "%USERPROFILE%/"]
        where text.hasPrefix(variable) {
            return PathValue(anchor: .home, rest: String(text.dropFirst(variable.count)))
        }
        for tmp in ["/tmp/", "/var/tmp/"] where text.hasPrefix(tmp) {
            return PathValue(anchor: .temp, rest: String(text.dropFirst(tmp.count)))
        }
        if text == "/tmp" { return PathValue(anchor: .temp, rest: "") }
        if text.hasPrefix("/") || (text.count > 2 && text.dropFirst().hasPrefix(":\\")) {
            return PathValue(anchor: .absolute, rest: text)
        }
        return PathValue(anchor: .relative, rest: text)
    }

    /// `os.path.join(self, component)`.
    package func joined(_ component: String) -> PathValue {
        let c = PathValue.from(component)
        if c.anchor != .relative { return c }
        if rest.isEmpty { return PathValue(anchor: anchor, rest: component) }
        let separator = rest.hasSuffix("/") || rest.hasSuffix("\\") ? "" : "/"
        return PathValue(anchor: anchor, rest: rest + separator + component)
    }

    /// Whether the path leaves the directory pip builds in for somewhere that persists: home, site-packages, system
    /// paths. The temporary directory is scratch space builds and tests use all the time.
    package var isOutsideBuildDir: Bool {
        switch anchor {
        case .home, .site: true
        case .temp: false
        case .absolute: rest != "/dev/null"
        case .buildDir, .relative, .unknown: false
        }
    }
}

/// What reading a value gave: decoded or decompressed data, a file's contents, a download.
package enum Taint: Sendable, Hashable {
    case decoded(String)
    case file(PathValue)
    case network
}

/// The abstract value of a Python expression. Only what the analysis needs is tracked; the rest is `unknown`.
/// Only `method` is boxed: a value that holds a value directly.
package enum PyValue: Sendable, Hashable {
    case unknown
    /// A constant string (bytes literals map each byte to one scalar).
    case str(String, isBytes: Bool, origin: StringOrigin)
    case int(Int)
    /// A module, or an attribute reached from one: `os`, `os.system`, `builtins.exec`. `<globals>` and
    /// `<sys.modules>` stand for those mappings.
    case ref(String)
    case data(Taint)
    case path(PathValue)
    /// An open file.
    case file(PathValue)
    case list([PyValue])
    /// `os.environ`.
    case environ
    /// A method looked up on a value, not yet called.
    indirect case method(PyValue, String)

    var constantString: String? {
        if case .str(let s, _, let origin) = self, origin != .partial { return s }
        return nil
    }

    var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// Text this value is known to contain, for keyword checks (URLs, credential paths, shell tools).
    var knownText: [String] {
        switch self {
        case .str(let s, _, _): [s]
        case .path(let p), .file(let p): [p.display]
        case .data(.file(let p)): [p.display]
        case .list(let items): items.prefix(64).flatMap(\.knownText)
        default: []
        }
    }
}
