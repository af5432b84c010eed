/// One PEP 440 version specifier (`>=1.0`, `==1.2.*`, `~=2.2`, `===foo`), as `packaging.specifiers.Specifier` 26.2.
public struct Specifier: Sendable, Hashable, CustomStringConvertible {
    /// The comparison operators of PEP 440.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case compatible = "~="
        case equal = "=="
        case notEqual = "!="
        case lessThanOrEqual = "<="
        case greaterThanOrEqual = ">="
        case lessThan = "<"
        case greaterThan = ">"
        /// Arbitrary (case-insensitive string) equality.
        case arbitrary = "==="
    }

    /// The operator.
    public let `operator`: Operator
    /// The version as written, without surrounding whitespace (`1.2.*`, `V1.0`, or any text after `===`).
    public let version: String

    /// The parsed version (for a wildcard, the part before `.*`); for `===`, the text parsed when it is a version.
    let parsedVersion: Version?
    /// `==X.*` / `!=X.*`.
    let isWildcard: Bool
    /// For wildcards and `~=`: the prefix a version must start with, as `packaging`'s `_version_split` parts.
    let prefix: WildcardPrefix?
    /// What `packaging` compares for equality and hashing (`_canonical_spec`).
    private let canonicalVersion: String

    /// Parses one specifier; throws on anything `packaging` rejects.
    public init(_ string: String) throws(PEP440Error) {
        func invalid(_ message: String) -> PEP440Error {
            PEP440Error(input: string, message: message, subject: .specifier)
        }
        // Work on Unicode scalars, as Python does: Swift's `Character` comparisons would treat `=` followed by a
        // combining mark as a different character.
        var scalars = Array(string.unicodeScalars)[...]
        while let first = scalars.first, PEP440Syntax.isWhitespace(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, PEP440Syntax.isWhitespace(last) { scalars = scalars.dropLast() }

        let op: Operator
        if scalars.starts(with: "===".unicodeScalars) {
            op = .arbitrary
        } else if let twoOrOne = Operator.allCases.first(where: { scalars.starts(with: $0.rawValue.unicodeScalars) }) {
            // `allCases` lists the two-character operators before `<` and `>`.
            op = twoOrOne
        } else {
            throw invalid("a specifier starts with one of ~= == != <= >= < > ===")
        }
        var rest = scalars.dropFirst(op.rawValue.unicodeScalars.count)
        while let first = rest.first, PEP440Syntax.isWhitespace(first) { rest = rest.dropFirst() }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: rest)
        let versionText = String(view)
        self.operator = op
        self.version = versionText

        if op == .arbitrary {
            // `===\s*[^\s;)]*`: anything but whitespace, `;` and `)`.
            if versionText.unicodeScalars.contains(where: { PEP440Syntax.isWhitespace($0) || $0 == ";" || $0 == ")" }) {
                throw invalid("the text after === may not contain whitespace, ';' or ')'")
            }
            parsedVersion = try? Version(versionText)
            isWildcard = false
            prefix = nil
            canonicalVersion = versionText
            return
        }
        guard !versionText.isEmpty else { throw invalid("missing version after \(op.rawValue)") }

        isWildcard = (op == .equal || op == .notEqual) && versionText.utf8.reversed().starts(with: "*.".utf8)
        let parsedText = isWildcard ? String(decoding: versionText.utf8.dropLast(2), as: UTF8.self) : versionText
        let parsed: Version
        do {
            parsed = try Version(parsedText)
        } catch {
            throw invalid(error.message)
        }
        // Version() also accepts surrounding whitespace, which a specifier does not allow inside its version.
        if parsedText.unicodeScalars.contains(where: PEP440Syntax.isWhitespace) {
            throw invalid("unexpected whitespace in the version")
        }
        if isWildcard && (parsed.pre != nil || parsed.post != nil || parsed.dev != nil || parsed.local != nil) {
            throw invalid("a .* wildcard follows a release number only")
        }
        if parsed.local != nil && op != .equal && op != .notEqual {
            throw invalid("a local version (+...) is only allowed with == and !=")
        }
        if op == .compatible && parsed.release.count < 2 {
            throw invalid("~= needs at least two release numbers")
        }
        parsedVersion = parsed

        if isWildcard {
            prefix = WildcardPrefix(parts: Self.versionSplit(parsed.description))
            canonicalVersion = versionText
        } else if op == .compatible {
            prefix = WildcardPrefix(compatibleWith: versionText)
            canonicalVersion = parsed.canonicalString(stripTrailingZero: false)
        } else {
            prefix = nil
            canonicalVersion = parsed.canonicalString()
        }
    }

    /// `op` followed by the version as written (`str(Specifier)`).
    public var description: String { self.operator.rawValue + version }

    public static func == (a: Specifier, b: Specifier) -> Bool {
        a.operator == b.operator && a.canonicalVersion == b.canonicalVersion
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.operator)
        hasher.combine(canonicalVersion)
    }

    /// `Specifier.prereleases` with no override: whether this specifier by itself asks for pre-releases.
    package var impliesPrereleases: Bool? {
        if self.operator == .notEqual || isWildcard { return false }
        return parsedVersion?.isPrerelease
    }

    /// `Specifier.contains(version, prereleases)`. With `nil`, `packaging` 26 accepts a matching pre-release
    /// (there is no other version to prefer); `false` refuses every pre-release.
    public func contains(_ version: Version, prereleases: Bool? = nil) -> Bool {
        SpecifierSet([self]).contains(version, prereleases: prereleases)
    }

    /// As above for a version string. An invalid version string matches only `===` with the same text.
    public func contains(_ version: String, prereleases: Bool? = nil) -> Bool {
        SpecifierSet([self]).contains(version, prereleases: prereleases)
    }

    func arbitraryMatches(_ text: String) -> Bool { text.lowercased() == version.lowercased() }

    /// Whether `candidate` satisfies the operator, before any pre-release filtering. `text` is what `===` compares.
    func matches(_ candidate: Version, text: @autoclosure () -> String) -> Bool {
        guard let spec = parsedVersion else { return arbitraryMatches(text()) }
        switch self.operator {
        case .arbitrary:
            return arbitraryMatches(text())
        case .equal:
            return equals(candidate, spec)
        case .notEqual:
            return !equals(candidate, spec)
        case .lessThanOrEqual:
            return Version.compare(candidate.publicVersion, spec) <= 0
        case .greaterThanOrEqual:
            return Version.compare(candidate.publicVersion, spec) >= 0
        case .compatible:
            return Version.compare(candidate.publicVersion, spec) >= 0 && prefix!.matches(candidate)
        case .lessThan:
            // <V excludes pre-releases of V itself unless V is one.
            guard Version.compare(candidate, spec) < 0 else { return false }
            if !spec.isPrerelease && candidate.isPrerelease {
                let earliest = Version(
                    epoch: spec.epoch, release: spec.release, pre: spec.pre, post: spec.post, dev: .zero)
                if Version.compare(candidate, earliest) >= 0 { return false }
            }
            return true
        case .greaterThan:
            // >V excludes post-releases of V unless V is one, and local versions of V.
            guard Version.compare(candidate, spec) > 0 else { return false }
            if !spec.isPostrelease && candidate.isPostrelease {
                let base = Version(epoch: candidate.epoch, release: candidate.release, pre: candidate.pre)
                if base == spec { return false }
            }
            if candidate.local != nil && candidate.publicVersion == spec { return false }
            return true
        }
    }

    private func equals(_ candidate: Version, _ spec: Version) -> Bool {
        if let prefix { return prefix.matches(candidate) }
        return spec.local == nil ? candidate.publicVersion == spec : candidate == spec
    }

    /// `packaging`'s `_version_split`: the epoch (or "0"), then the dot-separated parts, with a pre-release glued
    /// to a number (`5rc1`) split in two.
    static func versionSplit(_ text: String) -> [String] {
        var epoch = "0"
        var rest = Substring(text)
        if let bang = text.lastIndex(of: "!") {
            let written = text[..<bang]
            if !written.isEmpty { epoch = String(written) }
            rest = text[text.index(after: bang)...]
        }
        var parts = [epoch]
        for item in rest.split(separator: ".", omittingEmptySubsequences: false) {
            if let (number, suffix) = splitGluedPrerelease(item) {
                parts.append(number)
                parts.append(suffix)
            } else {
                parts.append(String(item))
            }
        }
        return parts
    }

    /// `([0-9]+)((?:a|b|c|rc)[0-9]+)` as a full match (case-sensitive, as in `packaging`).
    private static func splitGluedPrerelease(_ item: Substring) -> (String, String)? {
        let bytes = Array(item.utf8)
        var index = 0
        while index < bytes.count && PEP440Syntax.isDigit(bytes[index]) { index += 1 }
        guard index > 0, index < bytes.count else { return nil }
        let letters = bytes[index...].prefix { !PEP440Syntax.isDigit($0) }
        guard ["a", "b", "c", "rc"].contains(where: { Array($0.utf8) == Array(letters) }) else { return nil }
        let digits = bytes[(index + letters.count)...]
        guard !digits.isEmpty, digits.allSatisfy(PEP440Syntax.isDigit) else { return nil }
        return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[index...], as: UTF8.self))
    }
}

