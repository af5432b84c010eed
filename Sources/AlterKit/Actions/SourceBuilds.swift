import Foundation
import PythonPackaging

/// Keeping third-party build code from running before the gate has decided.
///
/// pip's dry run prepares the metadata of every source distribution it considers, and that runs the sdist's
/// `setup.py` or build backend. So the gate resolves with `--only-binary=:all:` (wheels never run code), unless
/// source builds are allowed (`--allow-source-builds`, `ALTERKS_ALLOW_SOURCE_BUILDS=1`, `allow_source_builds`).
/// pip still builds what the user named as a local directory, an editable, a local archive or a VCS URL — their
/// own code — under `--only-binary=:all:`; a remote sdist URL and a `--no-binary` inside a requirements file are
/// refused before pip runs.
package enum SourceBuilds {
    /// What the gate adds to every pip run (before the user's own arguments, so that their own `--no-binary`
    /// still applies).
    package static let onlyBinaryAll = "--only-binary=:all:"

    /// How to allow source builds, for messages.
    package static let howToAllow =
        "to let pip build from source — its code then runs before the gate decides — use "
        + "`alterks install --allow-source-builds …`, `ALTERKS_ALLOW_SOURCE_BUILDS=1 pip install …` or "
        + "`allow_source_builds = true` in [tool.alterks]"

    /// pip's `FormatControl`: which projects may come as source, as pip computes it from `--no-binary` and
    /// `--only-binary` values applied in order.
    package struct FormatControl: Sendable, Hashable {
        package var noBinary: Set<String> = []
        package var onlyBinary: Set<String> = []

        /// What the gate starts from: `--only-binary=:all:`.
        package static let wheelsOnly = FormatControl(noBinary: [], onlyBinary: [":all:"])

        /// `FormatControl.handle_mutual_excludes`.
        package mutating func apply(_ value: String, noBinaryOption: Bool) {
            var target = noBinaryOption ? noBinary : onlyBinary
            var other = noBinaryOption ? onlyBinary : noBinary
            var names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            while let all = names.firstIndex(of: ":all:") {
                other.removeAll()
                target = [":all:"]
                names.removeSubrange(...all)
                if !names.contains(":none:") { names = [] }
            }
            for name in names {
                if name == ":none:" {
                    target.removeAll()
                    continue
                }
                let normalized = PackageName.normalize(name)
                other.remove(normalized)
                target.insert(normalized)
            }
            if noBinaryOption {
                (noBinary, onlyBinary) = (target, other)
            } else {
                (onlyBinary, noBinary) = (target, other)
            }
        }

        /// `get_allowed_formats(name)` contains "source".
        package func allowsSource(_ name: String) -> Bool {
            let normalized = PackageName.normalize(name)
            if onlyBinary.contains(normalized) { return false }
            if noBinary.contains(normalized) { return true }
            if onlyBinary.contains(":all:") { return false }
            return true
        }

        /// Every project not named otherwise may come as source.
        package var allowsSourceForAll: Bool { !onlyBinary.contains(":all:") }

        /// The projects named for source builds (`--no-binary NAME`).
        package var sourceNames: [String] { noBinary.subtracting([":all:"]).sorted() }
    }

    /// The format control after the gate's `--only-binary=:all:` and then `options` (`--no-binary`/
    /// `--only-binary` names with their values, in order; other options are ignored).
    package static func formatControl(after options: [(name: String, value: String)]) -> FormatControl {
        var control = FormatControl.wheelsOnly
        for option in options {
            switch option.name {
            case "--no-binary", "no-binary": control.apply(option.value, noBinaryOption: true)
            case "--only-binary", "only-binary": control.apply(option.value, noBinaryOption: false)
            default: continue
            }
        }
        return control
    }

    /// How `control` lets source in, for a message (`--no-binary foo, bar`, or every package); nil when it does not.
    package static func describeSourceRequest(_ control: FormatControl) -> String? {
        if control.allowsSourceForAll { return "every package" }
        let names = control.sourceNames
        return names.isEmpty ? nil : names.joined(separator: ", ")
    }

    /// An `http`, `https` or `ftp` URL to something other than a wheel: pip would build it.
    package static func isRemoteSourceArchive(_ url: String) -> Bool {
        guard let scheme = RequirementLine.scheme(url), ["http", "https", "ftp"].contains(scheme) else {
            return false
        }
        return !RequirementLine.fileName(url).lowercased().hasSuffix(".whl")
    }

    /// The URL a command-line requirement names (`https://…`, `name @ https://…`), if any.
    package static func url(ofRequirement value: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if RequirementLine.isURL(trimmed) { return trimmed }
        guard let at = trimmed.firstIndex(of: "@") else { return nil }
        var rest = trimmed[trimmed.index(after: at)...].trimmingCharacters(in: .whitespaces)
        if let marker = rest.range(of: " ;") ?? rest.range(of: "; ") { rest = String(rest[..<marker.lowerBound]) }
        return RequirementLine.isURL(rest) ? rest : nil
    }

    // MARK: - Reading pip's refusal

    /// A project pip found only as source while source was not allowed.
    package struct SourceOnly: Sendable, Hashable {
        package var name: String
        /// The versions of the skipped sdists, newest first.
        package var versions: [String]
    }

    /// From a failed wheels-only dry run's stderr and the same run's debug output: the projects pip could not
    /// find a distribution for and for which it skipped sdists ("No sources permitted for NAME: URL").
    package static func sourceOnly(failure: String, debugOutput: String) -> [SourceOnly] {
        var failing: [String] = []
        for line in failure.split(whereSeparator: \.isNewline) {
            for marker in ["No matching distribution found for ", "satisfies the requirement "] {
                guard let range = line.range(of: marker) else { continue }
                let name = String(line[range.upperBound...].prefix { $0.isLetter || $0.isNumber || "-_.".contains($0) })
                if PackageName.isValid(name), !failing.contains(PackageName.normalize(name)) {
                    failing.append(PackageName.normalize(name))
                }
            }
        }
        var versions: [String: Set<String>] = [:]
        let marker = "Skipping link: No sources permitted for "
        for line in debugOutput.split(whereSeparator: \.isNewline) {
            guard let range = line.range(of: marker) else { continue }
            let rest = line[range.upperBound...]
            guard let separator = rest.range(of: ": ") else { continue }
            let project = PackageName.normalize(String(rest[..<separator.lowerBound]))
            // An index page's link is followed by " (from PAGE)": the link is the first word.
            let link = String(rest[separator.upperBound...].trimmingCharacters(in: .whitespaces).prefix { $0 != " " })
            guard failing.contains(project), let version = sdistVersion(RequirementLine.fileName(link), of: project)
            else { continue }
            versions[project, default: []].insert(version)
        }
        return failing.compactMap { name in
            guard let found = versions[name], !found.isEmpty else { return nil }
            let sorted = found.sorted { a, b in
                guard let left = try? Version(a), let right = try? Version(b) else { return a > b }
                return left > right
            }
            return SourceOnly(name: name, versions: sorted)
        }
    }

    /// The version of `project` an sdist file name holds (`Foo_Bar-1.0.tar.gz` → `1.0`), as pip's
    /// `_extract_version_from_fragment` finds it; nil when the file is another project's or not an sdist.
    static func sdistVersion(_ fileName: String, of project: String) -> String? {
        let lower = fileName.lowercased()
        guard let ext = RequirementLine.archiveExtensions.first(where: { lower.hasSuffix($0) }), ext != ".whl" else {
            return nil
        }
        let stem = String(fileName.dropLast(ext.count))
        for (offset, character) in stem.enumerated() where character == "-" {
            let index = stem.index(stem.startIndex, offsetBy: offset)
            guard PackageName.normalize(String(stem[..<index])) == project else { continue }
            let version = String(stem[stem.index(after: index)...])
            return (try? Version(version)) != nil ? version : nil
        }
        return nil
    }

    /// The items of a dry run's resolution that pip built from a third-party sdist (an index sdist or a remote
    /// source URL) although `control` did not let source in for them: their build code has already run.
    package static func builtAgainstControl(_ items: [PipReportItem], control: FormatControl) -> [PipReportItem] {
        items.filter { item in
            let thirdParty =
                item.kind == .index
                ? !(item.artifactFileName?.lowercased().hasSuffix(".whl") ?? false)
                : item.kind == .directArchive && isRemoteSourceArchive(item.artifactURL)
            return thirdParty && !control.allowsSource(item.dependency.name)
        }
    }
}
