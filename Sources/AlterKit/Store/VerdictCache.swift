import Foundation
import PythonPackaging

/// What the verdict cache keeps for one package: everything a repeat scan needs to skip the sources, the
/// heuristics and the policy for it.
package struct CachedVerdict: Sendable, Hashable, Codable {
    package var verdict: Verdict
    package var vulnerabilities: [VulnerabilityFinding]
    package var risk: RiskAssessment?
    package var notes: [String]

    package init(verdict: Verdict, vulnerabilities: [VulnerabilityFinding], risk: RiskAssessment?, notes: [String] = [])
    {
        self.verdict = verdict
        self.vulnerabilities = vulnerabilities
        self.risk = risk
        self.notes = notes
    }
}

/// Verdicts computed before, in SQLite, keyed by (normalised name, version, mode, policy fingerprint, advisory-data
/// fingerprint): a change of policy or of the advisory data is a different key, so it can never serve a verdict
/// computed under other rules or other data. Entries expire after `verdict_ttl`, or earlier when the decision said
/// it holds only until a date (an ignore that expires). Results with a source failure are never stored.
///
/// WAL and a busy timeout let several processes (two `pip install`s and a monitor) share the file; a corrupt file
/// is set aside and rebuilt with a warning.
package final class VerdictCache: Sendable {
    /// The file name under the cache directory.
    package static let fileName = "verdicts.sqlite"

    /// Append-only migrations; never edit a published one.
    static let migrations: [String] = [
        """
        CREATE TABLE verdicts (
            name TEXT NOT NULL CHECK (length(name) > 0),
            version TEXT NOT NULL CHECK (length(version) > 0),
            mode TEXT NOT NULL CHECK (mode IN ('scan', 'install')),
            policy TEXT NOT NULL CHECK (length(policy) > 0),
            data TEXT NOT NULL CHECK (length(data) > 0),
            stored_at REAL NOT NULL,
            expires_at REAL NOT NULL CHECK (expires_at >= stored_at),
            payload BLOB NOT NULL,
            PRIMARY KEY (name, version, mode, policy, data)
        ) WITHOUT ROWID;
        CREATE INDEX verdicts_by_expiry ON verdicts (expires_at);
        """
    ]

    /// The cache key of one package's verdict.
    package struct Key: Sendable, Hashable {
        /// PEP 503-normalised name.
        package var name: String
        /// The exact version (only pinned packages are cached).
        package var version: String
        package var mode: PolicyMode
        /// `Configuration.fingerprint`.
        package var policy: String
        /// A fingerprint of the advisory data the verdict was computed from (the source's records for this package,
        /// or the offline database's import), supplied by the caller.
        package var data: String

        package init(name: String, version: String, mode: PolicyMode, policy: String, data: String) {
            self.name = PackageName.normalize(name)
            self.version = version
            self.mode = mode
            self.policy = policy
            self.data = data
        }
    }

    package let database: SQLiteDatabase

    /// `cacheDirectory` (from `--cache-dir` or the `cache_dir` key) when given, else `AlterKSPaths.cacheDir`.
    package static func path(cacheDirectory: String?, paths: AlterKSPaths) -> String {
        (cacheDirectory ?? paths.cacheDir) + "/" + fileName
    }

    /// Opens (creating if needed) the cache at `path`; a damaged file is moved aside with a warning and rebuilt.
    package init(path: String, diagnostics: any DiagnosticSink, clock: any WallClock, busyTimeout: Double = 5) throws {
        database = try SQLiteDatabase.openOrRebuild(
            path: path, migrations: Self.migrations, diagnostics: diagnostics, check: .quick,
            busyTimeout: busyTimeout, clock: clock)
    }

    /// The verdict stored under `key`, if it has not expired at `now`. An entry that cannot be decoded is removed
    /// and reported as a miss.
    package func lookup(_ key: Key, now: Date) throws -> CachedVerdict? {
        let rows = try database.query(
            """
            SELECT payload FROM verdicts
            WHERE name = ? AND version = ? AND mode = ? AND policy = ? AND data = ? AND expires_at > ?
            """,
            [key.name, key.version, key.mode.rawValue, key.policy, key.data, now.timeIntervalSince1970])
        guard let payload = rows.first?.data(0) else { return nil }
        // Entries written before the compact form are JSON (`{`): still read.
        let value =
            payload.first == UInt8(ascii: "{")
            ? try? JSONDecoder().decode(CachedVerdict.self, from: payload) : CachedVerdict(compact: payload)
        if let value { return value }
        try database.execute(
            "DELETE FROM verdicts WHERE name = ? AND version = ? AND mode = ? AND policy = ? AND data = ?",
            [key.name, key.version, key.mode.rawValue, key.policy, key.data])
        return nil
    }

    /// Stores `value` under `key` until `now + ttl`, or `validUntil` when earlier. A `ttl` of 0 stores nothing.
    /// Returns whether it was stored.
    @discardableResult
    package func store(_ value: CachedVerdict, for key: Key, now: Date, ttl: TimeInterval, validUntil: Date? = nil)
        throws -> Bool
    {
        var expires = now.addingTimeInterval(ttl)
        if let validUntil, validUntil < expires { expires = validUntil }
        guard ttl > 0, expires > now else { return false }
        let payload = Data(value.compact)
        try database.execute(
            """
            INSERT OR REPLACE INTO verdicts (name, version, mode, policy, data, stored_at, expires_at, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                key.name, key.version, key.mode.rawValue, key.policy, key.data, now.timeIntervalSince1970,
                expires.timeIntervalSince1970, payload,
            ])
        return true
    }

    /// Stores the outcome of deciding one package, unless it cannot be cached: a source failed (the answer is
    /// incomplete and must be asked again), or the package is not pinned.
    @discardableResult
    package func store(
        _ result: PackageResult, decision: PolicyDecision, mode: PolicyMode, policy: String, data: String, now: Date,
        ttl: TimeInterval
    ) throws -> Bool {
        guard result.failures.isEmpty, let version = result.dependency.version else { return false }
        return try store(
            CachedVerdict(
                verdict: decision.verdict, vulnerabilities: result.vulnerabilities, risk: result.risk,
                notes: decision.notes),
            for: Key(name: result.dependency.normalizedName, version: version, mode: mode, policy: policy, data: data),
            now: now, ttl: ttl, validUntil: decision.validUntil)
    }

    /// Removes every expired entry; returns how many.
    @discardableResult
    package func pruneExpired(now: Date) throws -> Int {
        try database.transaction {
            try database.execute("DELETE FROM verdicts WHERE expires_at <= ?", [now.timeIntervalSince1970])
            return database.changes
        }
    }

    /// Removes every entry (`alterks cache clear`); returns how many.
    @discardableResult
    package func clear() throws -> Int {
        try database.transaction {
            try database.execute("DELETE FROM verdicts")
            return database.changes
        }
    }

    /// How many entries the file holds, expired ones included.
    package func count() throws -> Int {
        try database.query("SELECT count(*) FROM verdicts").first?.int(0) ?? 0
    }
}

// MARK: - Compact payload

extension CachedVerdict {
    static let compactVersion: UInt8 = 1

    /// The payload as stored: `CompactWriter`'s form, first byte the format version (never `{`).
    package var compact: [UInt8] {
        var w = CompactWriter()
        w.byte(Self.compactVersion)
        w.string(verdict.action.rawValue)
        w.length(verdict.reasons.count)
        for reason in verdict.reasons {
            w.string(reason.kind.rawValue)
            w.string(reason.action.rawValue)
            w.string(reason.message)
            w.optional(reason.subject)
        }
        w.length(vulnerabilities.count)
        for finding in vulnerabilities {
            w.string(finding.id)
            w.strings(finding.aliases)
            w.optional(finding.summary)
            w.string(finding.severity.rawValue)
            w.optional(finding.score)
            w.optional(finding.vector)
            w.strings(finding.fixedVersions)
            w.optional(finding.nearestFix)
            w.bool(finding.isMalicious)
            w.optional(finding.published?.timeIntervalSinceReferenceDate)
            w.optional(finding.modified?.timeIntervalSinceReferenceDate)
            w.strings(finding.references)
        }
        w.bool(risk != nil)
        if let risk {
            w.length(risk.factors.count)
            for factor in risk.factors {
                w.string(factor.name)
                w.optional(factor.score)
                w.string(factor.reason)
            }
            w.optional(risk.composite)
            w.length(risk.failures.count)
            for failure in risk.failures {
                w.string(failure.source)
                w.string(failure.message)
            }
        }
        w.strings(notes)
        return w.bytes
    }

    /// Reads `compact`; nil for anything else (another version, damaged bytes, an unknown action or kind).
    package init?(compact payload: some Collection<UInt8>) {
        let value: CachedVerdict? = Array(payload).withUnsafeBufferPointer { buffer in
            var r = CompactReader(buffer: buffer)
            guard r.byte() == Self.compactVersion, let action = r.string().flatMap(Action.init(rawValue:)),
                let reasonCount = r.length()
            else { return nil }
            var reasons: [Reason] = []
            for _ in 0..<reasonCount {
                guard let kind = r.string().flatMap(Reason.Kind.init(rawValue:)),
                    let reasonAction = r.string().flatMap(Action.init(rawValue:)), let message = r.string(),
                    let subject = r.optional()
                else { return nil }
                reasons.append(Reason(kind: kind, action: reasonAction, message: message, subject: subject))
            }
            guard let findingCount = r.length() else { return nil }
            var findings: [VulnerabilityFinding] = []
            for _ in 0..<findingCount {
                guard let id = r.string(), let aliases = r.strings(), let summary = r.optional(),
                    let severity = r.string().flatMap(Severity.init(rawValue:)), let score = r.optionalDouble(),
                    let vector = r.optional(), let fixed = r.strings(), let nearest = r.optional(),
                    let malicious = r.bool(), let published = r.optionalDouble(), let modified = r.optionalDouble(),
                    let references = r.strings()
                else { return nil }
                findings.append(
                    VulnerabilityFinding(
                        id: id, aliases: aliases, summary: summary, severity: severity, score: score, vector: vector,
                        fixedVersions: fixed, nearestFix: nearest, isMalicious: malicious,
                        published: published.map(Date.init(timeIntervalSinceReferenceDate:)),
                        modified: modified.map(Date.init(timeIntervalSinceReferenceDate:)), references: references))
            }
            guard let hasRisk = r.bool() else { return nil }
            var risk: RiskAssessment?
            if hasRisk {
                guard let factorCount = r.length() else { return nil }
                var factors: [RiskFactor] = []
                for _ in 0..<factorCount {
                    guard let name = r.string(), let score = r.optionalDouble(), let reason = r.string() else {
                        return nil
                    }
                    factors.append(RiskFactor(name: name, score: score, reason: reason))
                }
                guard let composite = r.optionalDouble(), let failureCount = r.length() else { return nil }
                var failures: [SourceFailure] = []
                for _ in 0..<failureCount {
                    guard let source = r.string(), let message = r.string() else { return nil }
                    failures.append(SourceFailure(source: source, message: message))
                }
                risk = RiskAssessment(factors: factors, composite: composite, failures: failures)
            }
            guard let notes = r.strings(), r.atEnd else { return nil }
            return CachedVerdict(
                verdict: Verdict(action: action, reasons: reasons), vulnerabilities: findings, risk: risk, notes: notes)
        }
        guard let value else { return nil }
        self = value
    }
}
