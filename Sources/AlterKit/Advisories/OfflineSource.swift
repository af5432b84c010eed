import Foundation
import PythonPackaging

/// Answers from the offline OSV database with no network at all, with the same matching and finding construction
/// as the OSV API source, so that both give the same findings over the same records.
package struct OfflineSource: VulnerabilitySource {
    package static let sourceName = "offline"

    let database: OfflineDatabase
    let builder: FindingBuilder

    package init(database: OfflineDatabase, builder: FindingBuilder = FindingBuilder()) {
        self.database = database
        self.builder = builder
    }

    package func lookup(_ packages: [PackageQuery]) async -> VulnerabilityLookup {
        await lookup(packages, reusable: { _, _ in false })
    }

    /// Reads only the match index rows of the packages asked about, and decodes the digests of the records that
    /// match; a query whose fingerprint the caller can reuse is not matched at all.
    package func lookup(
        _ packages: [PackageQuery], reusable: @escaping @Sendable (PackageQuery, String) -> Bool
    ) async -> VulnerabilityLookup {
        let queries = Array(Set(packages)).sorted()
        func fail(_ message: String, info: SourceInfo) -> VulnerabilityLookup {
            .failing(queries, SourceFailure(source: Self.sourceName, message: message), sourceInfo: info)
        }
        let info = SourceInfo(name: Self.sourceName, location: database.path)
        let status: OfflineDatabaseStatus
        do {
            guard let found = try database.status() else {
                return fail(
                    "the offline database at \(database.path) is empty; run `alterks db update` or `alterks db import`",
                    info: info)
            }
            status = found
        } catch {
            return fail(OSVAPISource.reason(error), info: info)
        }
        let answeredInfo = SourceInfo(
            name: Self.sourceName, location: database.path, dataDate: status.newestModified ?? status.importedAt)

        var results: [PackageQuery: Result<[VulnerabilityFinding], SourceFailure>] = [:]
        var fingerprints: [PackageQuery: String] = [:]
        let byName = Dictionary(grouping: queries, by: \.name)
        let versions = VersionMemo()
        for name in byName.keys.sorted() {
            do {
                // Every record naming the package, matching or not: a change to any of them may change the answer.
                let fingerprint = AdvisoryFingerprint.of(
                    source: Self.sourceName,
                    records: try database.recordKeys(forPackage: name).map { (id: $0.id, modified: $0.modified) })
                let pending = byName[name]!.filter { query in
                    fingerprints[query] = fingerprint
                    guard reusable(query, fingerprint) else { return true }
                    results[query] = .success([])
                    return false
                }
                guard !pending.isEmpty else { continue }
                let index = try PackageMatchIndex(
                    rows: database.matchRows(forPackage: name), origin: database.path, versions: versions)
                let memo = FindingMemo()
                for query in pending {
                    let scanned = ScannedVersion(query.version)
                    let listing = try database.listingIDs(
                        forPackage: name, versionKey: OSVMatcher.versionKey(raw: scanned.raw, parsed: scanned.parsed))
                    let digests = try index.matching(scanned, listedBy: listing)
                    results[query] = .success(
                        builder.findings(for: digests, package: name, version: query.version, memo: memo))
                }
            } catch {
                let failure = SourceFailure(source: Self.sourceName, message: OSVAPISource.reason(error))
                for query in byName[name]! {
                    results[query] = .failure(failure)
                    fingerprints[query] = nil
                }
            }
        }
        return VulnerabilityLookup(results: results, sourceInfo: answeredInfo, fingerprints: fingerprints)
    }
}

/// One package's rows of the match index, ranges compiled on first use and digests decoded only when matched.
final class PackageMatchIndex {
    private let rows: [String: MatchRow]
    private let origin: String
    private let versions: VersionMemo
    private var ranges: [(id: String, ranges: [PreparedRange])]?
    private var digests: [String: AdvisoryDigest] = [:]

    init(rows: [MatchRow], origin: String, versions: VersionMemo) {
        self.rows = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.origin = origin
        self.versions = versions
    }

    /// The digests of the records affecting `scanned`: those listing it (`listing`, from the version table) and
    /// those with a range including it, sorted by id.
    func matching(_ scanned: ScannedVersion, listedBy listing: [String]) throws -> [AdvisoryDigest] {
        var ids = Set(listing)
        if let version = scanned.parsed {
            for entry in try compiledRanges() where !ids.contains(entry.id) {
                if entry.ranges.contains(where: { $0.includes(version) }) { ids.insert(entry.id) }
            }
        }
        return try ids.sorted().map(digest)
    }

    private func compiledRanges() throws -> [(id: String, ranges: [PreparedRange])] {
        if let ranges { return ranges }
        var compiled: [(id: String, ranges: [PreparedRange])] = []
        for row in rows.values.sorted(by: { $0.id < $1.id }) where !row.ranges.isEmpty {
            var parsed: [PreparedRange] = []
            for line in row.ranges.split(separator: "\n") {
                guard let range = PreparedRange(encoded: line, parse: versions.parse) else {
                    throw AdvisoryError.malformedRecord(
                        origin: origin, id: row.id,
                        message: "damaged match index ranges \(String(line).debugDescription)")
                }
                parsed.append(range)
            }
            compiled.append((row.id, parsed))
        }
        ranges = compiled
        return compiled
    }

    private func digest(_ id: String) throws -> AdvisoryDigest {
        if let known = digests[id] { return known }
        guard let row = rows[id], let decoded = AdvisoryDigest(encoded: row.digest) else {
            throw AdvisoryError.malformedRecord(
                origin: origin, id: id, message: "the match index has no readable digest for this record")
        }
        digests[id] = decoded
        return decoded
    }
}

/// Parsed versions by text, shared by the packages of one lookup (ranges repeat the same bounds).
final class VersionMemo {
    private var parsed: [Substring: Version] = [:]

    func parse(_ text: Substring) -> Version? {
        if let known = parsed[text] { return known }
        guard let version = try? Version(String(text)) else { return nil }
        parsed[text] = version
        return version
    }
}
