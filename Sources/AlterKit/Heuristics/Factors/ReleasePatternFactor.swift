import Foundation
import PythonPackaging

/// `release_pattern`: the shapes of a new or hijacked project. A first release; a burst of releases within days;
/// a release after a year or more of silence; a large jump of the major version; a yanked release. The score is
/// the strongest signal found around the scanned release.
package struct ReleasePatternFactor: RiskFactorRule {
    package let name = "release_pattern"
    package init() {}

    /// Releases within this many days of each other make a burst…
    static let burstWindowDays = 3.0
    /// …when there are at least this many.
    static let burstSize = 4
    static let dormantDays = 365

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        if let missing = input.unavailable(name) { return missing }
        guard let project = input.project else { return nil }
        let releases = project.datedReleases
        guard let scanned = input.scannedRelease, let position = releases.firstIndex(of: scanned) else {
            return RiskFactor(name: name, score: nil, reason: "the scanned release has no dated files on the index")
        }
        var signals: [(Double, String)] = []
        if scanned.yanked {
            // Maintainers yank broken and malicious releases alike; pip installs one only when pinned to it.
            let why = scanned.files.compactMap(\.yankedReason).first { !$0.isEmpty }
            signals.append((0.7, "\(scanned.version) was yanked" + (why.map { ": \($0)" } ?? "")))
        }
        if releases.count == 1 {
            signals.append((0.6, "the project's first and only release"))
        } else if position == 0 {
            signals.append((0.5, "the project's first release"))
        }
        let windowStart = scanned.uploaded.addingTimeInterval(-Self.burstWindowDays * 86400)
        let burst = releases[...position].filter { $0.uploaded >= windowStart }.count
        if burst >= Self.burstSize {
            signals.append((0.5, "\(burst) releases within \(Int(Self.burstWindowDays)) days"))
        }
        if position > 0 {
            // The run of releases the scanned one belongs to (each within a month of the one before), and the
            // silence before that run: a hijacked dormant project often gets several releases at once.
            var start = position
            while start > 0, releases[start].uploaded.timeIntervalSince(releases[start - 1].uploaded) < 30 * 86400 {
                start -= 1
            }
            if start > 0 {
                let previous = releases[start - 1]
                let gap = Int(releases[start].uploaded.timeIntervalSince(previous.uploaded) / 86400)
                if gap >= Self.dormantDays {
                    signals.append(
                        (0.8, "released after \(gap) days without a release (since \(previous.version))"))
                }
            }
            if let jump = Self.majorJump(from: releases[..<position].map(\.version), to: scanned.version) {
                signals.append((0.6, jump))
            }
        }
        guard let strongest = signals.max(by: { $0.0 < $1.0 }) else {
            let years = input.days(since: releases[0].uploaded) / 365
            return RiskFactor(
                name: name, score: 0.05,
                reason: "regular history: \(releases.count) releases over \(years) year\(years == 1 ? "" : "s")")
        }
        return RiskFactor(name: name, score: strongest.0, reason: signals.map(\.1).joined(separator: "; "))
    }

    /// "major version jumps from 1 to 5" when the scanned major is more than one above every earlier major.
    static func majorJump(from earlier: [String], to version: String) -> String? {
        func major(_ s: String) -> Int? {
            guard let v = try? Version(s), !v.isPrerelease, let first = v.release.first else { return nil }
            return Int(first.description)
        }
        guard let new = major(version) else { return nil }
        let previous = earlier.compactMap(major)
        guard let highest = previous.max() else { return nil }
        // Calendar versions (2024 → 2026) move by years; a jump is within small majors only.
        guard highest < 1000, new > highest + 1 else { return nil }
        return "major version jumps from \(highest) to \(new)"
    }
}
