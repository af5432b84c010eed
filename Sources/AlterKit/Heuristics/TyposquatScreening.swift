import Foundation

/// `alterks typosquat`: names in, one JSON line per name out. Pure functions of the index and the text.
package enum TyposquatScreening {
    /// The names of a one-name-per-line text: blank lines and `#` comments skipped, surrounding spaces trimmed.
    package static func names(inLines text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : trimmed
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
            out += String(format: "%.3f", match.score)
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

    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
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
