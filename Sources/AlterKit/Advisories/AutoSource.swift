import Foundation

/// The default source: the OSV API, and for every package the API could not answer, the offline database —
/// saying so in `SourceInfo.note` with the database's date. Packages neither could answer stay failures.
package struct AutoSource: VulnerabilitySource {
    let primary: any VulnerabilitySource
    let fallback: any VulnerabilitySource

    package init(primary: any VulnerabilitySource, fallback: any VulnerabilitySource) {
        self.primary = primary
        self.fallback = fallback
    }

    package func lookup(_ packages: [PackageQuery]) async -> VulnerabilityLookup {
        await lookup(packages, reusable: { _, _ in false })
    }

    package func lookup(
        _ packages: [PackageQuery], reusable: @escaping @Sendable (PackageQuery, String) -> Bool
    ) async -> VulnerabilityLookup {
        var answer = await primary.lookup(packages, reusable: reusable)
        let failed = answer.failures
        guard !failed.isEmpty else { return answer }

        let offline = await fallback.lookup(failed.map(\.0))
        var recovered = 0
        for (query, primaryFailure) in failed {
            switch offline.results[query] {
            case .success(let findings):
                answer.results[query] = .success(findings)
                answer.fingerprints[query] = offline.fingerprints[query]
                recovered += 1
            case .failure(let fallbackFailure):
                answer.results[query] = .failure(
                    SourceFailure(
                        source: primaryFailure.source,
                        message: "\(primaryFailure.message); offline fallback: \(fallbackFailure.message)"))
            case nil:
                break
            }
        }
        guard recovered > 0 else { return answer }

        let reason = failed.first?.1.message ?? "unreachable"
        let date = offline.sourceInfo.dataDate.map { " of \(Self.day($0))" } ?? ""
        let all = recovered == answer.results.count
        let scope = all ? "" : " for \(recovered) of \(answer.results.count) packages"
        let note =
            "\(answer.sourceInfo.name) API unreachable (\(reason)); answered\(scope) from the offline database\(date)"
        // All from the database: it is the source. A mix: the API is, and the data is as old as the older part.
        answer.sourceInfo =
            all
            ? SourceInfo(
                name: offline.sourceInfo.name, location: offline.sourceInfo.location,
                dataDate: offline.sourceInfo.dataDate, note: note)
            : SourceInfo(
                name: answer.sourceInfo.name, location: answer.sourceInfo.location,
                dataDate: [answer.sourceInfo.dataDate, offline.sourceInfo.dataDate].compactMap { $0 }.min(),
                note: note)
        return answer
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
