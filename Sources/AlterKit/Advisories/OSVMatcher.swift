import Foundation
import PythonPackaging

/// Decides which OSV records affect a PyPI package version, exactly as the OSV schema's evaluation algorithm says
/// (https://ossf.github.io/osv-schema/#evaluation), with PEP 440 ordering for `ECOSYSTEM` ranges.
///
/// - Only `affected[]` entries of ecosystem `PyPI` whose PEP 503-normalised name matches are considered.
/// - A version is affected when it is listed in `versions` (PEP 440 equality; plain string equality when either side
///   is not a PEP 440 version) or lies inside an `ECOSYSTEM` range. `GIT` and `SEMVER` ranges are not PyPI version
///   ranges and are ignored. Withdrawn records never match.
/// - Events are evaluated in PEP 440 order; `introduced: "0"` sorts before every version. Events at equal versions
///   are ordered `fixed`, `introduced`, `last_affected`, so that adjacent ranges (`fixed: 3.1.1`, `introduced: 3.1.1`)
///   leave the shared bound affected, as their author meant.
/// - Bad input fails closed: an `introduced` that is not a PEP 440 version counts as `"0"`; a `fixed` or
///   `last_affected` that is not one is ignored (the range stays open); such a `limit` counts as `"*"`. A scanned version that is not a
///   PEP 440 version can only match through `versions`.
package struct OSVMatcher: Sendable {
    /// Records by normalised package name, with their entries for that name prepared for evaluation.
    private let index: [String: [PreparedRecord]]

    /// Indexes `records` (every ecosystem may be present; only PyPI entries are kept). Withdrawn records are dropped.
    package init(records: [OSVRecord]) {
        var index: [String: [PreparedRecord]] = [:]
        for record in records where !record.isWithdrawn {
            var byName: [String: [PreparedAffected]] = [:]
            for entry in record.affected where entry.package.ecosystem == OSVMatcher.ecosystem {
                byName[PackageName.normalize(entry.package.name), default: []].append(PreparedAffected(entry))
            }
            for (name, entries) in byName {
                index[name, default: []].append(PreparedRecord(record: record, entries: entries))
            }
        }
        self.index = index
    }

    /// The OSV ecosystem name of PyPI.
    package static let ecosystem = "PyPI"

    /// Every non-withdrawn record that names `name` (normalised here), whatever the version.
    package func records(forPackage name: String) -> [OSVRecord] {
        (index[PackageName.normalize(name)] ?? []).map(\.record)
    }

    /// The records affecting `version` of `name`, sorted by id.
    package func matchingRecords(name: String, version: String) -> [OSVRecord] {
        let scanned = ScannedVersion(version)
        return (index[PackageName.normalize(name)] ?? [])
            .filter { prepared in prepared.entries.contains { $0.affects(scanned) } }
            .map(\.record)
            .sorted { $0.id < $1.id }
    }

    /// Whether `record` affects `version` of `name`: the OSV evaluation algorithm for one record.
    package static func affects(_ record: OSVRecord, name: String, version: String) -> Bool {
        guard !record.isWithdrawn else { return false }
        let normalized = PackageName.normalize(name)
        let scanned = ScannedVersion(version)
        return record.affected.contains { entry in
            entry.package.ecosystem == ecosystem && PackageName.normalize(entry.package.name) == normalized
                && PreparedAffected(entry).affects(scanned)
        }
    }

    /// Real PEP 440 versions from the `fixed` events of `record`'s ECOSYSTEM ranges for `name`, sorted ascending,
    /// without duplicates. Commit ids and other non-versions are left out.
    package static func fixedVersions(_ record: OSVRecord, name: String) -> [Version] {
        let normalized = PackageName.normalize(name)
        var fixes: [Version] = []
        for entry in record.affected
        where entry.package.ecosystem == ecosystem && PackageName.normalize(entry.package.name) == normalized {
            for range in entry.ranges where range.type == "ECOSYSTEM" {
                for event in range.events where event.kind == .fixed {
                    if let version = try? Version(event.version) { fixes.append(version) }
                }
            }
        }
        return uniqueSorted(fixes)
    }

    /// The affected intervals of `record` for `name` (from ECOSYSTEM ranges) and its explicitly listed versions, for
    /// constraints generation. Points listed in `versions` that are not PEP 440 versions are returned separately.
    package static func affectedSet(_ record: OSVRecord, name: String) -> AffectedSet {
        var set = AffectedSet()
        guard !record.isWithdrawn else { return set }
        let normalized = PackageName.normalize(name)
        for entry in record.affected
        where entry.package.ecosystem == ecosystem && PackageName.normalize(entry.package.name) == normalized {
            let prepared = PreparedAffected(entry)
            for range in prepared.ranges { set.intervals += range.intervals() }
            for listed in prepared.versions {
                if let version = listed.parsed {
                    set.points.append(version)
                } else {
                    set.unparseable.append(listed.raw)
                }
            }
        }
        return set
    }

    /// What the offline match index keeps of `record` for the package `name`: its ECOSYSTEM ranges, compiled (one
    /// line each, `PreparedRange.encoded`), and the keys of its listed versions (`versionKey`). The record affects
    /// a version exactly when the version's key is among the keys or a range includes it: the same answer as
    /// `matchingRecords`. Withdrawn records compile to nothing (they never match).
    package static func compile(_ record: OSVRecord, name: String) -> (ranges: [String], versionKeys: Set<String>) {
        guard !record.isWithdrawn else { return ([], []) }
        let normalized = PackageName.normalize(name)
        var ranges: [String] = []
        var keys = Set<String>()
        for entry in record.affected
        where entry.package.ecosystem == ecosystem && PackageName.normalize(entry.package.name) == normalized {
            let prepared = PreparedAffected(entry)
            ranges += prepared.ranges.map(\.encoded)
            for listed in prepared.versions { keys.insert(versionKey(raw: listed.raw, parsed: listed.parsed)) }
        }
        return (ranges, keys)
    }

    /// The index key of a version: its canonical PEP 440 form without trailing release zeros (two versions have the
    /// same key exactly when they are PEP 440 equal), or its text when it is not a PEP 440 version.
    package static func versionKey(raw: String, parsed: Version?) -> String {
        parsed.map { "v:" + $0.canonicalString() } ?? "r:" + raw
    }

    static func uniqueSorted(_ versions: [Version]) -> [Version] {
        var out: [Version] = []
        for version in versions.sorted() where out.last != version { out.append(version) }
        return out
    }
}

