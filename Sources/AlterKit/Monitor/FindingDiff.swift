import Foundation

/// Turns scan reports into the findings the monitor tracks, and compares them with the previous run.
package enum FindingDiff {
    /// The trackable findings of one target's report: each vulnerability (malicious records apart) of each
    /// package, and each risk factor the verdict names. Packages whose sources failed are returned apart:
    /// their previous findings must be carried over, not read as resolved.
    package static func findings(of report: ScanReport, target: String) -> (
        findings: [MonitorFinding], failedPackages: Set<String>
    ) {
        var out: [MonitorFinding] = []
        var failed: Set<String> = []
        for result in report.results {
            let dep = result.dependency
            let version = dep.version ?? ""
            if !result.failures.isEmpty { failed.insert(packageKey(dep.normalizedName, version)) }
            for vuln in result.vulnerabilities {
                out.append(
                    MonitorFinding(
                        kind: vuln.isMalicious ? "malicious" : "vulnerability", target: target,
                        package: dep.normalizedName, version: version, id: vuln.id, aliases: vuln.aliases,
                        action: result.verdict.action, severity: vuln.severity, summary: vuln.summary,
                        fixedIn: vuln.nearestFix))
            }
            for reason in result.verdict.reasons where reason.kind == .risk || reason.kind == .code {
                out.append(
                    MonitorFinding(
                        kind: "risk", target: target, package: dep.normalizedName, version: version,
                        id: reason.subject ?? reason.kind.rawValue, action: result.verdict.action,
                        summary: reason.message))
            }
        }
        return (out.sorted { $0.key < $1.key }, failed)
    }

    package static func packageKey(_ name: String, _ version: String) -> String { "\(name)@\(version)" }

    /// New and resolved findings between `previous` and `current` for one target. Findings of packages in
    /// `failedPackages` are carried over from `previous` (unknown is not resolved). A package whose verdict
    /// got stricter without a new finding to explain it (a risk score that rose, a policy change) gets a `verdict`
    /// finding in `new`.
    package static func diff(
        previous: [MonitorFinding], previousVerdicts: [String: Action], current: [MonitorFinding],
        currentVerdicts: [String: Action], failedPackages: Set<String>, target: String
    ) -> (new: [MonitorFinding], resolved: [MonitorFinding], kept: [MonitorFinding]) {
        let carried = previous.filter { failedPackages.contains(packageKey($0.package, $0.version)) }
        var currentByKey: [String: MonitorFinding] = [:]
        for finding in current where !failedPackages.contains(packageKey(finding.package, finding.version)) {
            currentByKey[finding.key] = finding
        }
        for finding in carried { currentByKey[finding.key] = currentByKey[finding.key] ?? finding }
        let previousKeys = Set(previous.map(\.key))
        var new = currentByKey.values.filter { !previousKeys.contains($0.key) }
        let resolved = previous.filter {
            currentByKey[$0.key] == nil && !failedPackages.contains(packageKey($0.package, $0.version))
        }
        // A stricter verdict already explained by a new finding on the same package is not reported twice.
        let explained = Set(new.map { packageKey($0.package, $0.version) })
        for (package, action) in currentVerdicts where !explained.contains(package) {
            guard let before = previousVerdicts[package], action > before else { continue }
            let parts = package.split(separator: "@", maxSplits: 1).map(String.init)
            new.append(
                MonitorFinding(
                    kind: "verdict", target: target, package: parts[0], version: parts.count > 1 ? parts[1] : "",
                    id: action.rawValue, action: action, summary: "verdict went from \(before) to \(action)",
                    previousAction: before))
        }
        return (
            new.sorted { $0.key < $1.key }, resolved.sorted { $0.key < $1.key },
            currentByKey.values.sorted { $0.key < $1.key }
        )
    }

    /// The verdict of every package of a report, keyed `name@version`.
    package static func verdicts(of report: ScanReport) -> [String: Action] {
        var out: [String: Action] = [:]
        for result in report.results where result.failures.isEmpty {
            out[packageKey(result.dependency.normalizedName, result.dependency.version ?? "")] = result.verdict.action
        }
        return out
    }
}
