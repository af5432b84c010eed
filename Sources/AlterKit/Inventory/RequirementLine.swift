import Foundation
import PythonPackaging

/// One requirement of a requirements file (or a command line), interpreted as pip's
/// `req.constructors.parse_req_from_line` and `parse_editable` do: a PEP 508 string, a URL, a local archive or
/// directory, or an editable VCS URL or project. pip looks at the file system to tell a local directory from a
/// requirement; we do not (the scan may run elsewhere than the install), so a path-like entry that is not valid
/// PEP 508 is taken as a local project.
enum RequirementLine {
    enum Entry: Sendable, Hashable {
        case dependency(Dependency)
        case skipped(SkippedDependency)
    }

    static let vcsSchemes: Set<String> = [
        "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file", "git+http", "git+https",
        "git+ssh", "git+git", "git+file", "hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http", "svn+ssh",
        "svn+http", "svn+https", "svn+svn", "svn+file",
    ]

    static let archiveExtensions = [
        ".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar", ".tar.xz", ".txz", ".tlz", ".tar.lz",
        ".tar.lzma",
    ]

    static func parse(_ text: String, editable: Bool, hashes: [String], location: SourceLocation)
        throws(InventoryError) -> Entry
    {
        editable
            ? try parseEditable(text, location: location)
            : try parseLine(text, hashes: hashes, location: location)
    }

    /// `get_url_scheme`: the lowercased text before the first `:`, if any.
    static func scheme(_ s: String) -> String? {
        guard let colon = s.firstIndex(of: ":") else { return nil }
        return s[..<colon].lowercased()
    }

    /// `is_url`: a scheme pip fetches from.
    static func isURL(_ s: String) -> Bool {
        guard let scheme = scheme(s) else { return false }
        return ["http", "https", "file", "ftp"].contains(scheme) || vcsSchemes.contains(scheme)
    }

    static func looksLikePath(_ s: String) -> Bool { s.contains("/") || s.hasPrefix(".") }

    static func isArchive(_ s: String) -> Bool {
        let lower = s.lowercased()
        return archiveExtensions.contains { lower.hasSuffix($0) }
    }

    /// `_strip_extras`: a trailing `[…]` (no `]` inside) after at least one character.
    static func stripExtras(_ s: String) -> (String, String?) {
        guard s.hasSuffix("]"), let open = s.lastIndex(of: "["), open > s.startIndex else { return (s, nil) }
        let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
        guard !inner.isEmpty, !inner.contains("]") else { return (s, nil) }
        return (String(s[..<open]), String(s[open...]))
    }

    /// `[#&]egg=([^&]*)`.
    static func eggFragment(_ url: String) -> String? {
        for marker in ["#egg=", "&egg="] {
            if let range = url.range(of: marker) {
                let rest = url[range.upperBound...]
                return String(rest.prefix { $0 != "&" })
            }
        }
        return nil
    }

    /// The last path component of a URL or path, without query and fragment, percent-decoded.
    static func fileName(_ link: String) -> String {
        var s = Substring(link)
        if let hash = s.firstIndex(of: "#") { s = s[..<hash] }
        if isURL(link), let query = s.firstIndex(of: "?") { s = s[..<query] }
        while s.hasSuffix("/") { s = s.dropLast() }
        let base = s.split(separator: "/").last.map(String.init) ?? ""
        return base.removingPercentEncoding ?? base
    }

    /// `models.wheel.Wheel`: name and version from `name-ver(-build)?-pyver-abi-plat.whl`.
    static func wheelNameAndVersion(_ fileName: String) -> (String, String)? {
        guard fileName.lowercased().hasSuffix(".whl") else { return nil }
        let parts = fileName.dropLast(4).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 5 || parts.count == 6 else { return nil }
        if parts.count == 6, !(parts[2].first?.isASCII == true && parts[2].first!.isNumber) { return nil }
        for (i, part) in parts.enumerated() where part.contains(where: \.isWhitespace) || (part.isEmpty && i != 1) {
            return nil
        }
        return (parts[0].replacingOccurrences(of: "_", with: "-"), parts[1].replacingOccurrences(of: "_", with: "-"))
    }

    private static func requirement(_ text: String, location: SourceLocation) throws(InventoryError) -> Requirement {
        do throws(PEP508Error) {
            let requirement = try Requirement(text)
            // pip refuses extras after the version ("name>=1.0[extra]"), which only parse by accident.
            if requirement.specifierText.hasSuffix("]") {
                throw PEP508Error(input: text, message: "extras after version")
            }
            // `name===` parses (an empty arbitrary string) but names no version at all: a typo, never a pin.
            if requirement.specifier.specifiers.contains(where: { $0.operator == .arbitrary && $0.version.isEmpty }) {
                throw PEP508Error(input: text, message: "=== needs a version (name===1.0)")
            }
            return requirement
        } catch {
            var message = error.description
            if text.contains("/") {
                message += " (it looks like a path)"
            } else if text.contains("="), !["==", "!=", "<=", ">=", "~=", "<", ">"].contains(where: text.contains) {
                message += " (= is not a valid operator; did you mean ==?)"
            }
            throw .invalid(location: location, message: message)
        }
    }

