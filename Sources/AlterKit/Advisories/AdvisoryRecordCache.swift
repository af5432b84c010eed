import Foundation

/// An OSV record's identity at one revision: the cache holds each full record under its id and `modified` stamp.
package struct RecordKey: Hashable, Sendable, Comparable {
    package var id: String
    package var modified: String

    package init(id: String, modified: String) {
        self.id = id
        self.modified = modified
    }

    package static func < (a: RecordKey, b: RecordKey) -> Bool { (a.id, a.modified) < (b.id, b.modified) }
}

/// Full OSV records (their JSON as served) by id + modified, so that a repeat scan fetches only what changed.
/// A cache that cannot be read is a miss, never an answer: implementations throw and callers refetch.
package protocol AdvisoryRecordCache: Sendable {
    /// The stored JSON of those `keys` the cache holds.
    func records(for keys: [RecordKey]) throws -> [RecordKey: Data]
    /// Stores records; an existing entry for the same key is replaced.
    func store(_ records: [RecordKey: Data]) throws
    /// The finding digests for the package `name` (normalised) of those `keys` the cache holds, so that a scan
    /// need not decode whole records. A cached record whose digest was never stored is digested from its JSON.
    func digests(for keys: [RecordKey], package name: String) throws -> [RecordKey: AdvisoryDigest]
    /// Stores records with their digests (per normalised package name).
    func store(_ records: [RecordKey: Data], digests: [RecordKey: [String: AdvisoryDigest]]) throws
}

extension AdvisoryRecordCache {
    /// From the stored JSON: a record that no longer decodes (or under another id) is left out, a miss.
    package func digests(for keys: [RecordKey], package name: String) throws -> [RecordKey: AdvisoryDigest] {
        var out: [RecordKey: AdvisoryDigest] = [:]
        for (key, data) in try records(for: keys) {
            guard let record = try? OSVRecord.decode(data, origin: "cache"), record.id == key.id else { continue }
            out[key] = AdvisoryDigest(record, package: name)
        }
        return out
    }

    package func store(_ records: [RecordKey: Data], digests: [RecordKey: [String: AdvisoryDigest]]) throws {
        try store(records)
    }
}

/// A cache that lives as long as the process (no cache directory configured, and tests).
package final class InMemoryAdvisoryCache: AdvisoryRecordCache, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [RecordKey: Data] = [:]

    package init() {}

    package func records(for keys: [RecordKey]) throws -> [RecordKey: Data] {
        lock.lock()
        defer { lock.unlock() }
        var out: [RecordKey: Data] = [:]
        for key in keys { if let data = entries[key] { out[key] = data } }
        return out
    }

    package func store(_ records: [RecordKey: Data]) throws {
        lock.lock()
        defer { lock.unlock() }
        entries.merge(records) { _, new in new }
    }

    package var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
