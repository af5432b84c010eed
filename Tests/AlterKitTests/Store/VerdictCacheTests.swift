import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct VerdictCacheTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let clock = FixedClock(Date(timeIntervalSince1970: 1_790_000_000))

    func key(
        _ name: String = "Django", version: String = "4.2.0", mode: PolicyMode = .scan, policy: String = "p1",
        data: String = "d1"
    ) -> VerdictCache.Key {
        VerdictCache.Key(name: name, version: version, mode: mode, policy: policy, data: data)
    }

    func value(_ action: Action = .block) -> CachedVerdict {
        CachedVerdict(
            verdict: Verdict(reasons: [
                Reason(kind: .vulnerability, action: action, message: "PYSEC-1", subject: "PYSEC-1")
            ]),
            vulnerabilities: [VulnerabilityFinding(id: "PYSEC-1", severity: .critical)], risk: nil, notes: ["n"])
    }

    /// A fresh cache in a new temporary directory (a missing parent folder is created by the cache).
    func makeCache() throws -> (VerdictCache, URL) {
        let dir = try TestPaths.temporaryDirectory()
        let cache = try VerdictCache(
            path: dir.appendingPathComponent("cache/verdicts.sqlite").path, diagnostics: NullDiagnostics(), clock: clock
        )
        return (cache, dir)
    }

    @Test func hitAndMiss() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try cache.lookup(key(), now: now) == nil)
        #expect(try cache.store(value(), for: key(), now: now, ttl: 3600))
        #expect(try cache.lookup(key(), now: now) == value())
        // The name is normalised in the key.
        #expect(try cache.lookup(key("django"), now: now) == value())
        #expect(try cache.lookup(key(version: "4.2.1"), now: now) == nil)
    }

    @Test func policyDataOrModeChangeIsAMiss() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        try cache.store(value(), for: key(), now: now, ttl: 3600)
        #expect(try cache.lookup(key(policy: "p2"), now: now) == nil)
        #expect(try cache.lookup(key(data: "d2"), now: now) == nil)
        #expect(try cache.lookup(key(mode: .install), now: now) == nil)
        // A real policy change gives another fingerprint.
        var changed = Configuration.defaults
        changed.riskThreshold = 10
        #expect(changed.fingerprint != Configuration.defaults.fingerprint)
    }

    @Test func expiry() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        try cache.store(value(), for: key(), now: now, ttl: 60)
        #expect(try cache.lookup(key(), now: now.addingTimeInterval(59)) != nil)
        #expect(try cache.lookup(key(), now: now.addingTimeInterval(60)) == nil)
        #expect(try cache.pruneExpired(now: now.addingTimeInterval(61)) == 1)
        #expect(try cache.count() == 0)
    }

    @Test func validUntilShortensTheTTL() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        try cache.store(value(), for: key(), now: now, ttl: 86400, validUntil: now.addingTimeInterval(10))
        #expect(try cache.lookup(key(), now: now.addingTimeInterval(9)) != nil)
        #expect(try cache.lookup(key(), now: now.addingTimeInterval(10)) == nil)
        #expect(try cache.store(value(), for: key(), now: now, ttl: 0) == false)
        #expect(try cache.store(value(), for: key(), now: now, ttl: 60, validUntil: now) == false)
    }

    @Test func failuresAndUnpinnedPackagesAreNeverStored() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        let decision = PolicyDecision(verdict: Verdict(reasons: []))
        let failed = PackageResult(
            dependency: Dependency(name: "x", version: "1"), failures: [SourceFailure(source: "osv", message: "down")])
        #expect(
            try cache.store(failed, decision: decision, mode: .scan, policy: "p", data: "d", now: now, ttl: 60) == false
        )
        let unpinned = PackageResult(dependency: Dependency(name: "x", specifier: ">=1"))
        #expect(
            try cache.store(unpinned, decision: decision, mode: .scan, policy: "p", data: "d", now: now, ttl: 60)
                == false)
        let fine = PackageResult(dependency: Dependency(name: "x", version: "1"))
        #expect(try cache.store(fine, decision: decision, mode: .scan, policy: "p", data: "d", now: now, ttl: 60))
        #expect(try cache.count() == 1)
    }

    @Test func clearRemovesEverything() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        try cache.store(value(), for: key(), now: now, ttl: 60)
        try cache.store(value(), for: key(version: "5.0"), now: now, ttl: 60)
        #expect(try cache.clear() == 2)
        #expect(try cache.lookup(key(), now: now) == nil)
    }

    @Test func fileIsPrivate() throws {
        let (_, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        let attributes = try FileManager.default.attributesOfItem(
            atPath: dir.appendingPathComponent("cache/verdicts.sqlite").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func undecodablePayloadIsAMissAndRemoved() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        try cache.store(value(), for: key(), now: now, ttl: 60)
        try cache.database.execute("UPDATE verdicts SET payload = x'7b6e6f7420a9'")
        #expect(try cache.lookup(key(), now: now) == nil)
        #expect(try cache.count() == 0)
    }

    /// The compact payload gives back every field (dates to the bit, a risk with unknown factors and failures);
    /// a payload cut short or with an unknown action is a miss, removed; a JSON payload from before is still read.
    @Test func compactPayloadsRoundTripAndOlderJSONIsStillRead() throws {
        let (cache, dir) = try makeCache()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = CachedVerdict(
            verdict: Verdict(reasons: [
                Reason(kind: .risk, action: .alert, message: "risk 71 \u{2028} \"quoted\"", subject: nil),
                Reason(kind: .sourceFailure, action: .block, message: "pypi: 503", subject: "pypi"),
            ]),
            vulnerabilities: [
                VulnerabilityFinding(
                    id: "PYSEC-2", aliases: ["CVE-1", "GHSA-x"], summary: "é\n", severity: .high, score: 7.5,
                    vector: "CVSS:3.1/AV:N", fixedVersions: ["1.0", "2.0.post1"], nearestFix: "2.0.post1",
                    isMalicious: true, published: Date(timeIntervalSince1970: 1_600_000_000.123456),
                    modified: Date(timeIntervalSinceReferenceDate: 0.1), references: ["https://a", "https://b"]),
                VulnerabilityFinding(id: "MAL-1"),
            ],
            risk: RiskAssessment(
                factors: [
                    RiskFactor(name: "age", score: 0.25, reason: "new"),
                    RiskFactor(name: "owners", score: nil, reason: "unknown"),
                ], composite: nil, failures: [SourceFailure(source: "pypi-metadata", message: "timeout")]),
            notes: ["ignore expires", ""])
        #expect(CachedVerdict(compact: full.compact) == full)
        #expect(CachedVerdict(compact: full.compact.dropLast()) == nil)
        try cache.store(full, for: key(), now: now, ttl: 60)
        #expect(try cache.lookup(key(), now: now) == full)

        var damaged = full.compact
        damaged[2] = UInt8(ascii: "X")  // the first letter of the verdict's action: "Xlock"
        try cache.database.execute("UPDATE verdicts SET payload = ?", [Data(damaged)])
        #expect(try cache.lookup(key(), now: now) == nil)
        #expect(try cache.count() == 0)

        try cache.store(value(), for: key(), now: now, ttl: 60)
        try cache.database.execute("UPDATE verdicts SET payload = ?", [try JSONEncoder().encode(value())])
        #expect(try cache.lookup(key(), now: now) == value())
    }

    @Test func corruptFileIsSetAsideAndRebuiltWithAWarning() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("verdicts.sqlite").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        let diagnostics = DiagnosticCollector()
        let cache = try VerdictCache(path: path, diagnostics: diagnostics, clock: clock)
        #expect(try cache.lookup(key(), now: now) == nil)
        try cache.store(value(), for: key(), now: now, ttl: 60)
        #expect(try cache.lookup(key(), now: now) == value())
        #expect(diagnostics.diagnostics.contains { $0.level == .warning && $0.message.contains("moved it aside") })
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.contains { $0.hasPrefix("verdicts.sqlite.corrupt-") })
    }

    @Test func truncatedDatabaseIsRebuilt() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("verdicts.sqlite").path
        do {
            let cache = try VerdictCache(path: path, diagnostics: NullDiagnostics(), clock: clock)
            for i in 0..<200 { try cache.store(value(), for: key(version: "1.\(i)"), now: now, ttl: 60) }
            try cache.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cache.database.close()
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let diagnostics = DiagnosticCollector()
        let cache = try VerdictCache(path: path, diagnostics: diagnostics, clock: clock)
        #expect(try cache.count() == 0)
        #expect(diagnostics.diagnostics.contains { $0.level == .warning })
    }

    @Test func twoConnectionsAtOnce() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("verdicts.sqlite").path
        let a = try VerdictCache(path: path, diagnostics: NullDiagnostics(), clock: clock)
        let b = try VerdictCache(path: path, diagnostics: NullDiagnostics(), clock: clock)
        let now = self.now
        let stored = value()
        let perWriter = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, cache) in [a, b].enumerated() {
                group.addTask {
                    for i in 0..<perWriter {
                        let k = VerdictCache.Key(
                            name: "pkg\(index)", version: "1.\(i)", mode: .install, policy: "p", data: "d")
                        try cache.store(stored, for: k, now: now, ttl: 3600)
                        // Read back what the other connection wrote so far: never a partial row.
                        let other = VerdictCache.Key(
                            name: "pkg\(1 - index)", version: "1.\(i / 2)", mode: .install, policy: "p", data: "d")
                        if let seen = try cache.lookup(other, now: now) { #expect(seen == stored) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try a.count() == 2 * perWriter)
        #expect(
            try b.lookup(
                VerdictCache.Key(name: "pkg0", version: "1.7", mode: .install, policy: "p", data: "d"), now: now)
                == stored)
    }

    @Test func defaultLocation() throws {
        let paths = try AlterKSPaths(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg/cache"])
        #expect(VerdictCache.path(cacheDirectory: nil, paths: paths) == "/xdg/cache/alterks/verdicts.sqlite")
        #expect(VerdictCache.path(cacheDirectory: "/tmp/c", paths: paths) == "/tmp/c/verdicts.sqlite")
    }
}
