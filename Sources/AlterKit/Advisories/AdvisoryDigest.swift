import Foundation
import PythonPackaging

/// Everything a finding needs from one record for one package, and nothing else: compiled once when a record is
/// imported or cached, so that a scan builds its findings without decoding the record's JSON again.
/// `FindingBuilder` reads only digests; a record becomes one through `init(_:package:)`, whatever the source.
package struct AdvisoryDigest: Sendable, Hashable {
    package var id: String
    package var modified: String
    package var published: String?
    /// A withdrawn record never makes a finding.
    package var withdrawn: Bool
    package var aliases: [String]
    /// The summary, trimmed; nil when missing or blank.
    package var summary: String?
    /// The first non-empty line of `details` (for records without a summary).
    package var detailsLine: String?
    /// What severity selection reads: the record's and the package entries' `severity[]`, then the labels.
    package var severity: SeverityInputs
    /// The real PEP 440 `fixed` versions of the package's ECOSYSTEM ranges, canonical, ascending, unique.
    package var fixes: [String]
    /// Reference URLs, in the record's order.
    package var references: [String]

    package init(
        id: String, modified: String, published: String?, withdrawn: Bool = false, aliases: [String],
        summary: String?, detailsLine: String?, severity: SeverityInputs, fixes: [String], references: [String]
    ) {
        self.id = id
        self.modified = modified
        self.published = published
        self.withdrawn = withdrawn
        self.aliases = aliases
        self.summary = summary
        self.detailsLine = detailsLine
        self.severity = severity
        self.fixes = fixes
        self.references = references
    }

    /// The digest of `record` for the package `name` (normalised here).
    package init(_ record: OSVRecord, package name: String) {
        let normalized = PackageName.normalize(name)
        let entries = record.affected.filter {
            $0.package.ecosystem == OSVMatcher.ecosystem && PackageName.normalize($0.package.name) == normalized
        }
        let summary = record.summary?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.init(
            id: record.id, modified: record.modified, published: record.published, withdrawn: record.isWithdrawn,
            aliases: record.aliases,
            summary: summary?.isEmpty == false ? summary : nil,
            detailsLine: FindingBuilder.firstLine(of: record.details),
            severity: SeverityInputs(
                scores: record.severity + entries.flatMap(\.severity),
                labels: ([record.databaseSpecific?["severity"]]
                    + entries.flatMap { [$0.databaseSpecific?["severity"], $0.ecosystemSpecific?["severity"]] })
                    .compactMap { $0?.stringValue }),
            fixes: OSVMatcher.fixedVersions(record, name: normalized).map(\.description),
            references: record.references.map(\.url))
    }

    var modifiedDate: Date? { OSVTimestamp.parse(modified) }
    var publishedDate: Date? { published.flatMap(OSVTimestamp.parse) }
}

/// The severity evidence of one record for one package, in the order `SeveritySelector` reads it.
package struct SeverityInputs: Sendable, Hashable {
    /// Top-level `severity[]` followed by the package entries' `severity[]`.
    package var scores: [OSVSeverity]
    /// `database_specific.severity` of the record, then of each entry's `database_specific`/`ecosystem_specific`.
    package var labels: [String]

    package init(scores: [OSVSeverity], labels: [String]) {
        self.scores = scores
        self.labels = labels
    }
}

// MARK: - Storage

extension AdvisoryDigest {
    /// A compact binary form for SQLite (length-prefixed UTF-8 strings), read back by `init(encoded:)` without a
    /// JSON parser. Versioned by its first byte.
    package var encoded: [UInt8] {
        var writer = CompactWriter()
        writer.bytes.append(Self.encodingVersion)
        writer.string(id)
        writer.string(modified)
        writer.optional(published)
        writer.bool(withdrawn)
        writer.strings(aliases)
        writer.optional(summary)
        writer.optional(detailsLine)
        writer.strings(severity.scores.flatMap { [$0.type, $0.score] })
        writer.strings(severity.labels)
        writer.strings(fixes)
        writer.strings(references)
        return writer.bytes
    }

    static let encodingVersion: UInt8 = 1

    /// Reads `encoded`; nil when the bytes are not one (damaged, or another encoding version).
    package init?(encoded bytes: some Collection<UInt8>) {
        let value: AdvisoryDigest? = Array(bytes).withUnsafeBufferPointer { buffer in
            var reader = CompactReader(buffer: buffer)
            guard reader.byte() == Self.encodingVersion, let id = reader.string(), let modified = reader.string(),
                let published = reader.optional(), let withdrawn = reader.bool(), let aliases = reader.strings(),
                let summary = reader.optional(),
                let detailsLine = reader.optional(), let scores = reader.strings(), scores.count % 2 == 0,
                let labels = reader.strings(), let fixes = reader.strings(), let references = reader.strings(),
                reader.atEnd
            else { return nil }
            let pairs = stride(from: 0, to: scores.count, by: 2).map {
                OSVSeverity(type: scores[$0], score: scores[$0 + 1])
            }
            return AdvisoryDigest(
                id: id, modified: modified, published: published, withdrawn: withdrawn, aliases: aliases,
                summary: summary,
                detailsLine: detailsLine, severity: SeverityInputs(scores: pairs, labels: labels), fixes: fixes,
                references: references)
        }
        guard let value else { return nil }
        self = value
    }
}
