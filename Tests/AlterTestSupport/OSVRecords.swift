import AlterKit
import Foundation

/// Builds OSV records for tests in one line each.
public enum OSVRecords {
    /// An ECOSYSTEM range from `(kind, version)` pairs, e.g. `[("introduced", "0"), ("fixed", "1.2")]`.
    package static func range(_ events: [(String, String)], type: String = "ECOSYSTEM") -> OSVRange {
        OSVRange(
            type: type, repo: type == "GIT" ? "https://example.org/repo" : nil,
            events: events.map { OSVEvent(OSVEvent.Kind(rawValue: $0.0)!, $0.1) })
    }

    /// One record affecting one package.
    package static func record(
        _ id: String, package name: String = "example", ecosystem: String = "PyPI", ranges: [OSVRange] = [],
        versions: [String] = [], aliases: [String] = [], withdrawn: Bool = false, severity: [OSVSeverity] = [],
        label: String? = nil, modified: String = "2024-10-10T00:00:00Z", summary: String? = nil
    ) -> OSVRecord {
        OSVRecord(
            id: id, modified: modified, published: "2024-01-01T00:00:00Z",
            withdrawn: withdrawn ? "2024-10-01T00:00:00Z" : nil, aliases: aliases, summary: summary,
            details: "Details of \(id).", severity: severity,
            affected: [
                OSVAffected(
                    package: OSVPackage(ecosystem: ecosystem, name: name), ranges: ranges, versions: versions)
            ],
            references: [OSVReference(type: "WEB", url: "https://example.org/\(id)")],
            databaseSpecific: label.map { .object(["severity": .string($0)]) })
    }
}
