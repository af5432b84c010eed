import Foundation
import PythonPackaging

/// pip's installation report (`pip install --dry-run --report FILE`) could not be read.
package enum PipReportError: AlterKSError, Equatable {
    /// Not JSON, or not the shape version 1 promises; `key` is the JSON path of the problem (`install[2].metadata`).
    case malformed(source: String, key: String, message: String)
    /// A report version this build does not know (pip promises to bump it on incompatible changes).
    case unsupportedVersion(source: String, version: String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .malformed(let source, let key, let message):
            key.isEmpty ? "\(source): \(message)" : "\(source): \(key): \(message)"
        case .unsupportedVersion(let source, let version):
            "\(source): pip installation report version \(version.debugDescription) is not supported (expected \"1\")"
        }
    }
}

/// Where pip would take one distribution from.
package enum PipArtifactKind: String, Sendable, Hashable, Codable {
    /// A file from the index or `--find-links` (`is_direct` false): pinnable by name, version and hash.
    case index
    /// A direct reference to an archive (`name @ https://…/x.whl`, a local wheel or sdist path).
    case directArchive
    /// A VCS checkout (`git+https://…`).
    case vcs
    /// A local directory (`pip install ./project`, `-e ./project`).
    case directory
}

/// One distribution of the report.
package struct PipReportItem: Sendable, Hashable {
    /// Name (display casing as the metadata writes it), version, hashes, extras, URL for direct references,
    /// `direct` = requested by the user, `editable`.
    package var dependency: Dependency
    /// `metadata.requires_dist`, as written (PEP 508 strings).
    package var requiresDist: [String]
    /// `metadata.requires_python`, when given.
    package var requiresPython: String?
    /// `download_info.url`: the artifact pip would fetch (index file URL, direct URL, VCS URL, directory URL).
    package var artifactURL: String
    package var kind: PipArtifactKind
    /// `download_info.archive_info.hashes.sha256` (or the legacy `hash` field), lowercase hex.
    package var sha256: String?
    /// `download_info.vcs_info.commit_id` for VCS references.
    package var vcsCommit: String?
    /// `download_info.vcs_info.vcs` (`git`, `hg` …).
    package var vcs: String?
    /// `is_yanked`.
    package var isYanked: Bool

    /// The artifact's file name for archives (last URL path component), when it has one.
    package var artifactFileName: String? {
        guard kind == .index || kind == .directArchive else { return nil }
        let path = artifactURL.split(separator: "#", maxSplits: 1).first.map(String.init) ?? artifactURL
        let trimmed = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard let last = trimmed.split(separator: "/").last, !last.isEmpty else { return nil }
        return String(last).removingPercentEncoding ?? String(last)
    }

    package init(
        dependency: Dependency, requiresDist: [String] = [], requiresPython: String? = nil, artifactURL: String,
        kind: PipArtifactKind, sha256: String?, vcsCommit: String? = nil, vcs: String? = nil, isYanked: Bool = false
    ) {
        self.dependency = dependency
        self.requiresDist = requiresDist
        self.requiresPython = requiresPython
        self.artifactURL = artifactURL
        self.kind = kind
        self.sha256 = sha256
        self.vcsCommit = vcsCommit
        self.vcs = vcs
        self.isYanked = isYanked
    }

    /// Whether the artifact is a wheel (else an sdist, a checkout or a folder, whose install builds code).
    package var isWheel: Bool { artifactFileName?.lowercased().hasSuffix(".whl") ?? false }
}

