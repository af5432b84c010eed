/// A marker could not be evaluated: `packaging` raises `UndefinedComparison` (an operator that makes no sense for
/// the values, such as `os_name ~= "posix"`) or `UndefinedEnvironmentName` (a variable the environment lacks, such
/// as `extras` outside a lock file, or a comparison of two literals).
public struct MarkerEvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var marker: String
    public var message: String
    public init(marker: String, message: String) {
        self.marker = marker
        self.message = message
    }
    public var description: String { "cannot evaluate marker \(marker.quotedForMessage): \(message)" }
}

/// A parsed PEP 508 environment marker, as `packaging.markers.Marker` (26.x).
public struct Marker: Sendable, Hashable, CustomStringConvertible {
    let nodes: [MarkerNode]

    /// Parses; throws on anything `packaging.markers.Marker` rejects. `extra == "…"` values are normalised (PEP 685).
    public init(_ string: String) throws(PEP508Error) {
        do {
            nodes = Self.normalizeExtras(try PEP508Parser.parseMarker(string))
        } catch {
            throw PEP508Error(input: string, syntax: error, kind: "marker")
        }
    }

    init(nodes: [MarkerNode]) {
        self.nodes = Self.normalizeExtras(nodes)
    }

    /// Evaluates for `environment`, the way pip decides whether a requirement applies: with no extras requested
    /// `extra` is `""`, otherwise the marker holds when it holds for any one of the requested extras.
    ///
    /// A marker that cannot be evaluated (`MarkerEvaluationError`) counts as **true**: the dependency is kept and
    /// checked rather than silently dropped. Use `evaluateStrictly` to see the error.
    public func evaluate(_ environment: MarkerEnvironment, extras: Set<String> = []) -> Bool {
        (try? evaluateStrictly(environment, extras: extras)) ?? true
    }

    /// As `evaluate`, but throws where `packaging` raises instead of answering.
    public func evaluateStrictly(_ environment: MarkerEnvironment, extras: Set<String> = [])
        throws(MarkerEvaluationError)
        -> Bool
    {
        let requested = extras.isEmpty ? [""] : extras.sorted()
        for extra in requested {
            var values = environment.values
            values["extra"] = extra.isEmpty ? "" : PackageName.normalize(extra)
            if let full = values["python_full_version"], full.hasSuffix("+") {
                // platform.python_version() of an untagged build ends in "+", which is not PEP 440.
                values["python_full_version"] = full + "local"
            }
            if try Self.evaluate(nodes, values, marker: self) { return true }
        }
        return false
    }

    /// `str(marker)` in `packaging`: double-quoted values, redundant parentheses dropped.
    public var description: String { Self.format(.list(nodes), first: true) }

    public static func == (a: Marker, b: Marker) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    // MARK: packaging.markers internals

    private static func normalizeExtras(_ nodes: [MarkerNode]) -> [MarkerNode] {
        nodes.map { node in
            switch node {
            case .list(let inner):
                return .list(normalizeExtras(inner))
            case .comparison(var c):
                if case .variable("extra") = c.lhs, case .value(let v) = c.rhs {
                    c.rhs = .value(PackageName.normalize(v))
                } else if case .variable("extra") = c.rhs, case .value(let v) = c.lhs {
                    c.lhs = .value(PackageName.normalize(v))
                }
                return .comparison(c)
            case .and, .or:
                return node
            }
        }
    }

    private static func format(_ node: MarkerNode, first: Bool) -> String {
        switch node {
        case .list(let items):
            if items.count == 1, let only = items.first {
                switch only {
                case .list, .comparison: return format(only, first: true)
                case .and, .or: break
                }
            }
            let inner = items.map { format($0, first: false) }.joined(separator: " ")
            return first ? inner : "(\(inner))"
        case .comparison(let c):
            return "\(c.lhs.serialized) \(c.op) \(c.rhs.serialized)"
        case .and:
            return "and"
        case .or:
            return "or"
        }
    }

    /// Markers whose values compare as PEP 440 versions when the right side is a valid specifier.
    private static let versionVariables: Set<String> = [
        "implementation_version", "platform_release", "python_full_version", "python_version",
    ]

    private static func evaluate(_ nodes: [MarkerNode], _ env: [String: String], marker: Marker)
        throws(MarkerEvaluationError) -> Bool
    {
        // Like packaging, every comparison is evaluated (an undefined one anywhere fails the whole marker).
        var groups: [[Bool]] = [[]]
        for node in nodes {
            switch node {
            case .list(let inner):
                groups[groups.count - 1].append(try evaluate(inner, env, marker: marker))
            case .comparison(let c):
                let key: String
                let lhs: String
                let rhs: String
                if case .variable(let name) = c.lhs {
                    key = name
                    lhs = try lookup(name, env, marker)
                    rhs = c.rhs.text
                } else {
                    key = c.rhs.text
                    lhs = c.lhs.text
                    rhs = try lookup(key, env, marker)
                }
                groups[groups.count - 1].append(try compare(lhs, c.op, rhs, key: key, marker: marker))
            case .or:
                groups.append([])
            case .and:
                break
            }
        }
        return groups.contains { $0.allSatisfy { $0 } }
    }

    private static func lookup(_ key: String, _ env: [String: String], _ marker: Marker)
        throws(MarkerEvaluationError) -> String
    {
        guard let value = env[key] else {
            throw MarkerEvaluationError(marker: marker.description, message: "undefined environment name '\(key)'")
        }
        return value
    }

    private static func compare(_ lhs: String, _ op: String, _ rhs: String, key: String, marker: Marker)
        throws(MarkerEvaluationError) -> Bool
    {
        if versionVariables.contains(key), let answer = versionCompare(lhs, op, rhs) {
            return answer
        }
        let l = Array(lhs.unicodeScalars)
        let r = Array(rhs.unicodeScalars)
        switch op {
        case "in": return contains(r, l)
        case "not in": return !contains(r, l)
        case "<", ">": return false
        case "<=", "==", ">=": return l == r
        case "!=": return l != r
        default:
            throw MarkerEvaluationError(
                marker: marker.description,
                message: "undefined comparison \(op) on \(lhs.quotedForMessage) and \(rhs.quotedForMessage)")
        }
    }

    /// `Specifier(op + rhs).contains(lhs, prereleases=True)` when that specifier is valid; `nil` when it is not.
    private static func versionCompare(_ lhs: String, _ op: String, _ rhs: String) -> Bool? {
        guard op != "in", op != "not in" else { return nil }
        if op == "===" {
            // `===\s*[^\s;)]*\s*`: an arbitrary string compared case-insensitively.
            let arbitrary = rhs.unicodeScalars.drop(while: PEP508Scanner.isSpace)
            let core = arbitrary.prefix { !PEP508Scanner.isSpace($0) && $0 != ";" && $0 != ")" }
            guard arbitrary.dropFirst(core.count).allSatisfy(PEP508Scanner.isSpace) else { return nil }
            return lhs.lowercased() == String(String.UnicodeScalarView(core)).lowercased()
        }
        // One clause only: a comma would make SpecifierSet read several, where Specifier rejects it.
        guard !rhs.contains(","), let spec = try? SpecifierSet(op + rhs) else { return nil }
        return spec.contains(lhs, prereleases: true)
    }

    private static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        if needle.isEmpty { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
