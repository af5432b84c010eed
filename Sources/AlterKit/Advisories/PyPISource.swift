import Foundation
import PythonPackaging

/// PyPI's JSON API: the `vulnerabilities` field of `GET /pypi/NAME/VERSION/json` (OSV data as PyPI serves it: ids,
/// aliases, `fixed_in`, no severity). One request per package, a bounded number at once.
///
/// A package PyPI does not know (404) is a failure, not a clean answer: nothing was checked.
package struct PyPISource: VulnerabilitySource {
    package struct Configuration: Sendable, Hashable {
        /// Base URL (`https://pypi.org` by default; a mirror with the same JSON API works).
        package var baseURL: String
        package var concurrency: Int
        package var timeout: Double

        package init(baseURL: String = "https://pypi.org", concurrency: Int = 16, timeout: Double = 30) {
            self.baseURL = baseURL
            self.concurrency = concurrency
            self.timeout = timeout
        }
    }

    package static let sourceName = "pypi"

    let configuration: Configuration
    let http: any HTTPClient
    let builder: FindingBuilder
    let clock: any WallClock

    package init(
        configuration: Configuration = Configuration(), http: any HTTPClient,
        builder: FindingBuilder = FindingBuilder(),
        clock: any WallClock
    ) {
        self.configuration = configuration
        self.http = http
        self.builder = builder
        self.clock = clock
    }

    /// One entry of the `vulnerabilities` array.
    struct Entry: Decodable {
        var id: String
        var aliases: [String]?
        var details: String?
        var summary: String?
        var fixedIn: [String]?
        var link: String?
        var withdrawn: String?

        enum CodingKeys: String, CodingKey {
            case id, aliases, details, summary, link, withdrawn
            case fixedIn = "fixed_in"
        }
    }

    private struct Document: Decodable {
        var vulnerabilities: [Entry]?
    }

    package func lookup(_ packages: [PackageQuery]) async -> VulnerabilityLookup {
        let queries = Array(Set(packages)).sorted()
        let answers = await boundedConcurrentMap(queries, limit: configuration.concurrency) { query in
            await self.fetch(query)
        }
        var results: [PackageQuery: Result<[VulnerabilityFinding], SourceFailure>] = [:]
        var fingerprints: [PackageQuery: String] = [:]
        let memo = FindingMemo()
        for (query, answer) in zip(queries, answers) {
            switch answer {
            case .failure(let failure):
                results[query] = .failure(failure)
            case .success(let entries):
                let records = entries.map { Self.record(from: $0, package: query.name) }
                results[query] = .success(
                    builder.findings(for: records, package: query.name, version: query.version, memo: memo))
                fingerprints[query] = AdvisoryFingerprint.digest(
                    [Self.sourceName]
                        + entries.map { entry in
                            [
                                entry.id, entry.withdrawn ?? "", (entry.aliases ?? []).sorted().joined(separator: ","),
                                (entry.fixedIn ?? []).joined(separator: ","),
                            ].joined(separator: "|")
                        }.sorted())
            }
        }
        return VulnerabilityLookup(
            results: results,
            sourceInfo: SourceInfo(name: Self.sourceName, location: configuration.baseURL, dataDate: clock.now()),
            fingerprints: fingerprints)
    }

    private func fetch(_ query: PackageQuery) async -> Result<[Entry], SourceFailure> {
        let base =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        guard PackageName.isValid(query.name), Self.isSafeVersion(query.version) else {
            return .failure(SourceFailure(source: Self.sourceName, message: "cannot ask PyPI about \(query)"))
        }
        let url = "\(base)/pypi/\(query.name)/\(query.version)/json"
        do {
            let response = try await http.send(
                HTTPRequest(
                    url: url, headers: ["Accept": "application/json"], timeout: configuration.timeout,
                    maxBodyBytes: 32 << 20))
            if response.status == 404 {
                return .failure(SourceFailure(source: Self.sourceName, message: "\(url): not found on PyPI"))
            }
            guard response.status == 200 else { throw AdvisoryError.httpStatus(url: url, status: response.status) }
            let document: Document
            do {
                document = try JSONDecoder().decode(Document.self, from: response.body)
            } catch {
                throw AdvisoryError.malformedResponse(url: url, message: OSVRecord.describe(error))
            }
            guard let entries = document.vulnerabilities else {
                throw AdvisoryError.malformedResponse(url: url, message: "no `vulnerabilities` field")
            }
            return .success(entries)
        } catch {
            return .failure(SourceFailure(source: Self.sourceName, message: OSVAPISource.reason(error)))
        }
    }

    /// PyPI's entry as an OSV record, so that alias merging and fix selection are the same code as for OSV: its
    /// `fixed_in` become ECOSYSTEM `fixed` events (PyPI has already decided that the version is affected).
    static func record(from entry: Entry, package name: String) -> OSVRecord {
        let events = [OSVEvent(.introduced, "0")] + (entry.fixedIn ?? []).map { OSVEvent(.fixed, $0) }
        return OSVRecord(
            id: entry.id, modified: "", withdrawn: entry.withdrawn, aliases: entry.aliases ?? [],
            summary: entry.summary, details: entry.details,
            affected: [
                OSVAffected(
                    package: OSVPackage(ecosystem: OSVMatcher.ecosystem, name: name),
                    ranges: [OSVRange(type: "ECOSYSTEM", events: events)])
            ],
            references: entry.link.map { [OSVReference(type: "ADVISORY", url: $0)] } ?? [])
    }

    /// Versions go into a URL path: PEP 440 characters only (letters, digits, `.`, `-`, `_`, `+`, `!`).
    static func isSafeVersion(_ version: String) -> Bool {
        !version.isEmpty && version.count <= 100 && !version.hasPrefix(".")
            && version.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || "._-+!".unicodeScalars.contains(scalar))
            }
    }
}
