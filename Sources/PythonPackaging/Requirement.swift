/// A PEP 508 requirement or marker failed to parse.
public struct PEP508Error: Error, CustomStringConvertible, Sendable, Equatable {
    public var input: String
    public var message: String
    /// What was being parsed: `requirement` or `marker`.
    public var subject: String = "requirement"

    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    init(input: String, syntax: PEP508SyntaxError, kind: String) {
        self.input = input
        self.message = "\(syntax.message) (at column \(syntax.position + 1))"
        self.subject = kind
    }

    public var description: String { "invalid \(subject) \(input.quotedForMessage): \(message)" }
}

/// A PEP 508 requirement: `name[extras] (specifier | @ url) ; marker`, parsed as `packaging.requirements.Requirement`
/// (26.x) parses it.
public struct Requirement: Sendable, Hashable, CustomStringConvertible {
    /// The name as written.
    public var name: String
    /// The extras as written, each once, sorted.
    public var extras: [String]
    public var specifier: SpecifierSet
    /// The specifier as written (clauses joined by `,`, spaces inside a clause kept); empty when none.
    public var specifierText: String
    /// A direct reference (`name @ url`): everything after `@` up to whitespace, as written.
    public var url: String?
    public var marker: Marker?

    /// Parses; throws on anything `packaging` rejects, with its message and the column.
    public init(_ string: String) throws(PEP508Error) {
        let parsed: PEP508ParsedRequirement
        do {
            parsed = try PEP508Parser.parseRequirement(string)
        } catch {
            throw PEP508Error(input: string, syntax: error, kind: "requirement")
        }
        name = parsed.name
        extras = Array(Set(parsed.extras)).sorted()
        specifierText = parsed.specifier
        do {
            specifier = try SpecifierSet(parsed.specifier)
        } catch {
            throw PEP508Error(input: string, message: error.description)
        }
        url = parsed.url.isEmpty ? nil : parsed.url
        marker = parsed.marker.map { Marker(nodes: $0) }
    }

    public var normalizedName: String { PackageName.normalize(name) }

    /// `str(requirement)` in `packaging`.
    public var description: String {
        var out = name
        if !extras.isEmpty { out += "[\(extras.joined(separator: ","))]" }
        out += specifier.description
        if let url {
            out += " @ \(url)"
            if marker != nil { out += " " }
        }
        if let marker { out += "; \(marker)" }
        return out
    }

    public static func == (a: Requirement, b: Requirement) -> Bool {
        a.normalizedName == b.normalizedName && a.extras == b.extras && a.specifier == b.specifier
            && a.url == b.url && a.marker == b.marker
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalizedName)
        hasher.combine(extras)
        hasher.combine(specifier)
        hasher.combine(url)
        hasher.combine(marker)
    }
}

extension String {
    /// Double-quoted on one line, for error messages: quotes, backslashes and control characters escaped.
    package var quotedForMessage: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    || scalar.properties.generalCategory == .lineSeparator
                    || scalar.properties.generalCategory == .paragraphSeparator
                {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
