import Foundation

/// `typosquatting`: the name imitates a popular project (see `TyposquatIndex`). PyPI organizations are vetted
/// accounts, so an organization-owned look-alike (a vendor's `httpx2`-style fork) counts for less.
package struct TyposquattingFactor: RiskFactorRule {
    package let name = "typosquatting"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        let verdict = input.typosquat
        guard let match = verdict.match, verdict.isSquat else {
            if let note = verdict.note, let match = verdict.match {
                return RiskFactor(name: name, score: 0, reason: "resembles \(match.target) but is \(note)")
            }
            return RiskFactor(name: name, score: 0, reason: verdict.note ?? "no popular look-alike")
        }
        let what = "\(match.kind.rawValue) of \(match.target) (distance \(match.distance))"
        if let organization = input.project?.ownership?.organization {
            return RiskFactor(
                name: name, score: match.score * 0.4,
                reason: "\(what), but owned by the PyPI organization \(organization)")
        }
        return RiskFactor(name: name, score: match.score, reason: "looks like a \(what)")
    }
}
