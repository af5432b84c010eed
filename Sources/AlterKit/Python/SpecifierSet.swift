// STUB: the API other files code against; the PEP 440 work replaces the bodies.

/// A PEP 440 specifier set (`>=1.0,!=1.3.*,<2`), as `packaging.specifiers.SpecifierSet`.
public struct SpecifierSet: Sendable, Hashable, CustomStringConvertible {
    /// Parses; throws on anything `packaging` rejects. The empty string is the set that allows everything.
    public init(_ string: String) throws(PEP440Error) {
        fatalError("PEP 440 not implemented yet")
    }

    /// `SpecifierSet.contains(version, prereleases=...)`: `nil` is packaging's default pre-release handling.
    public func contains(_ version: Version, prereleases: Bool? = nil) -> Bool { fatalError() }

    /// As above for a version string; an invalid version is never contained.
    public func contains(_ version: String, prereleases: Bool? = nil) -> Bool { fatalError() }

    public var description: String { fatalError() }
}
