import Foundation

/// `dependency_confusion`: a private name (config `internal_packages`) that exists on the public index is
/// critical: pip may take the public one. A name missing from the public index is a weaker warning: anyone can
/// register it there. Does not apply to other names.
package struct DependencyConfusionFactor: RiskFactorRule {
    package let name = "dependency_confusion"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        let isInternal = input.internalPackages.contains(input.dependency.normalizedName)
        switch input.metadata {
        case .success(.found):
            return isInternal
                ? RiskFactor(
                    name: name, score: 1.0,
                    reason: "internal package \(input.dependency.normalizedName) also exists on the public index")
                : nil
        case .success(.notFound):
            return isInternal
                ? RiskFactor(name: name, score: 0, reason: "internal package, not on the public index")
                : RiskFactor(
                    name: name, score: 0.6,
                    reason:
                        "not on the public index: anyone can register this name there (list it in internal_packages)"
                )
        case .failure(let error):
            return isInternal
                ? RiskFactor(name: name, score: nil, reason: "could not check the public index: \(error)") : nil
        }
    }
}
