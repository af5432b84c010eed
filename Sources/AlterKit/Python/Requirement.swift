// STUB: the API other files code against; the PEP 508 work replaces the bodies.

/// A PEP 508 requirement failed to parse.
public struct PEP508Error: AlterKSError, Equatable {
    public var input: String
    public var message: String
    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }
    public var exitStatus: ExitStatus { .usage }
    public var description: String { "invalid requirement \(input.debugDescription): \(message)" }
}

/// The values environment markers are evaluated against, for one target interpreter.
public struct MarkerEnvironment: Sendable, Hashable, Codable {
    public var values: [String: String]
    public init(values: [String: String]) { self.values = values }
}

/// A parsed PEP 508 environment marker.
public struct Marker: Sendable, Hashable, CustomStringConvertible {
    public init(_ string: String) throws(PEP508Error) { fatalError("PEP 508 not implemented yet") }
    /// Evaluates for `environment`; `extras` are the extras requested (the `extra` variable).
    public func evaluate(_ environment: MarkerEnvironment, extras: Set<String> = []) -> Bool { fatalError() }
    public var description: String { fatalError() }
}

/// A PEP 508 requirement: `name[extras] (specifier | @ url) ; marker`.
public struct Requirement: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var extras: [String]
    public var specifier: SpecifierSet
    public var url: String?
    public var marker: Marker?

    public init(_ string: String) throws(PEP508Error) { fatalError("PEP 508 not implemented yet") }

    public var normalizedName: String { PackageName.normalize(name) }
    public var description: String { fatalError() }
}
