import Foundation

/// `typosquatting`: the name imitates a much more popular project (see `TyposquatIndex`). A decisive signal, not a
/// share of the composite:
/// - 1.0 (`Signal.typosquat`, QUARANTINE by default): an obvious squat — a strong look-alike (score at or above
///   `strongShape`) whose project is young or has few releases, or is not on PyPI at all;
/// - 0.6 (`Signal.typosquatWeak`, ALERT by default): weaker shapes, an established project, or a young one owned
///   by a PyPI organization (vetted accounts; with more than a few releases, a vendor's `httpx2`-style fork scores
///   0.3, below both bars);
/// - 0: no look-alike, or the target's own family (the two projects share an owner or the organization).
package struct TyposquattingFactor: RiskFactorRule {
    package static let factorName = "typosquatting"
    package let name = TyposquattingFactor.factorName
    /// Scores at or above these are `typosquat` / `typosquat_weak`.
    package static let strongBar = 0.9
    package static let weakBar = 0.5
    /// A look-alike scoring at or above this in the index is a strong shape.
    package static let strongShape = 0.75
    /// A project first published less than this many days ago is young.
    package static let youngDays = 365
    /// A project with at most this many releases has few.
    package static let fewReleases = 3

    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        let verdict = input.typosquat
        guard let match = verdict.match, verdict.isSquat else {
            if let note = verdict.note, let match = verdict.match {
                return RiskFactor(name: name, score: 0, reason: "resembles \(match.target) but is \(note)")
            }
            return RiskFactor(name: name, score: 0, reason: verdict.note ?? "no popular look-alike")
        }
        let what =
            "\(match.kind.rawValue) of \(match.target) (distance \(match.distance), shape \(format(match.score)))"
        let project = input.project
        if let project, let target = input.targetProject, let shared = Self.sharedOwner(project, target) {
            return RiskFactor(
                name: name, score: 0, reason: "resembles \(match.target), but is its family (\(shared))")
        }
        var standing = "not on PyPI"
        var established = false
        var manyReleases = false
        if let project {
            let releases = project.datedReleases
            let days = releases.first.map { input.days(since: $0.uploaded) }
            standing =
                "\(releases.count) release\(releases.count == 1 ? "" : "s")"
                + (days.map { ", first published \($0) day\($0 == 1 ? "" : "s") ago" } ?? "")
            manyReleases = releases.count > Self.fewReleases
            established = manyReleases && (days ?? 0) >= Self.youngDays
        } else if case .failure = input.metadata {
            standing = "its PyPI metadata unavailable"
        }
        if let organization = project?.ownership?.organization {
            // PyPI organizations are vetted accounts: their look-alike with a history is a vendor's fork.
            return RiskFactor(
                name: name, score: manyReleases ? 0.3 : 0.6,
                reason: "looks like a \(what), but owned by the PyPI organization \(organization); \(standing)")
        }
        let strong = match.score >= Self.strongShape && !established
        return RiskFactor(
            name: name, score: strong ? 1.0 : 0.6,
            reason: "looks like a \(what); \(standing)"
                + (input.targetProject == nil && project != nil ? "; owners of \(match.target) not known" : ""))
    }

    /// The owner or organization two projects share, described; nil when none.
    static func sharedOwner(_ a: PyPIProject, _ b: PyPIProject) -> String? {
        if let org = a.ownership?.organization, let other = b.ownership?.organization,
            org.lowercased() == other.lowercased()
        {
            return "both owned by the organization \(org)"
        }
        let users = Set((a.ownership?.roles ?? []).map { $0.user.lowercased() })
        if let user = (b.ownership?.roles ?? []).map({ $0.user.lowercased() }).first(where: users.contains) {
            return "both maintained by \(user)"
        }
        return nil
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
