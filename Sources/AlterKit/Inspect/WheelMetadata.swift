import Foundation

/// The parts of a wheel's `.dist-info` the inspector reads: RECORD, WHEEL, entry_points.txt, METADATA.
package enum WheelMetadata {
    /// One RECORD row: path, `algorithm=urlsafe-b64-nopad` hash (possibly empty), size (possibly empty).
    package struct RecordEntry: Sendable, Hashable {
        package var path: String
        package var hash: String
        package var size: Int?
    }

    /// Parses RECORD, a CSV file (quoted fields allowed, as Python's csv module writes them).
    package static func parseRecord(_ data: Data) -> [RecordEntry] {
        let text = String(decoding: data, as: UTF8.self)
        var entries: [RecordEntry] = []
        for row in csvRows(text) where !row.isEmpty && !(row.count == 1 && row[0].isEmpty) {
            let size = row.count > 2 ? Int(row[2]) : nil
            entries.append(RecordEntry(path: row[0], hash: row.count > 1 ? row[1] : "", size: size))
        }
        return entries
    }

    /// Rows of a CSV text: commas, double quotes with `""` escapes, CR/LF line ends.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\n", "\r":
                if !field.isEmpty || !row.isEmpty {
                    row.append(field)
                    rows.append(row)
                }
                row = []
                field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    /// `Key: value` headers of an email-style file (WHEEL, METADATA, PKG-INFO), up to the first blank line.
    /// Repeated keys keep every value.
    package static func headers(_ data: Data) -> [String: [String]] {
        var out: [String: [String]] = [:]
        let text = String(decoding: data.prefix(1 << 20), as: UTF8.self)
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") && !line.hasPrefix("\t") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            out[key, default: []].append(value)
        }
        return out
    }

    /// Sections of an INI file (entry_points.txt, setup.cfg): section → [(key, value, line)].
    package static func ini(_ data: Data) -> [String: [(key: String, value: String, line: Int)]] {
        var out: [String: [(key: String, value: String, line: Int)]] = [:]
        var section = ""
        let text = String(decoding: data.prefix(4 << 20), as: UTF8.self)
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces).lowercased()
                continue
            }
            let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" })
            guard let separator, raw.first?.isWhitespace != true else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            out[section, default: []].append((key, value, index + 1))
        }
        return out
    }

    /// A RECORD hash of `data`: `sha256=` and the digest in URL-safe base64 without padding.
    package static func recordHash(_ data: Data) -> String {
        "sha256=" + urlsafeBase64(SHA256.hash(data))
    }

    package static func urlsafeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
