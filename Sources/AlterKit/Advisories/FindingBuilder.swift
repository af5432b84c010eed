import Foundation

/// Turns the records affecting one package version into findings: one per vulnerability however many ids describe
/// it. Records are grouped by union-find over their ids and aliases (PYSEC-x aliases CVE-y, GHSA-z aliases CVE-y:
/// one group). `related` ids are different vulnerabilities and are not merged.
package struct FindingBuilder: Sendable {
    package var severity: SeveritySelector

    package init(severity: SeveritySelector = SeveritySelector()) {
        self.severity = severity
    }

    /// Findings for `records` (already known to affect `version` of `name`; withdrawn ones are skipped), sorted by id.
    package func findings(for records: [OSVRecord], package name: String, version: String) -> [VulnerabilityFinding] {
        let live = records.filter { !$0.isWithdrawn }
        var sets = UnionFind()
        for record in live {
            for alias in record.aliases { sets.union(record.id, alias) }
        }
        var groups: [String: [OSVRecord]] = [:]
        for record in live { groups[sets.find(record.id), default: []].append(record) }
        let scanned = try? Version(version)
        return groups.values.map { finding(for: $0, package: name, scanned: scanned) }.sorted { $0.id < $1.id }
    }

    /// Preference of ids for the primary one: malicious-package ids, then PyPI's own, then GHSA, then others, then CVE.
    package static func idRank(_ id: String) -> Int {
        if id.hasPrefix("MAL-") { return 0 }
        if id.hasPrefix("PYSEC-") { return 1 }
        if id.hasPrefix("GHSA-") { return 2 }
        if id.hasPrefix("CVE-") { return 4 }
        return 3
    }

    private func finding(for group: [OSVRecord], package name: String, scanned: Version?) -> VulnerabilityFinding {
        let ordered = group.sorted { a, b in
            let (ra, rb) = (FindingBuilder.idRank(a.id), FindingBuilder.idRank(b.id))
            return ra != rb ? ra < rb : a.id < b.id
        }
        let primary = ordered[0]
        let allIDs = Set(ordered.flatMap { [$0.id] + $0.aliases })
        let aliases = allIDs.subtracting([primary.id]).sorted()

        // The primary record's own severity; failing that, the most severe one among its aliases.
        let assessed =
            severity.assess(primary, package: name)
            ?? ordered.dropFirst().compactMap { severity.assess($0, package: name) }
            .max { $0.severity < $1.severity }

        let fixes = OSVMatcher.uniqueSorted(ordered.flatMap { OSVMatcher.fixedVersions($0, name: name) })
        let nearest = scanned.flatMap { version in fixes.first { $0 > version } }

        let summary =
            ordered.lazy.compactMap { $0.summary?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .first { !$0.isEmpty } ?? FindingBuilder.firstLine(of: primary.details)

        var references: [String] = []
        var seen = Set<String>()
        for reference in ordered.flatMap(\.references) where seen.insert(reference.url).inserted {
            references.append(reference.url)
        }

        return VulnerabilityFinding(
            id: primary.id, aliases: aliases, summary: summary, severity: assessed?.severity ?? .unknown,
            score: assessed?.score, vector: assessed?.vector, fixedVersions: fixes.map(\.description),
            nearestFix: nearest?.description, isMalicious: allIDs.contains { $0.hasPrefix("MAL-") },
            published: ordered.compactMap(\.publishedDate).min(), modified: ordered.compactMap(\.modifiedDate).max(),
            references: references)
    }

    /// The first non-empty line of `details`, cut to 200 characters, for records without a summary.
    static func firstLine(of details: String?) -> String? {
        guard let details else { return nil }
        let line = details.split(whereSeparator: \.isNewline).lazy
            .map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        guard let line else { return nil }
        return line.count > 200 ? String(line.prefix(199)) + "…" : line
    }
}

/// Disjoint sets of ids.
struct UnionFind {
    private var parent: [String: String] = [:]

    mutating func find(_ id: String) -> String {
        var root = id
        while let next = parent[root], next != root { root = next }
        var node = id
        while let next = parent[node], next != root {
            parent[node] = root
            node = next
        }
        return root
    }

    mutating func union(_ a: String, _ b: String) {
        let (ra, rb) = (find(a), find(b))
        guard ra != rb else { return }
        // Deterministic root: the smaller id, so groups do not depend on insertion order.
        if ra < rb { parent[rb] = ra } else { parent[ra] = rb }
    }
}