/// The prefix of a `==X.*` / `!=X.*` wildcard or of a `~=` specifier, matched the way `packaging` does it: the
/// candidate's canonical public version is split into parts, its release padded with zeros to the prefix's
/// numeric length, cut to the prefix's length and compared part by part as text.
struct WildcardPrefix: Sendable, Hashable {
    /// A part of the prefix: a canonical decimal number, or any other text (compared literally).
    enum Part: Sendable, Hashable {
        case number(PEP440Number)
        case text(String)
    }
    let parts: [Part]
    /// How many leading parts are all digits (`str.isdigit`).
    let numericCount: Int

    init(parts texts: [String]) {
        var parts: [Part] = []
        var numericCount = 0
        var stillNumeric = true
        for text in texts {
            let isDigits = !text.isEmpty && text.utf8.allSatisfy(PEP440Syntax.isDigit)
            stillNumeric = stillNumeric && isDigits
            if stillNumeric { numericCount += 1 }
            // Only a number written canonically can equal a part of a canonical version.
            if isDigits, let number = PEP440Number(text), number.description == text {
                parts.append(.number(number))
            } else {
                parts.append(.text(text))
            }
        }
        self.parts = parts
        self.numericCount = numericCount
    }

    /// `~=V`: `packaging` takes the parts of V as written up to the first suffix part (`dev`, `a`, `b`, `rc`,
    /// `post`, case-sensitively), drops the last, and matches that as a `==prefix.*` wildcard.
    init(compatibleWith written: String) {
        let split = Specifier.versionSplit(written)
        var kept = Array(split.prefix { part in !["dev", "a", "b", "rc", "post"].contains { part.hasPrefix($0) } })
        // A `~=` version starts with `v` or a digit and has two release numbers, so at least two parts remain.
        if kept.count > 1 { kept.removeLast() }
        let epoch = kept.removeFirst()
        let prefixText = "\(epoch)!" + kept.joined(separator: ".")
        // canonicalize_version(strip_trailing_zero=False): the canonical form when it parses, else as is.
        let canonical = (try? Version(prefixText))?.description ?? prefixText
        self.init(parts: Specifier.versionSplit(canonical))
    }

    func matches(_ candidate: Version) -> Bool {
        let releaseCount = candidate.release.count
        let paddedNumeric = max(1 + releaseCount, numericCount)
        var suffix: [String] = []
        for (index, part) in parts.enumerated() {
            let matched: Bool
            if index == 0 {
                matched = part == .number(candidate.epoch)
            } else if index <= releaseCount {
                matched = part == .number(candidate.release[index - 1])
            } else if index < paddedNumeric {
                matched = part == .number(.zero)
            } else {
                if suffix.isEmpty {
                    if let pre = candidate.pre { suffix.append("\(pre.kind.label)\(pre.number)") }
                    if let post = candidate.post { suffix.append("post\(post)") }
                    if let dev = candidate.dev { suffix.append("dev\(dev)") }
                }
                let position = index - paddedNumeric
                guard position < suffix.count else { return false }
                matched = part == .text(suffix[position])
            }
            if !matched { return false }
        }
        return true
    }
}
