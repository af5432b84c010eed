import Foundation

/// `metadata_quality`: throwaway packages skip what real projects fill in: a summary, a description, a homepage or
/// repository URL, classifiers, a licence. The score is the weighted share missing.
package struct MetadataQualityFactor: RiskFactorRule {
    package let name = "metadata_quality"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        if let missing = input.unavailable(name) { return missing }
        guard let info = input.project?.info else { return nil }
        func present(_ s: String?, minimum: Int = 1) -> Bool {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines) else { return false }
            return t.count >= minimum && t.uppercased() != "UNKNOWN"
        }
        let urls = present(info.homePage) || (info.projectURLs?.values.contains { present($0) } ?? false)
        let licence =
            present(info.licenseExpression) || present(info.license)
            || info.classifiers.contains { $0.hasPrefix("License ::") }
        let checks: [(String, Double, Bool)] = [
            ("summary", 0.2, present(info.summary)),
            ("description", 0.25, present(info.description, minimum: 40)),
            ("homepage/repository URL", 0.25, urls),
            ("classifiers", 0.1, !info.classifiers.isEmpty),
            ("licence", 0.2, licence),
        ]
        let missing = checks.filter { !$0.2 }
        let score = missing.reduce(0) { $0 + $1.1 }
        return RiskFactor(
            name: name, score: min(1, score),
            reason: missing.isEmpty
                ? "summary, description, URLs, classifiers and licence present"
                : "missing: " + missing.map(\.0).joined(separator: ", "))
    }
}
