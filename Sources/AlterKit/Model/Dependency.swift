import Foundation
import PythonPackaging

/// Where a dependency was declared: a file and, where the format has lines, the 1-based line.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int?

    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    public var description: String { line.map { "\(file):\($0)" } ?? file }
}

/// One package of a scan, as every input format yields it: requirements files, pyproject, lockfiles,
/// pip's installation report and installed environments all produce this same model.
public struct Dependency: Sendable, Hashable, Codable {
    /// The name as written in the source (display casing kept, e.g. `Jinja2`).
    public var name: String
    /// PEP 503 normalised name; use this for every comparison, lookup and storage key.
    public var normalizedName: String
    /// The exact version when the source pins one (`==1.2.3` without wildcard, `===`, a lockfile entry,
    /// an installed distribution, pip's report). `nil` when not pinned.
    public var version: String?
    /// The version specifier as written (`>=1.0,<2`); empty when none.
    public var specifier: String
    /// Requested extras, normalised.
    public var extras: [String]
    /// The environment marker as written, when any.
    public var marker: String?
    /// A direct URL reference (`name @ https://…`, a VCS or file URL), when any.
    public var url: String?
    /// An editable (`-e`) requirement.
    public var editable: Bool
    /// Hashes as `algorithm:hex` (`sha256:…`).
    public var hashes: [String]
    /// Where it was declared.
    public var location: SourceLocation?
    /// Whether this package was asked for directly (true) or came in as a transitive dependency (false);
    /// `nil` when the source does not say.
    public var direct: Bool?
    /// The archive an installer would fetch for it (pip's report `download_info.url` of an index or direct archive:
    /// `https://…`, `file://…`), when the source says. Unlike `url`, this is set for index files too.
    public var artifactURL: String?

    public init(
        name: String, version: String? = nil, specifier: String = "", extras: [String] = [],
        marker: String? = nil, url: String? = nil, editable: Bool = false, hashes: [String] = [],
        location: SourceLocation? = nil, direct: Bool? = nil
    ) {
        self.name = name
        self.normalizedName = PackageName.normalize(name)
        self.version = version
        self.specifier = specifier
        self.extras = extras
        self.marker = marker
        self.url = url
        self.editable = editable
        self.hashes = hashes
        self.location = location
        self.direct = direct
    }

    /// True when the dependency names one exact version that can be sent to a data source.
    public var isPinned: Bool { version != nil }
}

/// A dependency that could not be checked, with the reason. Skips are reported, never silently dropped.
public struct SkippedDependency: Sendable, Hashable, Codable {
    public var dependency: Dependency
    public var reason: String

    public init(dependency: Dependency, reason: String) {
        self.dependency = dependency
        self.reason = reason
    }
}