/// pip's installation report, version 1.
package struct PipReport: Sendable, Hashable {
    package var pipVersion: String?
    package var items: [PipReportItem]
    /// The PEP 508 marker environment of the target interpreter (`environment`).
    package var environment: [String: String]

    package init(pipVersion: String?, items: [PipReportItem], environment: [String: String]) {
        self.pipVersion = pipVersion
        self.items = items
        self.environment = environment
    }

    /// The dependencies, in report order.
    package var dependencies: [Dependency] { items.map(\.dependency) }

    /// Every artifact URL, in report order.
    package var artifactURLs: [String] { items.map(\.artifactURL) }

    /// Parses a report; `source` names it in errors (a path, or "pip's dry-run report").
    package static func parse(_ data: Data, source: String) throws(PipReportError) -> PipReport {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .malformed(source: source, key: "", message: "not JSON (\(Self.shortReason(error)))")
        }
        let reader = Reader(source: source)
        let top = try reader.object(root, at: "")
        guard let version = top["version"] else {
            throw .malformed(source: source, key: "version", message: "missing")
        }
        guard let versionString = version as? String else {
            throw .malformed(source: source, key: "version", message: "must be a string")
        }
        guard versionString == "1" else { throw .unsupportedVersion(source: source, version: versionString) }
        let pipVersion = try reader.optionalString(top["pip_version"], at: "pip_version")
        guard let installValue = top["install"] else {
            throw .malformed(source: source, key: "install", message: "missing")
        }
        guard let install = installValue as? [Any] else {
            throw .malformed(source: source, key: "install", message: "must be an array")
        }
        var items: [PipReportItem] = []
        items.reserveCapacity(install.count)
        for (index, element) in install.enumerated() {
            items.append(try reader.item(element, at: "install[\(index)]"))
        }
        var environment: [String: String] = [:]
        if let envValue = top["environment"], !(envValue is NSNull) {
            let env = try reader.object(envValue, at: "environment")
            for (key, value) in env {
                guard let string = value as? String else {
                    throw .malformed(source: source, key: "environment.\(key)", message: "must be a string")
                }
                environment[key] = string
            }
        }
        return PipReport(pipVersion: pipVersion, items: items, environment: environment)
    }

    private static func shortReason(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}

/// Typed access with JSON-path error messages.
private struct Reader {
    var source: String

    func object(_ value: Any, at key: String) throws(PipReportError) -> [String: Any] {
        guard let object = value as? [String: Any] else {
            throw .malformed(source: source, key: key, message: "must be an object")
        }
        return object
    }

    func optionalString(_ value: Any?, at key: String) throws(PipReportError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let string = value as? String else {
            throw .malformed(source: source, key: key, message: "must be a string")
        }
        return string
    }

    func requiredString(_ value: Any?, at key: String) throws(PipReportError) -> String {
        guard let string = try optionalString(value, at: key) else {
            throw .malformed(source: source, key: key, message: "missing")
        }
        return string
    }

    func optionalBool(_ value: Any?, at key: String) throws(PipReportError) -> Bool? {
        guard let value, !(value is NSNull) else { return nil }
        // JSONSerialization gives NSNumber for both booleans and numbers; accept only real booleans.
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else {
            throw .malformed(source: source, key: key, message: "must be true or false")
        }
        return number.boolValue
    }

    func stringArray(_ value: Any?, at key: String) throws(PipReportError) -> [String] {
        guard let value, !(value is NSNull) else { return [] }
        guard let array = value as? [Any] else {
            throw .malformed(source: source, key: key, message: "must be an array of strings")
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element as? String else {
                throw .malformed(source: source, key: "\(key)[\(index)]", message: "must be a string")
            }
            out.append(string)
        }
        return out
    }

    func item(_ value: Any, at key: String) throws(PipReportError) -> PipReportItem {
        let item = try object(value, at: key)
        guard let metadataValue = item["metadata"] else {
            throw .malformed(source: source, key: "\(key).metadata", message: "missing")
        }
        let metadata = try object(metadataValue, at: "\(key).metadata")
        let name = try requiredString(metadata["name"], at: "\(key).metadata.name")
        guard PackageName.isValid(name) else {
            throw .malformed(
                source: source, key: "\(key).metadata.name", message: "invalid project name \(name.debugDescription)")
        }
        let version = try requiredString(metadata["version"], at: "\(key).metadata.version")
        guard !version.isEmpty, version.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .malformed(
                source: source, key: "\(key).metadata.version", message: "invalid version \(version.debugDescription)")
        }
        let requiresDist = try stringArray(metadata["requires_dist"], at: "\(key).metadata.requires_dist")
        let requiresPython = try optionalString(metadata["requires_python"], at: "\(key).metadata.requires_python")

