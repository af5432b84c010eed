import Foundation

/// One OSV record (https://ossf.github.io/osv-schema/), as served by api.osv.dev and the per-ecosystem `all.zip`.
/// Lenient on fields it does not know, strict on the types of those it does: a string where an array belongs is an
/// error, not an empty list.
package struct OSVRecord: Sendable, Hashable, Codable {
    package var id: String
    /// RFC 3339 timestamp, kept as written: the cache keys records on it.
    package var modified: String
    package var published: String?
    /// Set when the record was retracted; a withdrawn record never matches.
    package var withdrawn: String?
    package var aliases: [String]
    package var related: [String]
    package var summary: String?
    package var details: String?
    package var severity: [OSVSeverity]
    package var affected: [OSVAffected]
    package var references: [OSVReference]
    /// Free-form; GHSA puts its `severity` label (LOW, MODERATE, HIGH, CRITICAL) here.
    package var databaseSpecific: DecodedJSON?

    package init(
        id: String, modified: String, published: String? = nil, withdrawn: String? = nil, aliases: [String] = [],
        related: [String] = [], summary: String? = nil, details: String? = nil, severity: [OSVSeverity] = [],
        affected: [OSVAffected] = [], references: [OSVReference] = [], databaseSpecific: DecodedJSON? = nil
    ) {
        self.id = id
        self.modified = modified
        self.published = published
        self.withdrawn = withdrawn
        self.aliases = aliases
        self.related = related
        self.summary = summary
        self.details = details
        self.severity = severity
        self.affected = affected
        self.references = references
        self.databaseSpecific = databaseSpecific
    }

    enum CodingKeys: String, CodingKey {
        case id, modified, published, withdrawn, aliases, related, summary, details, severity, affected, references
        case databaseSpecific = "database_specific"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        modified = try c.decode(String.self, forKey: .modified)
        published = try c.decodeIfPresent(String.self, forKey: .published)
        withdrawn = try c.decodeIfPresent(String.self, forKey: .withdrawn)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        related = try c.decodeIfPresent([String].self, forKey: .related) ?? []
        summary = try c.decodeIfPresent(String.self, forKey: .summary)
        details = try c.decodeIfPresent(String.self, forKey: .details)
        severity = try c.decodeIfPresent([OSVSeverity].self, forKey: .severity) ?? []
        affected = try c.decodeIfPresent([OSVAffected].self, forKey: .affected) ?? []
        references = try c.decodeIfPresent([OSVReference].self, forKey: .references) ?? []
        databaseSpecific = try c.decodeIfPresent(DecodedJSON.self, forKey: .databaseSpecific)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(modified, forKey: .modified)
        try c.encodeIfPresent(published, forKey: .published)
        try c.encodeIfPresent(withdrawn, forKey: .withdrawn)
        if !aliases.isEmpty { try c.encode(aliases, forKey: .aliases) }
        if !related.isEmpty { try c.encode(related, forKey: .related) }
        try c.encodeIfPresent(summary, forKey: .summary)
        try c.encodeIfPresent(details, forKey: .details)
        if !severity.isEmpty { try c.encode(severity, forKey: .severity) }
        try c.encode(affected, forKey: .affected)
        if !references.isEmpty { try c.encode(references, forKey: .references) }
        try c.encodeIfPresent(databaseSpecific, forKey: .databaseSpecific)
    }

    /// Whether the record has been withdrawn (retracted) by its database.
    package var isWithdrawn: Bool { withdrawn != nil }

    /// An OpenSSF malicious-package record (or an alias of one).
    package var isMalicious: Bool { ([id] + aliases).contains { $0.hasPrefix("MAL-") } }

    package var modifiedDate: Date? { OSVTimestamp.parse(modified) }
    package var publishedDate: Date? { published.flatMap(OSVTimestamp.parse) }

    /// Decodes one record, naming `origin` (a file, zip member or URL) and the record's id in any error.
    package static func decode(_ data: Data, origin: String) throws(AdvisoryError) -> OSVRecord {
        do {
            return try JSONDecoder().decode(OSVRecord.self, from: data)
        } catch {
            struct IDOnly: Decodable { var id: String? }
            let id = (try? JSONDecoder().decode(IDOnly.self, from: data))?.id
            throw .malformedRecord(origin: origin, id: id, message: describe(error))
        }
    }

    /// One line for a decoding error: what was wrong and where in the document.
    static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
            return components.isEmpty ? "document" : components.joined().trimmingPrefix(".").description
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context)): expected \(type)"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context)): missing \(type) value"
        case DecodingError.keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing required field \(key.stringValue)\(at)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }
}

/// `severity[]`: a scoring method (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`, …) and its score string.
package struct OSVSeverity: Sendable, Hashable, Codable {
    package var type: String
    package var score: String

    package init(type: String, score: String) {
        self.type = type
        self.score = score
    }
}

