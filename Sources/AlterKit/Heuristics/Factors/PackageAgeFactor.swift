import Foundation

/// `package_age`: a project first published days ago, or a release published hours ago, has not been looked at by
/// anyone yet. The score is the larger of the project's and the release's.
package struct PackageAgeFactor: RiskFactorRule {
    package let name = "package_age"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        if let missing = input.unavailable(name) { return missing }
        guard let project = input.project, let first = project.datedReleases.first else {
            return RiskFactor(name: name, score: nil, reason: "no release has a dated file")
        }
        let projectDays = input.days(since: first.uploaded)
        let projectScore: Double =
            switch projectDays {
            case ..<7: 1.0
            case ..<30: 0.8
            case ..<90: 0.6
            case ..<365: 0.35
            case ..<730: 0.15
            default: 0.0
            }
        var reason = "project first published \(projectDays) day\(projectDays == 1 ? "" : "s") ago"
        var score = projectScore
        if let release = input.scannedRelease {
            let releaseDays = input.days(since: release.uploaded)
            let releaseScore: Double =
                switch releaseDays {
                case ..<2: 0.5
                case ..<7: 0.3
                default: 0.0
                }
            score = max(score, releaseScore)
            reason += "; \(release.version) published \(releaseDays) day\(releaseDays == 1 ? "" : "s") ago"
        } else if let version = input.dependency.version {
            reason += "; \(version) is not a release on the index"
        }
        return RiskFactor(name: name, score: score, reason: reason)
    }
}