        guard let downloadValue = item["download_info"] else {
            throw .malformed(source: source, key: "\(key).download_info", message: "missing")
        }
        let download = try object(downloadValue, at: "\(key).download_info")
        let url = try requiredString(download["url"], at: "\(key).download_info.url")
        guard !url.isEmpty, !url.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw .malformed(
                source: source, key: "\(key).download_info.url", message: "invalid URL \(url.debugDescription)")
        }
        let isDirect = try optionalBool(item["is_direct"], at: "\(key).is_direct") ?? false
        let requested = try optionalBool(item["requested"], at: "\(key).requested")
        let isYanked = try optionalBool(item["is_yanked"], at: "\(key).is_yanked") ?? false
        let extras = try stringArray(item["requested_extras"], at: "\(key).requested_extras")

        var kind: PipArtifactKind
        var sha256: String?
        var editable = false
        var vcs: String?
        var commit: String?
        if let archiveValue = download["archive_info"], !(archiveValue is NSNull) {
            let archive = try object(archiveValue, at: "\(key).download_info.archive_info")
            sha256 = try hash(archive, at: "\(key).download_info.archive_info")
            kind = isDirect ? .directArchive : .index
        } else if let vcsValue = download["vcs_info"], !(vcsValue is NSNull) {
            let info = try object(vcsValue, at: "\(key).download_info.vcs_info")
            vcs = try requiredString(info["vcs"], at: "\(key).download_info.vcs_info.vcs")
            commit = try optionalString(info["commit_id"], at: "\(key).download_info.vcs_info.commit_id")
            kind = .vcs
        } else if let dirValue = download["dir_info"], !(dirValue is NSNull) {
            let info = try object(dirValue, at: "\(key).download_info.dir_info")
            editable = try optionalBool(info["editable"], at: "\(key).download_info.dir_info.editable") ?? false
            kind = .directory
        } else {
            throw .malformed(
                source: source, key: "\(key).download_info",
                message: "needs one of archive_info, vcs_info or dir_info")
        }
        if !isDirect && kind != .index {
            // pip only reports index artifacts as non-direct; anything else is not a shape we know.
            throw .malformed(
                source: source, key: "\(key).is_direct", message: "false for a \(kind.rawValue) download")
        }

        var dependency = Dependency(
            name: name, version: version, specifier: "==\(version)",
            extras: extras.map(PackageName.normalize).sorted(),
            url: isDirect ? url : nil, editable: editable,
            hashes: sha256.map { ["sha256:\($0)"] } ?? [], direct: requested)
        dependency.location = nil
        if kind == .index || kind == .directArchive { dependency.artifactURL = url }
        return PipReportItem(
            dependency: dependency, requiresDist: requiresDist, requiresPython: requiresPython, artifactURL: url,
            kind: kind, sha256: sha256, vcsCommit: commit, vcs: vcs, isYanked: isYanked)
    }

    /// The sha256 of an `archive_info`: `hashes.sha256`, else the legacy `hash: "sha256=…"`. Other algorithms are
    /// ignored; a sha256 that is not 64 hex digits is an error.
    func hash(_ archive: [String: Any], at key: String) throws(PipReportError) -> String? {
        var candidate: String?
        if let hashesValue = archive["hashes"], !(hashesValue is NSNull) {
            let hashes = try object(hashesValue, at: "\(key).hashes")
            candidate = try optionalString(hashes["sha256"], at: "\(key).hashes.sha256")
        }
        if candidate == nil, let legacy = try optionalString(archive["hash"], at: "\(key).hash") {
            let parts = legacy.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "sha256" { candidate = String(parts[1]) }
        }
        guard let candidate else { return nil }
        let lower = candidate.lowercased()
        guard lower.utf8.count == 64,
            lower.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else {
            throw .malformed(source: source, key: "\(key).hashes.sha256", message: "not a sha256 hex digest")
        }
        return lower
    }
}
