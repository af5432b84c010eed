// STUB: the API other files code against; the PEP 440 work replaces the bodies.

/// A PEP 440 version failed to parse.
public struct PEP440Error: AlterKSError, Equatable {
    public var input: String
    public var message: String
    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }
    public var exitStatus: ExitStatus { .usage }
    public var description: String { "invalid version \(input.debugDescription): \(message)" }
}

/// A PEP 440 version. Equality and hashing follow PEP 440 comparison (`1.0 == 1.0.0`).
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Parses and normalises; throws on anything `packaging.version.Version` rejects.
    public init(_ string: String) throws(PEP440Error) {
        fatalError("PEP 440 not implemented yet")
    }

    /// The canonical normalised form (`str(Version(x))` in `packaging`).
    public var description: String { fatalError() }
    public var isPrerelease: Bool { fatalError() }
    public var isDevrelease: Bool { fatalError() }
    public var isPostrelease: Bool { fatalError() }
    /// Without the local segment.
    public var publicVersion: Version { fatalError() }
    /// epoch + release only.
    public var baseVersion: Version { fatalError() }

    public static func < (a: Version, b: Version) -> Bool { fatalError() }
    public static func == (a: Version, b: Version) -> Bool { fatalError() }
    public func hash(into hasher: inout Hasher) { fatalError() }
}
