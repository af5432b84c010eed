import Foundation
import PythonPackaging

/// Turns the records affecting one package version into findings: one per vulnerability however many ids describe
/// it. Records are grouped by union-find over their ids and aliases (PYSEC-x aliases CVE-y, GHSA-z aliases CVE-y:
/// one group). `related` ids are different vulnerabilities and are not merged.
package struct FindingBuilder: Sendable {
    package var severity: SeveritySelector

    package init(severity: SeveritySelector = SeveritySelector()) {
        self.severity = severity
    }

    /// Findings for `records` (already known to affect `version` of `name`; withdrawn ones are skipped), sorted by id.
    /// `memo`, shared by the calls of one lookup, reuses what does not depend on the version (a package's records
    /// come back for many of its versions).
    package func findings(
        for records: [OSVRecord], package name: String, version: String, memo: FindingMemo? = nil
    ) -> [VulnerabilityFinding] {
        findings(
            for: records.filter { !$0.isWithdrawn }.map { AdvisoryDigest($0, package: name) }, package: name,
            version: version, memo: memo)
    }

    /// Findings for the digests of the records affecting `version` of `name` (withdrawn ones are skipped), sorted
    /// by id.
    package func findings(
        for digests: [AdvisoryDigest], package name: String, version: String, memo: FindingMemo? = nil
    ) -> [VulnerabilityFinding] {
        let live = digests.filter { !$0.withdrawn }
        var sets = UnionFind()
        for record in live {
            for alias in record.aliases { sets.union(record.id, alias) }
        }
        var groups: [String: [AdvisoryDigest]] = [:]
        for record in live { groups[sets.find(record.id), default: []].append(record) }
        let scanned = try? Version(version)
        return groups.values.map { (group: [AdvisoryDigest]) -> VulnerabilityFinding in
            let ordered = group.sorted { a, b in
                let (ra, rb) = (FindingBuilder.idRank(a.id), FindingBuilder.idRank(b.id))
                return ra != rb ? ra < rb : a.id < b.id
            }
            let key = ([name] + ordered.map { "\($0.id)@\($0.modified)" }).joined(separator: "\u{0}")
            let built: (finding: VulnerabilityFinding, fixes: [Version])
            if let cached = memo?.groups[key] {
                built = cached
            } else {
                built = self.build(ordered, package: name)
                memo?.groups[key] = built
            }
            var result = built.finding
            result.nearestFix = scanned.flatMap { version in built.fixes.first { $0 > version } }?.description
            return result
        }.sorted { $0.id < $1.id }
    }

    /// Preference of ids for the primary one: malicious-package ids, then PyPI's own, then GHSA, then others, then CVE.
    package static func idRank(_ id: String) -> Int {
        if id.hasPrefix("MAL-") { return 0 }
        if id.hasPrefix("PYSEC-") { return 1 }
        if id.hasPrefix("GHSA-") { return 2 }
        if id.hasPrefix("CVE-") { return 4 }
        return 3
    }

    /// The finding of one group of records (primary first), without `nearestFix`; and its fixes.
    private func build(
        _ ordered: [AdvisoryDigest], package name: String
    ) -> (finding: VulnerabilityFinding, fixes: [Version]) {
        let primary = ordered[0]
        let allIDs = Set(ordered.flatMap { [$0.id] + $0.aliases })
        let aliases = allIDs.subtracting([primary.id]).sorted()

        // The primary record's own severity; failing that, the most severe one among its aliases.
        let assessed =
            severity.assess(primary.severity)
            ?? ordered.dropFirst().compactMap { severity.assess($0.severity) }
            .max { $0.severity < $1.severity }

        let fixes = OSVMatcher.uniqueSorted(ordered.flatMap { $0.fixes.compactMap { try? Version($0) } })

        let summary = ordered.lazy.compactMap(\.summary).first ?? primary.detailsLine

        var references: [String] = []
        var seen = Set<String>()
        for reference in ordered.flatMap(\.references) where seen.insert(reference).inserted {
            references.append(reference)
        }

        let finding = VulnerabilityFinding(
            id: primary.id, aliases: aliases, summary: summary, severity: assessed?.severity ?? .unknown,
            score: assessed?.score, vector: assessed?.vector, fixedVersions: fixes.map(\.description),
            isMalicious: allIDs.contains { $0.hasPrefix("MAL-") }, published: ordered.compactMap(\.publishedDate).min(),
            modified: ordered.compactMap(\.modifiedDate).max(), references: references)
        return (finding, fixes)
    }

    /// The first non-empty line of `details`, cut to 200 characters, for records without a summary.
    static func firstLine(of details: String?) -> String? {
        guard let details else { return nil }
        // Looks only as far as the first non-empty line (by UTF-8 bytes: details run to kilobytes).
        let bytes = details.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? bytes.endIndex
            let line = String(details[start..<end]).trimmingCharacters(in: .whitespaces)
            if !line.isEmpty { return line.count > 200 ? String(line.prefix(199)) + "…" : line }
            start = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        return nil
    }
}

/// What `FindingBuilder` can reuse across the versions of one lookup. Not shared between tasks.
package final class FindingMemo {
    var groups: [String: (finding: VulnerabilityFinding, fixes: [Version])] = [:]

    package init() {}
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
