import Foundation
import PythonPackaging

/// Scores packages for heuristic risk. The heuristic engine implements it; the scan engine only asks.
package protocol RiskAssessor: Sendable {
    /// One assessment per dependency (keyed by `RiskKey.of`). A package missing from the answer had no
    /// assessment made (its factors are unknown, which the policy does not read as clean).
    func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment]
    /// Where the metadata came from, for the report's sources.
    var sourceInfo: SourceInfo? { get }
    /// What the assessment of `dependency` depends on beyond its name and version (the artifact's sha256, the
    /// installed files' fingerprint), folded into the verdict cache's key so that other bytes under the same
    /// version are judged afresh. Nil when the assessment depends on name and version alone.
    func contentFingerprint(of dependency: Dependency, mode: PolicyMode) -> String?
    /// Which assessments this assessor makes (`heuristics`, `heuristics-offline`, `code+heuristics` …): part of the
    /// verdict cache's key, so that a verdict made with fewer assessments never answers for a run that makes more.
    var assessmentTag: String { get }
}

extension RiskAssessor {
    package func contentFingerprint(of dependency: Dependency, mode: PolicyMode) -> String? { nil }
    package var assessmentTag: String { String(describing: Self.self) }
}

/// The key a risk assessment is filed under.
package enum RiskKey {
    package static func of(_ dependency: Dependency) -> String {
        "\(dependency.normalizedName)==\(dependency.version ?? "")"
    }
}

