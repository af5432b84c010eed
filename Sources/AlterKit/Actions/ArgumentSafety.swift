import Foundation
import PythonPackaging

/// Checks every value before it reaches a pip command line or a file pip reads as requirements.
///
/// Two sources are checked. The user's arguments: a requirement that is not a valid PEP 508 requirement (nor a path
/// or URL), an option where a requirement belongs (`-- --index-url=…`), or any control character (a newline would
/// start a new line in a requirements file) is refused before anything runs. And what pip's report says about each
/// distribution — names, versions, extras and hashes come from the packages' own metadata, i.e. from whoever
/// published them — is validated strictly before it is written into a generated constraints or requirements file,
/// so that no package can smuggle an option line (`--index-url …`) into them.
package enum ArgumentSafety {
    /// Refuses the invocation when any argument is unsafe. Runs nothing.
    package static func validate(_ invocation: PipInvocation) throws(GateError) {
        for argument in invocation.globalArguments + invocation.installArguments
        where hasControlCharacters(argument) {
            throw .unsafeArgument(argument, reason: "contains a control character (newline, tab, NUL …)")
        }
        var afterEndOfOptions = false
        for token in invocation.tokens {
            switch token.kind {
            case .endOfOptions:
                afterEndOfOptions = true
            case .positional(let value):
                try validateRequirementArgument(value, afterEndOfOptions: afterEndOfOptions)
            case .option(let option, let value):
                if let value, option.name == "--editable", value.hasPrefix("-") {
                    throw .unsafeArgument(value, reason: "an option where -e expects a path or URL")
                }
            case .invalid:
                continue
            }
        }
    }

    /// One positional requirement: a PEP 508 requirement, or a path or URL; never something that looks like an
    /// option.
    static func validateRequirementArgument(_ value: String, afterEndOfOptions: Bool) throws(GateError) {
        if value.hasPrefix("-") {
            throw .unsafeArgument(value, reason: "an option where a requirement belongs")
        }
        if value.isEmpty {
            throw .unsafeArgument(value, reason: "an empty requirement")
        }
        if looksLikeURL(value) {
            guard !value.contains(where: { $0.isWhitespace }) else {
                throw .unsafeArgument(value, reason: "a URL with white space in it")
            }
            return
        }
        if !value.contains("@") && looksLikePathOrURL(value) {
            // A path must name something that exists: "$(…)" or "x; rm -rf /" are not paths.
            guard access(value, F_OK) == 0 else {
                throw .unsafeArgument(value, reason: "neither a valid requirement nor an existing path")
            }
            return
        }
        try lexicalRequirementCheck(value)
    }

    /// A conservative lexical check of a requirement specifier (pip does the real parsing): a valid project name,
    /// optional `[extras]`, then only the characters version specifiers, `@ URL` references and environment markers
    /// use, and no token outside quotes that starts with `-` (an option smuggled inside one argument).
    static func lexicalRequirementCheck(_ value: String) throws(GateError) {
        let head = value.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
        guard PackageName.isValid(String(head)) else {
            throw .unsafeArgument(value, reason: "not a valid requirement (no valid project name at its start)")
        }
        let allowed = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-[],<>=!~*;'\"()@:/+%?&#")
        if let bad = value.unicodeScalars.first(where: { !allowed.contains($0) }) {
            throw .unsafeArgument(
                value, reason: "character \(String(bad).debugDescription) has no place in a requirement")
        }
        var quote: Character?
        var previous: Character = " "
        for character in value {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == " " {
                throw .unsafeArgument(value, reason: "holds an option inside a requirement")
            } else if character == "#" && previous == " " {
                throw .unsafeArgument(value, reason: "holds a comment inside a requirement")
            }
            previous = character
        }
        if quote != nil { throw .unsafeArgument(value, reason: "an unterminated quote") }
    }

    /// A URL with a scheme (`https://…`, `git+https://…`, `file:///…`).
    static func looksLikeURL(_ value: String) -> Bool {
        guard let range = value.range(of: "://") else { return false }
        let scheme = value[..<range.lowerBound]
        return !scheme.isEmpty
            && scheme.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "+.-".unicodeScalars.contains($0)
            }
    }

    /// What pip would read as a path or URL rather than a requirement specifier.
    package static func looksLikePathOrURL(_ value: String) -> Bool {
        if looksLikeURL(value) { return true }
        if value.contains("@") { return false }  // `name @ url` is a PEP 508 requirement
        if value.contains("/") || value.hasPrefix(".") || value.hasPrefix("~") { return true }
        let lower = value.lowercased()
        return [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"].contains { lower.hasSuffix($0) }
    }

    /// Any C0 control character or DEL.
    package static func hasControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// The canonical form of a report version, refused unless it is a valid PEP 440 version.
    package static func safeVersion(_ version: String, of name: String) throws(GateError) -> String {
        let canonical: String
        do {
            canonical = try Version(version).description
        } catch {
            throw .unsafeReportValue(name: name, key: "version", value: version)
        }
        let allowed = CharacterSet(charactersIn: "0123456789abcdefghijklmnopqrstuvwxyz.!+_-")
        guard !canonical.isEmpty, canonical.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw .unsafeReportValue(name: name, key: "version", value: version)
        }
        return canonical
    }

    /// A project name from the report, refused unless valid PEP 508 syntax.
    package static func safeName(_ name: String) throws(GateError) -> String {
        guard PackageName.isValid(name) else { throw .unsafeReportValue(name: name, key: "name", value: name) }
        return name
    }

    /// A sha256 hex digest.
    package static func safeSHA256(_ hex: String, of name: String) throws(GateError) -> String {
        let lower = hex.lowercased()
        guard lower.utf8.count == 64,
            lower.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw .unsafeReportValue(name: name, key: "sha256", value: hex) }
        return lower
    }

    /// `name==version` for a constraints file.
    package static func constraintLine(_ item: PipReportItem) throws(GateError) -> String {
        let name = try safeName(item.dependency.name)
        let version = try safeVersion(item.dependency.version ?? "", of: name)
        return "\(name)==\(version)"
    }

    /// `name!=version` for the exclusions file of the minimum release age.
    package static func exclusionLine(name: String, version: String) throws(GateError) -> String {
        let name = try safeName(name)
        return "\(name)!=\(try safeVersion(version, of: name))"
    }

    /// `name[extras]==version --hash=sha256:…` for a hash-pinned requirements file (an index artifact with its
    /// hash), or `name[extras]==version` when `withHash` is false.
    package static func pinnedRequirementLine(_ item: PipReportItem, withHash: Bool) throws(GateError) -> String {
        let name = try safeName(item.dependency.name)
        let version = try safeVersion(item.dependency.version ?? "", of: name)
        var extras = ""
        if !item.dependency.extras.isEmpty {
            for extra in item.dependency.extras where !PackageName.isValid(extra) {
                throw .unsafeReportValue(name: name, key: "requested_extras", value: extra)
            }
            extras = "[" + item.dependency.extras.joined(separator: ",") + "]"
        }
        var line = "\(name)\(extras)==\(version)"
        if withHash {
            guard let sha = item.sha256 else { throw .unsafeReportValue(name: name, key: "sha256", value: "") }
            line += " --hash=sha256:\(try safeSHA256(sha, of: name))"
        }
        return line
    }

    /// `name @ URL --hash=sha256:…` for a direct archive reference of the report.
    package static func directArchiveLine(_ item: PipReportItem) throws(GateError) -> String {
        let name = try safeName(item.dependency.name)
        let url = item.artifactURL
        guard looksLikeURL(url), !hasControlCharacters(url), !url.contains(" "), !url.contains(";") else {
            throw .unsafeReportValue(name: name, key: "url", value: url)
        }
        guard let sha = item.sha256 else { throw .unsafeReportValue(name: name, key: "sha256", value: "") }
        return "\(name) @ \(url) --hash=sha256:\(try safeSHA256(sha, of: name))"
    }

    /// `name @ file:///path --hash=sha256:…` for a kept artifact (quarantine, release). The path is ours; it is
    /// still checked for characters a requirements line cannot hold.
    package static func localArtifactLine(name: String, path: String, sha256: String) throws(GateError) -> String {
        let name = try safeName(name)
        guard path.hasPrefix("/"), !hasControlCharacters(path), !path.contains(" "), !path.contains("#") else {
            throw .unsafeReportValue(name: name, key: "artifact path", value: path)
        }
        let url = URL(fileURLWithPath: path).absoluteString
        return "\(name) @ \(url) --hash=sha256:\(try safeSHA256(sha256, of: name))"
    }
}
