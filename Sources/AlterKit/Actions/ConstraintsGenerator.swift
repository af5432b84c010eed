import Foundation
import PythonPackaging

/// One line of a pip constraints file: a package and the specifier that keeps every blocked version out.
package struct ConstraintLine: Sendable, Hashable {
    /// PEP 503-normalised.
    package var name: String
    /// `>=3.2.25,!=4.0.1,<5`; empty when nothing PEP 440 can name is affected (see `note`).
    package var specifier: String
    /// The ids of the records the line excludes versions for, sorted.
    package var ids: [String]
    /// Anything the specifier cannot express (listed versions that are not PEP 440).
    package var note: String?

    package init(name: String, specifier: String, ids: [String], note: String? = nil) {
        self.name = name
        self.specifier = specifier
        self.ids = ids
        self.note = note
    }

    /// The line as pip reads it; the comment names the ids.
    package var text: String {
        let comment = ids.joined(separator: ", ") + (note.map { "; \($0)" } ?? "")
        return specifier.isEmpty ? "# \(name): \(comment)" : "\(name)\(specifier)  # \(comment)"
    }
}

/// The tightest correct pip constraints that keep out every version affected by the blocking vulnerabilities.
///
/// Per package, over the versions the advisory data knows (every `versions` entry and range bound of the package's
/// records, plus any releases the caller adds):
/// - `>=X` when every version below X is affected: a range starts at "0" and every known version below X is
///   affected (X the first known unaffected version); `>X` when that holds up to the last known version X;
/// - `<Y` when every version from Y up is affected (a range with no fix);
/// - `!=v` for every other affected version (islands: an OR of ranges is not expressible as one specifier set);
/// - `<0` when every version is affected (nothing may be installed).
/// Versions inside an affected range that the data does not list cannot be named by `!=`; pass PyPI's release list
/// as `knownVersions` to cover them.
package enum ConstraintsGenerator {
    /// The constraint for one package; nil when none of its records is blocking.
    /// - Parameters:
    ///   - records: the package's advisory records, for every version (not just the installed one).
    ///   - blocking: ids (any id or alias of a record) whose vulnerabilities act at block or quarantine.
    ///   - knownVersions: further released versions of the package (e.g. from PyPI), to find islands precisely.
    package static func constraint(
        for name: String, records: [OSVRecord], blocking: Set<String>, knownVersions: [String] = []
    ) -> ConstraintLine? {
        let normalized = PackageName.normalize(name)
        let blockingRecords = records.filter { record in
            !record.isWithdrawn && !blocking.isDisjoint(with: [record.id] + record.aliases)
                && record.affected.contains {
                    $0.package.ecosystem == OSVMatcher.ecosystem && PackageName.normalize($0.package.name) == normalized
                }
        }
        guard !blockingRecords.isEmpty else { return nil }

        var affected = AffectedSet()
        for record in blockingRecords {
            let set = OSVMatcher.affectedSet(record, name: normalized)
            affected.intervals += set.intervals
            affected.points += set.points
            affected.unparseable += set.unparseable
        }

        // Every version the data knows of, from all the package's records (blocking or not) and the caller.
        var known: [Version] = knownVersions.compactMap { try? Version($0) }
        for record in records {
            let set = OSVMatcher.affectedSet(record, name: normalized)
            known += set.points
            for interval in set.intervals {
                if case .atLeast(let v) = interval.lower { known.append(v) }
                switch interval.upper {
                case .unbounded: break
                case .below(let v), .atMost(let v): known.append(v)
                }
            }
        }
        known = OSVMatcher.uniqueSorted(known)

        let ids = blockingRecords.map(\.id).sorted()
        let unparseable = Set(affected.unparseable).sorted()
        let note =
            unparseable.isEmpty
            ? nil : "not expressible (not PEP 440): \(unparseable.joined(separator: " "))"

        // Everything from `ceiling` up is affected (the lowest start of a range with no end).
        var ceiling: Version? = nil
        for interval in affected.intervals where interval.upper == .unbounded {
            switch interval.lower {
            case .minimum:
                return ConstraintLine(name: normalized, specifier: "<0", ids: ids, note: note ?? "every version")
            case .atLeast(let v):
                if ceiling.map({ v < $0 }) ?? true { ceiling = v }
            }
        }
        // The known versions below the open range. When the affected set starts at the very bottom (a range from
        // "0"), the first unaffected one is the floor (`>=`); when every one of them is affected, nothing known is
        // safe if the range above is open, else the floor is `>` the last one. Without such a range, versions below
        // the first affected one may be safe: only `!=` then. Bounds take no local segment.
        let below = known.filter { version in ceiling.map { version < $0 } ?? true }
        let anchored = affected.intervals.contains { $0.lower == .minimum }
        let prefixEnd = below.firstIndex { !affected.contains($0) } ?? below.endIndex
        var floor: String? = nil
        var firstKept = below.startIndex
        if anchored, prefixEnd == below.endIndex, let last = below.last {
            if ceiling != nil {
                return ConstraintLine(name: normalized, specifier: "<0", ids: ids, note: note ?? "every known version")
            }
            if last.publicVersion == last {
                floor = ">\(last)"
                firstKept = below.endIndex
            }
        } else if anchored, prefixEnd < below.endIndex, below[prefixEnd].publicVersion == below[prefixEnd] {
            // Every range bound is a known version, so the range from "0" reaches at least the first unaffected one.
            floor = ">=\(below[prefixEnd])"
            firstKept = prefixEnd
        }
        var parts: [String] = []
        if let floor { parts.append(floor) }
        for version in below[firstKept...] where affected.contains(version) { parts.append("!=\(version)") }
        if let ceiling { parts.append("<\(ceiling.publicVersion)") }
        return ConstraintLine(name: normalized, specifier: parts.joined(separator: ","), ids: ids, note: note)
    }

    /// Constraints for several packages (name → all its records), one line per package that has a blocking
    /// vulnerability, sorted by name.
    package static func generate(
        _ packages: [String: [OSVRecord]], blocking: Set<String>, knownVersions: [String: [String]] = [:]
    ) -> [ConstraintLine] {
        packages.compactMap { name, records in
            constraint(
                for: name, records: records, blocking: blocking,
                knownVersions: knownVersions[PackageName.normalize(name)] ?? knownVersions[name] ?? [])
        }.sorted { $0.name < $1.name }
    }

    /// A constraints file: a header comment, then one line per package.
    package static func render(_ lines: [ConstraintLine], header: [String] = []) -> String {
        (header.map { "# \($0)" } + lines.map(\.text)).map { $0 + "\n" }.joined()
    }
}
