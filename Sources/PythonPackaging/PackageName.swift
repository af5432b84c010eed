/// PEP 503 project names.
public enum PackageName {
    /// PEP 503 normalisation: lowercase, and every run of `-`, `_`, `.` becomes one `-`.
    public static func normalize(_ name: String) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        var pendingSeparator = false
        for scalar in name.unicodeScalars {
            switch scalar {
            case "-", "_", ".":
                pendingSeparator = true
            default:
                if pendingSeparator {
                    out.append("-")
                    pendingSeparator = false
                }
                out.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            }
        }
        if pendingSeparator { out.append("-") }
        return out
    }

    /// PEP 508 name syntax: ASCII letters and digits, with `.`, `-`, `_` inside, starting and ending alphanumeric.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
        guard alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F }
    }
}