/// `references[]`.
package struct OSVReference: Sendable, Hashable, Codable {
    package var type: String?
    package var url: String

    package init(type: String? = nil, url: String) {
        self.type = type
        self.url = url
    }
}

/// `affected[].package`.
package struct OSVPackage: Sendable, Hashable, Codable {
    package var ecosystem: String
    package var name: String
    package var purl: String?

    package init(ecosystem: String, name: String, purl: String? = nil) {
        self.ecosystem = ecosystem
        self.name = name
        self.purl = purl
    }
}

/// `affected[]`: one package and the versions of it that are affected.
package struct OSVAffected: Sendable, Hashable, Codable {
    package var package: OSVPackage
    package var severity: [OSVSeverity]
    package var ranges: [OSVRange]
    package var versions: [String]
    package var databaseSpecific: DecodedJSON?
    package var ecosystemSpecific: DecodedJSON?

    package init(
        package: OSVPackage, severity: [OSVSeverity] = [], ranges: [OSVRange] = [], versions: [String] = [],
        databaseSpecific: DecodedJSON? = nil, ecosystemSpecific: DecodedJSON? = nil
    ) {
        self.package = package
        self.severity = severity
        self.ranges = ranges
        self.versions = versions
        self.databaseSpecific = databaseSpecific
        self.ecosystemSpecific = ecosystemSpecific
    }

    enum CodingKeys: String, CodingKey {
        case package, severity, ranges, versions
        case databaseSpecific = "database_specific"
        case ecosystemSpecific = "ecosystem_specific"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        package = try c.decode(OSVPackage.self, forKey: .package)
        severity = try c.decodeIfPresent([OSVSeverity].self, forKey: .severity) ?? []
        ranges = try c.decodeIfPresent([OSVRange].self, forKey: .ranges) ?? []
        versions = try c.decodeIfPresent([String].self, forKey: .versions) ?? []
        databaseSpecific = try c.decodeIfPresent(DecodedJSON.self, forKey: .databaseSpecific)
        ecosystemSpecific = try c.decodeIfPresent(DecodedJSON.self, forKey: .ecosystemSpecific)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(package, forKey: .package)
        if !severity.isEmpty { try c.encode(severity, forKey: .severity) }
        if !ranges.isEmpty { try c.encode(ranges, forKey: .ranges) }
        if !versions.isEmpty { try c.encode(versions, forKey: .versions) }
        try c.encodeIfPresent(databaseSpecific, forKey: .databaseSpecific)
        try c.encodeIfPresent(ecosystemSpecific, forKey: .ecosystemSpecific)
    }
}

/// `affected[].ranges[]`: `ECOSYSTEM`, `SEMVER` or `GIT`, and its events.
package struct OSVRange: Sendable, Hashable, Codable {
    package var type: String
    package var repo: String?
    package var events: [OSVEvent]

    package init(type: String, repo: String? = nil, events: [OSVEvent]) {
        self.type = type
        self.repo = repo
        self.events = events
    }

    enum CodingKeys: String, CodingKey { case type, repo, events }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        // Events with no field we know (a future event kind) are dropped; see OSVEvent.
        events = try c.decode([OSVEvent.Slot].self, forKey: .events).compactMap(\.event)
    }
}

/// One event of a range: exactly one of `introduced`, `fixed`, `last_affected`, `limit`.
package struct OSVEvent: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case introduced, fixed
        case lastAffected = "last_affected"
        case limit
    }

    package var kind: Kind
    package var version: String

    package init(_ kind: Kind, _ version: String) {
        self.kind = kind
        self.version = version
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// One element of `events` as read: an object holding none of the four known fields reads as nil (ignored, so
    /// that a future event kind does not make the whole record unreadable); two known fields in one object is an error.
    struct Slot: Decodable {
        var event: OSVEvent?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            var found: [OSVEvent] = []
            for kind in Kind.allCases where c.contains(Key(stringValue: kind.rawValue)) {
                found.append(OSVEvent(kind, try c.decode(String.self, forKey: Key(stringValue: kind.rawValue))))
            }
            if found.count > 1 {
                let kinds = found.map(\.kind.rawValue).joined(separator: " and ")
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "event holds \(kinds); only one allowed"))
            }
            event = found.first
        }
    }

    package init(from decoder: any Decoder) throws {
        guard let event = try Slot(from: decoder).event else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "event holds no known field"))
        }
        self = event
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(version, forKey: Key(stringValue: kind.rawValue))
    }
}

/// RFC 3339 timestamps as OSV writes them (`2024-10-10T12:00:00Z`, `2024-10-10T12:00:00.123456Z`, `+02:00`).
package enum OSVTimestamp {
    /// Parses; nil when the text is not an RFC 3339 date-time.
    package static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<start + count {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D,
            let day = digits(8, 2), b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, let hour = digits(11, 2),
            b[13] == 0x3A, let minute = digits(14, 2), b[16] == 0x3A, let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D, let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A,
            let om = digits(i + 4, 2)
        {
            offset = (oh * 60 + om) * 60 * (b[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian, UTC.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}
