import Foundation

/// `provenance`: PEP 740 attestations. Present on earlier releases but missing on this one is the shape of a
/// stolen token used outside the project's trusted publisher; a different publisher than before is as bad.
/// Present and consistent is reassurance. Absent everywhere is the common case and only a mild signal.
package struct ProvenanceFactor: RiskFactorRule {
    package let name = "provenance"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        if let missing = input.unavailable(name) { return missing }
        guard let scanned = input.provenance.first else {
            return RiskFactor(name: name, score: nil, reason: "attestations not checked")
        }
        let earlier = input.provenance.dropFirst()
        let earlierPublishers = earlier.compactMap { check -> [String]? in
            if case .present(let publishers) = check.outcome { return publishers }
            return nil
        }
        switch scanned.outcome {
        case .failed(let message):
            return RiskFactor(name: name, score: nil, reason: "Integrity API unavailable: \(message)")
        case .absent:
            if let attested = earlier.first(where: {
                if case .present = $0.outcome { return true }
                return false
            }) {
                return RiskFactor(
                    name: name, score: 0.9,
                    reason: "\(scanned.version) has no attestations but \(attested.version) had them")
            }
            if earlier.contains(where: {
                if case .failed = $0.outcome { return true }
                return false
            }) {
                return RiskFactor(
                    name: name, score: nil,
                    reason: "\(scanned.version) has no attestations; earlier releases could not be checked")
            }
            return RiskFactor(
                name: name, score: 0.2,
                reason: "no attestations on \(scanned.version)"
                    + (earlier.isEmpty
                        ? "" : " nor on \(earlier.count) earlier release file\(earlier.count == 1 ? "" : "s")"))
        case .present(let publishers):
            let before = Set(earlierPublishers.flatMap { $0 })
            if !before.isEmpty, !publishers.isEmpty, before.isDisjoint(with: publishers) {
                return RiskFactor(
                    name: name, score: 0.8,
                    reason: "attested by \(publishers.joined(separator: ", ")), earlier releases by "
                        + before.sorted().joined(separator: ", "))
            }
            return RiskFactor(
                name: name, score: 0,
                reason: "PEP 740 attestations present"
                    + (publishers.isEmpty ? "" : " (\(publishers.joined(separator: ", ")))")
                    + (before.isEmpty ? "" : ", consistent with earlier releases"))
        }
    }
}
