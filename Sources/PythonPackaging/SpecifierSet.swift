/// A PEP 440 specifier set (`>=1.0,!=1.3.*,<2`), as `packaging.specifiers.SpecifierSet` 26.2.
///
/// Pre-release handling follows `packaging` 26: `contains` with `prereleases: nil` accepts a matching pre-release
/// (a single version has no final release to prefer over it), `true` is the same, and `false` refuses every
/// pre-release. `filter` applies PEP 440's "pre-releases only when nothing else matches" rule over a list.
public struct SpecifierSet: Sendable, Hashable, CustomStringConvertible {
    /// The specifiers in the order written (duplicates kept, as `packaging` keeps them until it sorts).
    public let specifiers: [Specifier]
    /// `"===" in the input`: `===` then compares the version string as given rather than its normal form.
    private let hasArbitrary: Bool

    /// Parses; throws on anything `packaging` rejects. The empty string is the set that allows everything.
    public init(_ string: String) throws(PEP440Error) {
        var specifiers: [Specifier] = []
        for part in string.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.contains(where: { !PEP440Syntax.isWhitespace($0) }) else { continue }
            do {
                specifiers.append(try Specifier(String(Substring(part))))
            } catch {
                // Name the failing part when there are several.
                let context = string.contains(",") ? "in \(String(Substring(part)).debugDescription): " : ""
                throw PEP440Error(input: string, message: context + error.message, subject: .specifier)
            }
        }
        self.specifiers = specifiers
        self.hasArbitrary = string.utf8.firstRange(of: "===".utf8) != nil
    }

    /// A set of already-parsed specifiers.
    public init(_ specifiers: [Specifier]) {
        self.specifiers = specifiers
        self.hasArbitrary = specifiers.contains { $0.description.utf8.firstRange(of: "===".utf8) != nil }
    }

    /// `SpecifierSet.contains(version, prereleases=...)`: `nil` is packaging's default pre-release handling.
    public func contains(_ version: Version, prereleases: Bool? = nil) -> Bool {
        if prereleases == false && version.isPrerelease { return false }
        return specifiers.allSatisfy { $0.matches(version, text: version.description) }
    }

    /// As above for a version string, which `===` compares as given (case-insensitively). A string that is not a
    /// valid version can only be matched by `===` specifiers, and is in the empty set (as in `packaging`).
    public func contains(_ version: String, prereleases: Bool? = nil) -> Bool {
        guard let parsed = try? Version(version) else {
            return specifiers.allSatisfy { $0.operator == .arbitrary && $0.arbitraryMatches(version) }
        }
        if prereleases == false && parsed.isPrerelease { return false }
        return specifiers.allSatisfy { $0.matches(parsed, text: hasArbitrary ? version : parsed.description) }
    }

    /// `SpecifierSet.filter(versions, prereleases=...)`: the versions in the set, in their order. With `nil`,
    /// pre-releases are kept only when a specifier names one (`>=1.0b1`) or when no final release matches.
    public func filter(_ versions: [Version], prereleases: Bool? = nil) -> [Version] {
        var prereleases = prereleases
        if prereleases == nil && specifiers.contains(where: { $0.impliesPrereleases == true }) { prereleases = true }
        let matching = versions.filter { contains($0, prereleases: prereleases ?? true) }
        guard prereleases == nil else { return matching }
        let finals = matching.filter { !$0.isPrerelease }
        return finals.isEmpty ? matching : finals
    }

    /// The specifiers sorted by their text with equal ones removed, as `str(SpecifierSet)` and `==` use them.
    private var canonicalSpecifiers: [Specifier] {
        var seen = Set<Specifier>()
        return
            specifiers
            .sorted { $0.description.unicodeScalars.lexicographicallyPrecedes($1.description.unicodeScalars) }
            .filter { seen.insert($0).inserted }
    }

    /// `str(SpecifierSet)`: the specifiers sorted, comma-separated.
    public var description: String { canonicalSpecifiers.map(\.description).joined(separator: ",") }

    public static func == (a: SpecifierSet, b: SpecifierSet) -> Bool { a.canonicalSpecifiers == b.canonicalSpecifiers }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalSpecifiers) }
}