/// The versions one record marks affected for one package: intervals from ranges and listed points.
package struct AffectedSet: Sendable, Hashable {
    package var intervals: [VersionInterval] = []
    package var points: [Version] = []
    /// `versions` entries that are not PEP 440 versions (matched by string only; no specifier can name them).
    package var unparseable: [String] = []

    package func contains(_ version: Version) -> Bool {
        intervals.contains { $0.contains(version) } || points.contains(version)
    }
}

/// A lower bound: below every version (`introduced: "0"`), or a version (inclusive).
package enum LowerBound: Sendable, Hashable {
    case minimum
    case atLeast(Version)
}

/// An upper bound: none, a version excluded (`fixed`, `limit`) or included (`last_affected`).
package enum UpperBound: Sendable, Hashable {
    case unbounded
    case below(Version)
    case atMost(Version)
}

/// A contiguous run of affected versions.
package struct VersionInterval: Sendable, Hashable {
    package var lower: LowerBound
    package var upper: UpperBound

    package init(lower: LowerBound, upper: UpperBound) {
        self.lower = lower
        self.upper = upper
    }

    package func contains(_ version: Version) -> Bool {
        switch lower {
        case .minimum: break
        case .atLeast(let bound): if version < bound { return false }
        }
        switch upper {
        case .unbounded: return true
        case .below(let bound): return version < bound
        case .atMost(let bound): return version <= bound
        }
    }
}

