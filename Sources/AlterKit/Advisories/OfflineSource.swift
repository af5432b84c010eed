import Foundation

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
        for name in byName.keys.sorted() {
            let records: [OSVRecord]
            do {
                records = try database.records(forPackage: name)
            } catch {
                let failure = SourceFailure(source: Self.sourceName, message: OSVAPISource.reason(error))
                for query in byName[name]! { results[query] = .failure(failure) }
                continue
            }
            let matcher = OSVMatcher(records: records)
            let memo = FindingMemo()
            // Every record naming the package, matching or not: a change to any of them may change the answer.
            let fingerprint = AdvisoryFingerprint.of(
                source: Self.sourceName, records: records.map { (id: $0.id, modified: $0.modified) })
            for query in byName[name]! {
                let matched = matcher.matchingRecords(name: name, version: query.version)
                results[query] = .success(
                    builder.findings(for: matched, package: name, version: query.version, memo: memo))
                fingerprints[query] = fingerprint
            }
        }
        return VulnerabilityLookup(results: results, sourceInfo: answeredInfo, fingerprints: fingerprints)
    }
}
