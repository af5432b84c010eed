import Foundation

/// CycloneDX 1.5 JSON: one component per distinct package (purl `pkg:pypi/name@version`, verdict and risk as
/// properties) and one vulnerability per id, with ratings and the components it affects. The serial number is a
/// UUID derived from the content and the timestamp is the report's, so the same report renders the same BOM.
package enum CycloneDXReport {
    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        var components: [JSONValue] = []
        var seenRefs: Set<String> = []
        var refsByVulnerability: [String: [String]] = [:]
        var vulnerabilityByID: [String: VulnerabilityFinding] = [:]
        var ignoredByID: [String: String] = [:]
        for result in report.orderedResults {
            let ref = purl(result.dependency)
            for finding in result.vulnerabilities {
                if !(refsByVulnerability[finding.id]?.contains(ref) ?? false) {
                    refsByVulnerability[finding.id, default: []].append(ref)
                }
                vulnerabilityByID[finding.id] = vulnerabilityByID[finding.id] ?? finding
            }
            for reason in result.verdict.reasons where reason.kind == .ignored {
                if let id = reason.subject { ignoredByID[id] = reason.message }
            }
            guard seenRefs.insert(ref).inserted else { continue }
            components.append(component(result, ref: ref))
        }

        let vulnerabilities: [JSONValue] = vulnerabilityByID.keys.sorted().map { id in
            vulnerability(
                vulnerabilityByID[id]!, affects: refsByVulnerability[id]!.sorted(), ignored: ignoredByID[id])
        }

        var metadataProperties: [JSONValue] = report.targets.map { property("alterks:target", $0) }
        for source in report.sources {
            metadataProperties.append(property("alterks:source", ReportText.source(source)))
        }
        if !report.failedResults.isEmpty {
            metadataProperties.append(
                property("alterks:incomplete", "\(report.failedResults.count) package(s) not checked: a source failed"))
        }
        let metadata: JSONValue = .object([
            ("timestamp", .string(ReportText.timestamp(report.generatedAt))),
            (
                "tools",
                .object([
                    (
                        "components",
                        .array([
                            .object([
                                ("type", .string("application")),
                                ("name", .string("alterks")),
                                ("version", .string(report.toolVersion)),
                            ])
                        ])
                    )
                ])
            ),
            ("properties", .array(metadataProperties)),
        ])
        var body: [(String, JSONValue)] = [
            ("metadata", metadata),
            ("components", .array(components)),
            ("vulnerabilities", .array(vulnerabilities)),
        ]
        let serial = serialNumber(for: JSONValue.object(body).rendered())
        body.insert(
            contentsOf: [
                ("bomFormat", .string("CycloneDX")),
                ("specVersion", .string("1.5")),
                ("serialNumber", .string(serial)),
                ("version", .int(1)),
            ], at: 0)
        return JSONValue.object(body).rendered()
    }

    static func component(_ result: PackageResult, ref: String) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("library")),
            ("bom-ref", .string(ref)),
            ("name", .string(result.dependency.normalizedName)),
        ]
        if let version = result.dependency.version { members.append(("version", .string(version))) }
        members.append(("purl", .string(ref)))
        var properties = [property("alterks:verdict", result.verdict.action.rawValue)]
        if result.dependency.direct == false { properties.append(property("alterks:direct", "false")) }
        if !result.dependency.specifier.isEmpty && result.dependency.version == nil {
            properties.append(property("alterks:specifier", result.dependency.specifier))
        }
        if let composite = result.risk?.composite {
            properties.append(property("alterks:risk", PolicyEngine.formatScore(composite)))
        }
        for factor in result.risk?.factors ?? [] {
            properties.append(
                property("alterks:risk:\(factor.name)", factor.score.map { PolicyEngine.formatScore($0) } ?? "unknown"))
        }
        for failure in result.failures {
            properties.append(property("alterks:not-checked", failure.description))
        }
        members.append(("properties", .array(properties)))
        return .object(members)
    }

    static func vulnerability(_ finding: VulnerabilityFinding, affects: [String], ignored: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("bom-ref", .string("vulnerability:\(finding.id)")),
            ("id", .string(finding.id)),
            ("source", source(for: finding.id)),
        ]
        if !finding.aliases.isEmpty {
            members.append(
                (
                    "references",
                    .array(finding.aliases.map { .object([("id", .string($0)), ("source", source(for: $0))]) })
                ))
        }
        var rating: [(String, JSONValue)] = []
        if let score = finding.score { rating.append(("score", .number(score))) }
        rating.append(("severity", .string(finding.isMalicious ? "critical" : finding.severity.rawValue)))
        if let vector = finding.vector {
            rating.append(("method", .string(method(for: vector))))
            rating.append(("vector", .string(vector)))
        } else if finding.isMalicious {
            rating.append(("method", .string("other")))
            rating.append(("justification", .string("OpenSSF malicious-packages record")))
        }
        members.append(("ratings", .array([.object(rating)])))
        if let summary = finding.summary { members.append(("description", .string(summary))) }
        if finding.isMalicious {
            members.append(("recommendation", .string("Remove this package: it is known to be malicious.")))
        } else if let fix = finding.nearestFix {
            members.append(("recommendation", .string("Upgrade to \(fix) or later.")))
        }
        if !finding.references.isEmpty {
            members.append(("advisories", .array(finding.references.map { .object([("url", .string($0))]) })))
        }
        if let published = finding.published { members.append(("published", .string(ReportText.timestamp(published)))) }
        if let modified = finding.modified { members.append(("updated", .string(ReportText.timestamp(modified)))) }
        members.append(("affects", .array(affects.map { .object([("ref", .string($0))]) })))
        if let ignored {
            members.append(("properties", .array([property("alterks:ignored", ignored)])))
        }
        return .object(members)
    }

    /// Where an id comes from, by its prefix.
    static func source(for id: String) -> JSONValue {
        let upper = id.uppercased()
        if upper.hasPrefix("CVE-") {
            return .object([("name", .string("NVD")), ("url", .string("https://nvd.nist.gov/vuln/detail/\(id)"))])
        }
        if upper.hasPrefix("GHSA-") {
            return .object([("name", .string("GitHub")), ("url", .string("https://github.com/advisories/\(id)"))])
        }
        return .object([("name", .string("OSV")), ("url", .string("https://osv.dev/vulnerability/\(id)"))])
    }

    /// The CycloneDX rating method of a CVSS vector.
    static func method(for vector: String) -> String {
        if vector.hasPrefix("CVSS:3.1/") { return "CVSSv31" }
        if vector.hasPrefix("CVSS:3.0/") { return "CVSSv3" }
        if vector.hasPrefix("CVSS:4.0/") { return "CVSSv4" }
        if vector.hasPrefix("AV:") || vector.hasPrefix("(AV:") { return "CVSSv2" }
        return "other"
    }

    /// `pkg:pypi/name@version` with the PEP 503 name (the purl spec for PyPI) and a percent-encoded version;
    /// `pkg:pypi/name` when not pinned.
    static func purl(_ dependency: Dependency) -> String {
        let name = percentEncode(dependency.normalizedName)
        guard let version = dependency.version else { return "pkg:pypi/\(name)" }
        return "pkg:pypi/\(name)@\(percentEncode(version))"
    }

    private static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: ".-_~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func property(_ name: String, _ value: String) -> JSONValue {
        .object([("name", .string(name)), ("value", .string(value))])
    }

    /// An RFC 4122 UUID (version 5 layout, SHA-256 instead of SHA-1) of the content, so the same report gives the
    /// same serial number and a different one gives another.
    static func serialNumber(for content: String) -> String {
        let hex = Array(PolicyDigest.sha256Hex("alterks-cyclonedx\n" + content).prefix(32))
        var bytes = stride(from: 0, to: 32, by: 2).map { UInt8(String(hex[$0..<$0 + 2]), radix: 16)! }
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let h = bytes.map { String(format: "%02x", $0) }.joined()
        let c = Array(h)
        func part(_ r: Range<Int>) -> String { String(c[r]) }
        return "urn:uuid:\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }
}