/// A version being scanned: parsed when it is PEP 440, and its text for string matching against `versions`.
struct ScannedVersion {
    let raw: String
    let parsed: Version?

    init(_ raw: String) {
        self.raw = raw
        self.parsed = try? Version(raw)
    }
}

/// A record and its `affected[]` entries for one package name.
struct PreparedRecord: Sendable {
    let record: OSVRecord
    let entries: [PreparedAffected]
}

/// One `affected[]` entry with its versions parsed and its ECOSYSTEM ranges sorted, ready to evaluate.
struct PreparedAffected: Sendable {
    struct Listed: Sendable {
        let raw: String
        let parsed: Version?
    }

    let versions: [Listed]
    /// The listed versions that are PEP 440 (hashed by PEP 440 equality) and the raw text of those that are not.
    let parsedVersions: Set<Version>
    let rawVersions: Set<String>
    let ranges: [PreparedRange]

    init(_ entry: OSVAffected) {
        versions = entry.versions.map { Listed(raw: $0, parsed: try? Version($0)) }
        parsedVersions = Set(versions.compactMap(\.parsed))
        rawVersions = Set(versions.filter { $0.parsed == nil }.map(\.raw))
        ranges = entry.ranges.filter { $0.type == "ECOSYSTEM" }.map(PreparedRange.init)
    }

    /// `IncludedInVersions(v) || IncludedInRanges(v)`.
    func affects(_ scanned: ScannedVersion) -> Bool {
        guard let version = scanned.parsed else { return rawVersions.contains(scanned.raw) }
        return parsedVersions.contains(version) || ranges.contains { $0.includes(version) }
    }
}

/// One ECOSYSTEM range: its events in evaluation order, and its limits.
struct PreparedRange: Sendable {
    enum Step: Sendable {
        case introduced(LowerBound)
        case fixed(Version)
        case lastAffected(Version)
    }

    let steps: [Step]
    /// Parsed `limit` events; empty means the implicit `"*"`.
    let limits: [Version]

    init(_ range: OSVRange) {
        var keyed: [(order: LowerBound, tie: Int, step: Step)] = []
        var limits: [Version] = []
        var infinite = false
        for event in range.events {
            switch event.kind {
            case .introduced:
                // "0" is below everything; an unparseable introduced fails closed the same way.
                let bound: LowerBound =
                    event.version == "0" ? .minimum : ((try? Version(event.version)).map { .atLeast($0) } ?? .minimum)
                keyed.append((bound, 1, .introduced(bound)))
            case .fixed:
                if let version = try? Version(event.version) { keyed.append((.atLeast(version), 0, .fixed(version))) }
            case .lastAffected:
                if let version = try? Version(event.version) {
                    keyed.append((.atLeast(version), 2, .lastAffected(version)))
                }
            case .limit:
                // "*" is infinity; a limit we cannot read might be the largest one, so it fails closed the same way.
                if !event.version.contains("*"), let version = try? Version(event.version) {
                    limits.append(version)
                } else {
                    infinite = true
                }
            }
        }
        keyed.sort { a, b in
            if a.order != b.order { return PreparedRange.precedes(a.order, b.order) }
            return a.tie < b.tie
        }
        steps = keyed.map(\.step)
        self.limits = limits
        hasInfiniteLimit = infinite
    }

