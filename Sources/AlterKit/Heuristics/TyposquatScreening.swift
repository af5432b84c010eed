import Foundation

/// `alterks typosquat`: names in, one JSON line per name out. Pure functions of the index and the text.
package enum TyposquatScreening {
    /// The names of a one-name-per-line text: blank lines and `#` comments skipped, surrounding spaces trimmed.
    /// Read as UTF-8 bytes (a name list can hold a hundred thousand lines).
    package static func names(inLines text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var out: [String] = []
            var start = 0
            let count = bytes.count
            while start < count {
                var end = start
                while end < count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
                var low = start
                var high = end
                while low < high && (bytes[low] == 0x20 || bytes[low] == 0x09) { low += 1 }
                while high > low && (bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09) { high -= 1 }
                if low < high && bytes[low] != UInt8(ascii: "#") {
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<high]), as: UTF8.self))
                }
                start = end + 1
            }
            return out
        }
    }

    /// One JSON object on one line: name, verdict (`squat`/`clean`), target, kind, distance, score (and note).
    /// `target`, `kind` and `distance` are those of the best look-alike, also when it scored below the threshold
    /// (null when there is none); `score` is 0 then.
    package static func jsonLine(_ verdict: TyposquatVerdict) -> String {
        var out = "{\"name\":"
        appendJSONString(verdict.name, to: &out)
        out += ",\"normalized\":"
        appendJSONString(verdict.normalizedName, to: &out)
        out += verdict.isSquat ? ",\"verdict\":\"squat\"" : ",\"verdict\":\"clean\""
        if let match = verdict.match {
            out += ",\"target\":"
            appendJSONString(match.target, to: &out)
            out += ",\"kind\":\"\(match.kind.rawValue)\",\"distance\":\(match.distance),\"score\":"
            appendScore(match.score, to: &out)
        } else {
            out += ",\"target\":null,\"kind\":null,\"distance\":null,\"score\":0"
        }
        if let note = verdict.note {
            out += ",\"note\":"
            appendJSONString(note, to: &out)
        }
        out += "}"
        return out
    }

    /// `0.123`: three decimals, as `%.3f` would print a score of 0–1, without Foundation's formatter.
    static func appendScore(_ score: Double, to out: inout String) {
        let thousandths = Int((min(max(score, 0), 1) * 1000).rounded())
        let fraction = thousandths % 1000
        out += "\(thousandths / 1000)."
        out += fraction < 10 ? "00" : fraction < 100 ? "0" : ""
        out += String(fraction)
    }

    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