    private static func marker(_ text: String, location: SourceLocation) throws(InventoryError) -> Marker {
        do {
            return try Marker(text)
        } catch {
            throw .invalid(location: location, message: error.description)
        }
    }

    private static func extrasList(_ extras: String?, location: SourceLocation) throws(InventoryError) -> [String] {
        guard let extras else { return [] }
        return Dependency.normalizedExtras(
            try requirement("placeholder" + extras.lowercased(), location: location).extras)
    }

    private static func validName(_ name: String, in link: String, location: SourceLocation) throws(InventoryError)
        -> String
    {
        guard PackageName.isValid(name) else {
            throw .invalid(location: location, message: "#egg=\(name) in \(link) is not a valid project name")
        }
        return name
    }

    // MARK: parse_req_from_line

    private static func parseLine(_ text: String, hashes: [String], location: SourceLocation)
        throws(InventoryError) -> Entry
    {
        let separator = isURL(text) ? "; " : ";"
        var name = text
        var marker: Marker?
        if let range = text.range(of: separator) {
            name = String(text[..<range.lowerBound])
            let markerText = RequirementsFile.strip(String(text[range.upperBound...]))
            if !markerText.isEmpty { marker = try Self.marker(markerText, location: location) }
        }
        name = RequirementsFile.strip(name)

        var link: String?
        var extrasText: String?
        if isURL(name) {
            link = name
        } else {
            let (path, extras) = stripExtras(name)
            if isArchive(path) {
                let parts = name.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
                if !(parts.count == 2 && !looksLikePath(String(parts[0]))) {
                    link = path
                    extrasText = extras
                }
            } else if looksLikePath(name), (try? Requirement(name)) == nil {
                link = path
                extrasText = extras
            }
        }

        guard let link else {
            let requirement = try requirement(name, location: location)
            return .dependency(
                Dependency(
                    requirement: requirement, marker: marker ?? requirement.marker, hashes: hashes,
                    location: location, direct: true))
        }
        let extras = try extrasList(extrasText, location: location)
        let file = fileName(link)
        if file.lowercased().hasSuffix(".whl") {
            guard let (wheelName, version) = wheelNameAndVersion(file) else {
                throw .invalid(location: location, message: "\(file) is not a valid wheel filename")
            }
            return .dependency(
                Dependency(
                    name: wheelName, version: version, extras: extras,
                    marker: marker?.description, url: link, hashes: hashes, location: location, direct: true))
        }
        if let egg = eggFragment(link) {
            return .dependency(
                Dependency(
                    name: try validName(egg, in: link, location: location), extras: extras,
                    marker: marker?.description, url: link, hashes: hashes, location: location, direct: true))
        }
        let what = isURL(link) ? "URL" : (isArchive(link) ? "local archive" : "local project")
        return .skipped(
            SkippedDependency(
                dependency: Dependency(
                    name: link, extras: extras, marker: marker?.description, url: link, hashes: hashes,
                    location: location, direct: true),
                reason: "\(what) without a project name (add #egg=NAME or use NAME @ URL): not checked"))
    }

    // MARK: parse_editable

    private static func parseEditable(_ text: String, location: SourceLocation) throws(InventoryError) -> Entry {
        let (withoutExtras, extrasText) = stripExtras(text)
        let scheme = scheme(withoutExtras)
        let isLocal =
            scheme == nil
            || (looksLikePath(withoutExtras) && !isURL(withoutExtras) && scheme != "git"
                && scheme != "hg" && scheme != "svn" && scheme != "bzr")
        if isLocal || scheme == "file" {
            let extras = try extrasList(extrasText, location: location)
            if let egg = eggFragment(withoutExtras) {
                return .dependency(
                    Dependency(
                        name: try validName(egg, in: withoutExtras, location: location), extras: extras,
                        url: withoutExtras, editable: true, location: location, direct: true))
            }
            return .skipped(
                SkippedDependency(
                    dependency: Dependency(
                        name: withoutExtras, extras: extras, url: withoutExtras, editable: true, location: location,
                        direct: true),
                    reason: "editable local project: not checked (it is built from your own source)"))
        }
        var url = text
        for vcs in ["git", "hg", "svn", "bzr"] where url.lowercased().hasPrefix("\(vcs):") {
            url = "\(vcs)+\(url)"
            break
        }
        guard let urlScheme = Self.scheme(url), vcsSchemes.contains(urlScheme) else {
            throw .invalid(
                location: location,
                message: "\(text) is not a valid editable requirement: it should be a path to a local project "
                    + "or a VCS URL (beginning with git+, hg+, svn+ or bzr+)")
        }
        guard let egg = eggFragment(url) else {
            throw .invalid(
                location: location,
                message: "could not detect the requirement name for \(text): please specify one with #egg=NAME")
        }
        return .dependency(
            Dependency(
                name: try validName(egg, in: url, location: location), url: url, editable: true,
                location: location, direct: true))
    }
}