    /// Rebuilds a range from `encoded`; nil when the text is not one.
    init?(encoded: Substring, parse: (Substring) -> Version?) {
        var steps: [Step] = []
        var limits: [Version] = []
        var infinite = false
        for token in encoded.split(separator: " ") {
            let value = token.dropFirst(2)
            switch token.prefix(2) {
            case "i": steps.append(.introduced(.minimum))
            case "i:":
                guard let version = parse(value) else { return nil }
                steps.append(.introduced(.atLeast(version)))
            case "f:":
                guard let version = parse(value) else { return nil }
                steps.append(.fixed(version))
            case "l:":
                guard let version = parse(value) else { return nil }
                steps.append(.lastAffected(version))
            case "L:":
                guard let version = parse(value) else { return nil }
                limits.append(version)
            case "L*": infinite = true
            default: return nil
            }
        }
        self.steps = steps
        self.limits = limits
        hasInfiniteLimit = infinite
    }

    /// The steps in evaluation order and the limits, as one line of space-separated tokens (`i`, `i:V`, `f:V`,
    /// `l:V`, `L:V`, `L*`; canonical PEP 440 versions contain no space).
    var encoded: String {
        var tokens: [String] = steps.map { step in
            switch step {
            case .introduced(.minimum): "i"
            case .introduced(.atLeast(let version)): "i:\(version)"
            case .fixed(let version): "f:\(version)"
            case .lastAffected(let version): "l:\(version)"
            }
        }
        tokens += limits.map { "L:\($0)" }
        if hasInfiniteLimit { tokens.append("L*") }
        return tokens.joined(separator: " ")
    }

    /// A `limit: "*"` (infinity) was present: no upper limit applies whatever the other limits say.
    let hasInfiniteLimit: Bool

    static func precedes(_ a: LowerBound, _ b: LowerBound) -> Bool {
        switch (a, b) {
        case (.minimum, .minimum): false
        case (.minimum, _): true
        case (_, .minimum): false
        case (.atLeast(let x), .atLeast(let y)): x < y
        }
    }

    /// `BeforeLimits(v) && vulnerable after walking the sorted events`, as the schema's pseudocode.
    func includes(_ version: Version) -> Bool {
        guard beforeLimits(version) else { return false }
        var vulnerable = false
        for step in steps {
            switch step {
            case .introduced(.minimum): vulnerable = true
            case .introduced(.atLeast(let bound)): if version >= bound { vulnerable = true }
            case .fixed(let bound): if version >= bound { vulnerable = false }
            case .lastAffected(let bound): if version > bound { vulnerable = false }
            }
        }
        return vulnerable
    }

    func beforeLimits(_ version: Version) -> Bool {
        if limits.isEmpty || hasInfiniteLimit { return true }
        return limits.contains { version < $0 }
    }

    /// The same set as `includes`, as intervals. Sorted events fire as a prefix for any version, so the state only
    /// changes at event bounds: walk them and cut an interval at each affected → unaffected transition.
    func intervals() -> [VersionInterval] {
        var out: [VersionInterval] = []
        var start: LowerBound? = nil
        for step in steps {
            switch step {
            case .introduced(let bound):
                if start == nil { start = bound }
            case .fixed(let bound):
                if let lower = start {
                    out.append(VersionInterval(lower: lower, upper: .below(bound)))
                    start = nil
                }
            case .lastAffected(let bound):
                if let lower = start {
                    out.append(VersionInterval(lower: lower, upper: .atMost(bound)))
                    start = nil
                }
            }
        }
        if let lower = start { out.append(VersionInterval(lower: lower, upper: .unbounded)) }
        guard !limits.isEmpty, !hasInfiniteLimit, let limit = limits.max() else { return out }
        // Before the largest limit: clip every interval to < limit.
        return out.compactMap { interval in
            if case .atLeast(let lower) = interval.lower, lower >= limit { return nil }
            switch interval.upper {
            case .unbounded: return VersionInterval(lower: interval.lower, upper: .below(limit))
            case .below(let bound): return VersionInterval(lower: interval.lower, upper: .below(min(bound, limit)))
            case .atMost(let bound):
                return bound < limit ? interval : VersionInterval(lower: interval.lower, upper: .below(limit))
            }
        }
    }
}