/// The whole scan: dependencies in, one verdict per package out. Vulnerabilities for every pinned package in one
/// batched lookup, heuristics for those the policy wants them for, the policy's decision, and the verdict cache
/// in front of the expensive parts. Nothing here prints; the report says which sources answered.
package struct ScanEngine: Sendable {
    package var configuration: Configuration
    package var mode: PolicyMode
    package var vulnerabilities: any VulnerabilitySource
    package var risk: (any RiskAssessor)?
    package var verdictCache: VerdictCache?
    package var clock: any WallClock
    package var diagnostics: any DiagnosticSink

    package init(
        configuration: Configuration, mode: PolicyMode, vulnerabilities: any VulnerabilitySource,
        risk: (any RiskAssessor)?, verdictCache: VerdictCache?, clock: any WallClock,
        diagnostics: any DiagnosticSink
    ) {
        self.configuration = configuration
        self.mode = mode
        self.vulnerabilities = vulnerabilities
        self.risk = risk
        self.verdictCache = verdictCache
        self.clock = clock
        self.diagnostics = diagnostics
    }

    /// Why a dependency cannot be looked up by version, or nil when it can.
    package static func skipReason(_ dependency: Dependency) -> String? {
        if dependency.editable { return "editable requirement: not a released version that advisories can name" }
        guard let version = dependency.version else {
            if let url = dependency.url { return "direct URL reference (\(url)): no version to look up" }
            let spec = dependency.specifier.isEmpty ? "no version" : "specifier \(dependency.specifier)"
            return "not pinned (\(spec)): scan a lockfile, pip's report or the installed environment to check it"
        }
        if (try? Version(version)) == nil { return "version \(version.debugDescription) is not a PEP 440 version" }
        return nil
    }

    /// Scans `dependencies`. `skipped` (from the inventory) are carried into the report.
    package func scan(
        _ dependencies: [Dependency], targets: [String], skipped: [SkippedDependency] = []
    ) async -> ScanReport {
        let now = clock.now()
        var skippedOut = skipped
        // Memory stays proportional to the input with a small factor (a 10 MB requirements file has 660k pins):
        // when nothing is skipped the checkable packages are the caller's array itself (shared, not copied), and
        // every per-package array below is sized once instead of growing by doubling.
        var skipReasons: [Int: String] = [:]
        for (index, dependency) in dependencies.enumerated() {
            if let reason = Self.skipReason(dependency) { skipReasons[index] = reason }
        }
        let checkable: [Dependency]
        if skipReasons.isEmpty {
            checkable = dependencies
        } else {
            var lookedUp: [Dependency] = []
            lookedUp.reserveCapacity(dependencies.count - skipReasons.count)
            for (index, dependency) in dependencies.enumerated() {
                if let reason = skipReasons[index] {
                    skippedOut.append(SkippedDependency(dependency: dependency, reason: reason))
                } else {
                    lookedUp.append(dependency)
                }
            }
            checkable = lookedUp
        }
        let queries = Array(Set(checkable.map(Self.query))).sorted()
        let policyFingerprint = configuration.fingerprint
        let mode = mode
        let contents = checkable.map { risk?.contentFingerprint(of: $0, mode: mode) }
        // Which assessments ran is part of the key: a `--no-heuristics` verdict never answers for a full scan.
        let assessmentTag = "|assess:" + (risk?.assessmentTag ?? "none")
        @Sendable func key(_ index: Int, data: String) -> VerdictCache.Key {
            let query = Self.query(checkable[index])
            return VerdictCache.Key(
                name: query.name, version: query.version, mode: mode, policy: policyFingerprint,
                data: data + assessmentTag + (contents[index].map { "|content:" + $0 } ?? ""))
        }

        // A query whose every dependency has a cached verdict under the advisory data the source lists for it is
        // answered from the cache: the source then fetches and matches no records for it (a warm scan).
        var indexesByQuery: [PackageQuery: [Int]] = [:]
        for (index, dependency) in checkable.enumerated() {
            indexesByQuery[Self.query(dependency), default: []].append(index)
        }
        let reads = VerdictReads()
        let lookup: VulnerabilityLookup
        if let cache = verdictCache {
            let indexesByQuery = indexesByQuery
            lookup = await vulnerabilities.lookup(queries) { query, fingerprint in
                guard let indexes = indexesByQuery[query] else { return false }
                for index in indexes {
                    let key = key(index, data: fingerprint)
                    let answer: CachedVerdict?
                    do {
                        answer = try cache.lookup(key, now: now)
                    } catch {
                        return false  // read again below, where the failure is reported
                    }
                    reads.record(key, answer)
                    if answer == nil { return false }
                }
                return true
            }
        } else {
            lookup = await vulnerabilities.lookup(queries)
        }

        // The verdict cache answers for packages whose advisory data is unchanged under this policy (each key read
        // once: the answers read while the source listed advisories are reused).
        var cached: [Int: CachedVerdict] = [:]
        var keys = [VerdictCache.Key?](repeating: nil, count: checkable.count)
        for (index, dependency) in checkable.enumerated() {
            let query = Self.query(dependency)
            guard case .success = lookup.results[query], let data = lookup.fingerprints[query] else { continue }
            let key = key(index, data: data)
            keys[index] = key
            if let answer = reads.answer(for: key) {
                cached[index] = answer
                continue
            }
            if let cache = verdictCache {
                do {
                    if let hit = try cache.lookup(key, now: now) { cached[index] = hit }
                } catch {
                    diagnostics.warning("verdict cache unreadable, computing afresh: \(error)")
                }
            }
        }

        // Heuristics for what the cache did not answer and the allowlist does not exempt.
        var assessments: [String: RiskAssessment] = [:]
        if let risk {
            let wanted = checkable.enumerated().filter { index, dependency in
                cached[index] == nil && !PolicyEngine.skipsHeuristics(dependency, config: configuration)
            }.map(\.element)
            if !wanted.isEmpty { assessments = await risk.assess(wanted, mode: mode) }
        }

        var results: [PackageResult] = []
        results.reserveCapacity(checkable.count)
        var toStore: [(CachedVerdict, VerdictCache.Key, Date?)] = []
        for (index, dependency) in checkable.enumerated() {
            if let hit = cached[index] {
                results.append(
                    PackageResult(
                        dependency: dependency, vulnerabilities: hit.vulnerabilities, risk: hit.risk,
                        verdict: hit.verdict))
                continue
            }
            let query = Self.query(dependency)
            var findings: [VulnerabilityFinding] = []
            var failures: [SourceFailure] = []
            switch lookup.results[query] {
            case .success(let found): findings = found
            case .failure(let failure): failures.append(failure)
            case nil:
                failures.append(
                    SourceFailure(source: lookup.sourceInfo.name, message: "no answer for \(query)"))
            }
            let assessment = assessments[RiskKey.of(dependency)]
            // Metadata the heuristics could not get is a source that could not answer, like an advisory source.
            failures += assessment?.failures ?? []
            let decision = PolicyEngine.decide(
                dependency: dependency, vulnerabilities: findings, risk: assessment, failures: failures,
                config: configuration, mode: mode, now: now)
            for note in decision.notes { diagnostics.warning("\(dependency.name): \(note)") }
            results.append(
                PackageResult(
                    dependency: dependency, vulnerabilities: findings, risk: assessment, verdict: decision.verdict,
                    failures: failures))
            // Only complete answers are cached: a failure, or a risk assessment with unknown factors, is recomputed.
            if let key = keys[index], verdictCache != nil, failures.isEmpty, assessment?.unknownFactors.isEmpty ?? true
            {
                toStore.append(
                    (
                        CachedVerdict(
                            verdict: decision.verdict, vulnerabilities: findings, risk: assessment,
                            notes: decision.notes), key, decision.validUntil
                    ))
            }
        }
        // One transaction for the whole scan's new verdicts (one commit, not one per package).
        if let cache = verdictCache, !toStore.isEmpty {
            do {
                try cache.database.transaction {
                    for (value, key, validUntil) in toStore {
                        try cache.store(
                            value, for: key, now: now, ttl: configuration.verdictTTL, validUntil: validUntil)
                    }
                }
            } catch {
                diagnostics.warning("verdict cache not updated: \(error)")
            }
        }
        var sources = [lookup.sourceInfo]
        if checkable.isEmpty {
            // Nothing pinned to look up: the source was never asked, and the report must not suggest it answered.
            sources[0].note = "not queried: no pinned package to look up"
            sources[0].dataDate = nil
        }
        if let info = risk?.sourceInfo { sources.append(info) }
        // Every report names the policy files it applied, and what of an untrusted one it ignored.
        for file in configuration.policyFiles {
            sources.append(SourceInfo(name: "policy", location: file.path, note: file.summary))
        }
        return ScanReport(
            toolVersion: AlterKSVersion.current, generatedAt: now, targets: targets, sources: sources,
            results: results, skipped: skippedOut)
    }

    static func query(_ dependency: Dependency) -> PackageQuery {
        PackageQuery(name: dependency.normalizedName, version: dependency.version ?? "")
    }
}

/// Verdict-cache answers read while the source was listing advisories (a hit, or nil for a miss), so that the
/// engine reads no key twice. Filled from the source's tasks.
private final class VerdictReads: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [VerdictCache.Key: CachedVerdict?] = [:]

    func record(_ key: VerdictCache.Key, _ answer: CachedVerdict?) {
        lock.lock()
        answers[key] = answer
        lock.unlock()
    }

    /// `.some(nil)` for a key read and missed, nil for a key not read.
    func answer(for key: VerdictCache.Key) -> CachedVerdict?? {
        lock.lock()
        defer { lock.unlock() }
        return answers[key]
    }
}
