import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct MetadataCacheTests {
    func withCache(_ body: (MetadataCache) throws -> Void) throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(try MetadataCache(path: dir.path + "/m.sqlite", diagnostics: NullDiagnostics(), clock: Recorded.clock))
    }

    @Test func storesAndExpires() throws {
        try withCache { cache in
            let project = try Recorded.project("vibemyexpt-lsl")
            let now = Recorded.now
            try cache.store(.found(project), for: "VibeMyExpt_LSL", now: now, ttl: 60)
            #expect(try cache.lookup("vibemyexpt-lsl", now: now.addingTimeInterval(59)) == .found(project))
            #expect(try cache.lookup("vibemyexpt-lsl", now: now.addingTimeInterval(60)) == nil)
            #expect(try cache.lastSerial("vibemyexpt-lsl") == project.lastSerial)
            #expect(try cache.pruneExpired(now: now.addingTimeInterval(61)) == 1)
        }
    }

    @Test func notFoundIsKeptBriefly() throws {
        try withCache { cache in
            try cache.store(.notFound, for: "gone", now: Recorded.now, ttl: 86400)
            #expect(try cache.lookup("gone", now: Recorded.now.addingTimeInterval(10)) == .notFound)
            #expect(try cache.lookup("gone", now: Recorded.now.addingTimeInterval(MetadataCache.notFoundTTL)) == nil)
        }
    }

    @Test func zeroTTLStoresNothingAndClearEmpties() throws {
        try withCache { cache in
            try cache.store(.notFound, for: "a", now: Recorded.now, ttl: 0)
            #expect(try cache.lookup("a", now: Recorded.now) == nil)
            try cache.store(.notFound, for: "b", now: Recorded.now, ttl: 10)
            #expect(try cache.clear() == 1)
        }
    }

    @Test func undecodablePayloadIsAMiss() throws {
        try withCache { cache in
            try cache.database.execute(
                "INSERT INTO projects (name, found, last_serial, stored_at, expires_at, payload) VALUES ('bad', 1, NULL, ?, ?, ?)",
                [Recorded.now.timeIntervalSince1970, Recorded.now.timeIntervalSince1970 + 60, Data("garbage".utf8)])
            #expect(try cache.lookup("bad", now: Recorded.now) == nil)
            #expect(try cache.database.query("SELECT count(*) FROM projects").first?.int(0) == 0)
        }
    }
}
