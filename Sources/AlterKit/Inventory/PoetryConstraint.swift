import PythonPackaging

/// Poetry's version constraints (`^1.2`, `~1.2.3`, `1.2.*`, `>=1,<2`, `1.2.3`, `*`) as PEP 440 specifiers,
/// the way poetry-core reads them: a caret allows changes that do not modify the left-most non-zero component,
/// a tilde allows patch changes (or minor ones when only a major is given), a bare version is exact.
enum PoetryConstraint {
    /// What a constraint converts to.
    struct Converted: Sendable, Hashable {
        /// A PEP 440 specifier (`>=1.2,<2.0.0`); empty allows everything.
        var specifier: String
        /// The version when the constraint names exactly one.
        var pinned: String?
    }

    enum Failure: Error, Sendable, Hashable {
        /// `a || b`: a union, which a PEP 440 specifier cannot express.
        case union
        case invalid(String)
    }

    static func convert(_ constraint: String) throws(Failure) -> Converted {
        let text = constraint.trimmingCharacters(in: .whitespaces)
        if text.contains("|") { throw .union }
        if text.isEmpty || text == "*" { return Converted(specifier: "", pinned: nil) }
        var clauses: [String] = []
        var pinned: [String] = []
        for token in tokens(text) {
            let (op, version) = splitOperator(token)
            guard !version.isEmpty else { throw .invalid(token) }
            switch op {
            case "^":
                let (lower, upper) = try caret(version)
                clauses += [">=\(lower)", "<\(upper)"]
            case "~":
                let (lower, upper) = try tilde(version)
                clauses += [">=\(lower)", "<\(upper)"]
            case "":
                if version == "*" { continue }
                if version.hasSuffix(".*") {
                    clauses.append("==\(version)")
                } else {
                    clauses.append("==\(version)")
                    pinned.append(version)
                }
            case "==":
                clauses.append("==\(version)")
                if !version.hasSuffix(".*") { pinned.append(version) }
            case "===":
                clauses.append("===\(version)")
                pinned.append(version)
            default:
                clauses.append("\(op)\(version)")
            }
        }
        let specifier = clauses.joined(separator: ",")
        guard (try? SpecifierSet(specifier)) != nil else { throw .invalid(constraint) }
        return Converted(specifier: specifier, pinned: pinned.count == 1 && clauses.count == 1 ? pinned[0] : nil)
    }

    /// Splits on commas and on whitespace between complete constraints (`>=1.2 <1.5`), keeping `>= 1.2` together.
    private static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        for part in text.split(separator: ",") {
            var pendingOperator = ""
            for word in part.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let w = String(word)
                if w.allSatisfy({ "<>=!~^".contains($0) }) {
                    pendingOperator += w
                } else {
                    out.append(pendingOperator + w)
                    pendingOperator = ""
                }
            }
            if !pendingOperator.isEmpty { out.append(pendingOperator) }
        }
        return out
    }

    private static func splitOperator(_ token: String) -> (String, String) {
        for op in ["===", "==", "!=", "<=", ">=", "~=", "<", ">", "^", "~"] where token.hasPrefix(op) {
            return (op, token.dropFirst(op.count).trimmingCharacters(in: .whitespaces))
        }
        return ("", token)
    }

    /// The numeric release of `version` (epoch and suffixes dropped) and whether it parses.
    private static func release(_ version: String) throws(Failure) -> [Int] {
        guard let parsed = try? Version(version) else { throw .invalid(version) }
        var s = parsed.baseVersion.description
        if let bang = s.firstIndex(of: "!") { s = String(s[s.index(after: bang)...]) }
        let numbers = s.split(separator: ".").compactMap { Int($0) }
        // Precision is what was written ("^1.2" has two parts even though 1.2 == 1.2.0).
        let written = version.split(separator: ".").prefix { $0.first?.isNumber == true || $0.first == "v" }.count
        return Array(numbers.prefix(max(written, 1)))
    }

    /// `^x.y.z`: up to the next change of the left-most non-zero part (poetry-core `next_breaking`).
    private static func caret(_ version: String) throws(Failure) -> (String, String) {
        let parts = try release(version)
        let major = parts[0]
        let minor = parts.count > 1 ? parts[1] : nil
        let patch = parts.count > 2 ? parts[2] : nil
        let upper: String
        if major > 0 || minor == nil {
            upper = "\(major + 1).0.0"
        } else if minor! > 0 || patch == nil {
            upper = "0.\(minor! + 1).0"
        } else {
            upper = "0.0.\(patch! + 1)"
        }
        return (version, upper)
    }

    /// `~x.y.z`: up to the next minor (the next major when only a major is given).
    private static func tilde(_ version: String) throws(Failure) -> (String, String) {
        let parts = try release(version)
        if parts.count == 1 { return (version, "\(parts[0] + 1).0.0") }
        return (version, "\(parts[0]).\(parts[1] + 1).0")
    }
}
