import Foundation

/// SARIF 2.1.0 for GitHub code scanning: one result per finding (each vulnerability, each risk factor over its bar,
/// a blocklist entry, a source that could not answer), located at the line of the requirement or lockfile entry that
/// brought the package in. Ignored and allowlisted vulnerabilities are results with a suppression.
package enum SARIFReport {
    /// One finding before rendering.
    struct Finding {
        var ruleID: String
        var rule: Rule
        var level: String
        var message: String
        var result: PackageResult
        var suppression: String?
    }

    struct Rule {
        var id: String
        var name: String
        var short: String
        var full: String
        var help: String?
        var securitySeverity: Double?
        var tags: [String]
    }

    package static func render(_ report: ScanReport, options: ReportOptions) -> String {
        var findings: [Finding] = []
        for result in report.orderedResults {
            findings.append(contentsOf: self.findings(for: result))
        }
        var rules: [String: Rule] = [:]
        for finding in findings where rules[finding.ruleID] == nil { rules[finding.ruleID] = finding.rule }
        let ruleIDs = rules.keys.sorted()
        let ruleIndex = Dictionary(uniqueKeysWithValues: ruleIDs.enumerated().map { ($1, $0) })

        let results: [JSONValue] = findings.map { finding in
            var members: [(String, JSONValue)] = [
                ("ruleId", .string(finding.ruleID)),
                ("ruleIndex", .int(ruleIndex[finding.ruleID]!)),
                ("level", .string(finding.level)),
                ("message", .object([("text", .string(finding.message))])),
                ("locations", .array([location(finding.result, report: report, options: options)])),
                (
                    "partialFingerprints",
                    .object([("alterksFinding/v1", .string(fingerprint(finding)))])
                ),
                (
                    "properties",
                    .object(
                        [
                            ("package", .string(finding.result.dependency.normalizedName)),
                            ("version", .optional(finding.result.dependency.version)),
                            ("verdict", .string(finding.result.verdict.action.rawValue)),
                        ]
                            // A dependency of what was asked for (pip's resolution) says so.
                            + (finding.result.dependency.direct == false ? [("direct", .bool(false))] : []))
                ),
            ]
            if let justification = finding.suppression {
                members.append(
                    (
                        "suppressions",
                        .array([.object([("kind", .string("external")), ("justification", .string(justification))])])
                    ))
            }
            return .object(members)
        }

        let failures = report.orderedResults.flatMap { result in
            result.failures.map { (result, $0) }
        }
        let notifications: [JSONValue] = failures.map { result, failure in
            .object([
                ("level", .string("error")),
                (
                    "message",
                    .object([
                        (
                            "text",
                            .string(
                                "\(result.dependency.normalizedName) \(ReportText.version(result.dependency)): "
                                    + "\(failure.source) could not answer: \(failure.message)")
                        )
                    ])
                ),
            ])
        }
        var invocation: [(String, JSONValue)] = [("executionSuccessful", .bool(failures.isEmpty))]
        if !notifications.isEmpty { invocation.append(("toolExecutionNotifications", .array(notifications))) }

        let run: JSONValue = .object([
            (
                "tool",
                .object([
                    (
                        "driver",
                        .object([
                            ("name", .string("AlterKS")),
                            ("version", .string(report.toolVersion)),
                            ("semanticVersion", .string(report.toolVersion)),
                            ("rules", .array(ruleIDs.map { rule(rules[$0]!) })),
                        ])
                    )
                ])
            ),
            ("invocations", .array([.object(invocation)])),
            (
                "originalUriBaseIds",
                .object([
                    (
                        "%SRCROOT%",
                        .object([("description", .object([("text", .string("The scanned project's root"))]))])
                    )
                ])
            ),
            ("results", .array(results)),
            (
                "properties",
                .object([
                    ("generatedAt", .string(ReportText.timestamp(report.generatedAt))),
                    ("targets", .strings(report.targets)),
                ])
            ),
        ])
        return JSONValue.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ]).rendered()
    }

    /// The findings of one package, in verdict order.
    static func findings(for result: PackageResult) -> [Finding] {
        var out: [Finding] = []
        let vulnerabilities = Dictionary(result.vulnerabilities.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let allowlisted = result.verdict.reasons.contains { $0.kind == .allowlist }
        let name = result.dependency.normalizedName
        let version = ReportText.version(result.dependency)
        for reason in result.verdict.reasons {
            switch reason.kind {
            case .vulnerability, .malicious, .ignored:
                let id = reason.subject ?? "vulnerability"
                let finding = vulnerabilities[id]
                let suppression: String? =
                    reason.kind == .ignored ? reason.message : allowlisted ? "\(name) is on the allowlist" : nil
                out.append(
                    Finding(
                        ruleID: id, rule: vulnerabilityRule(id: id, finding: finding), level: level(reason.action),
                        message: "\(name) \(version): \(reason.message) (verdict \(result.verdict.action.rawValue))",
                        result: result, suppression: suppression))
            case .risk, .code, .releaseAge:
                guard let factor = reason.subject, factor != "risk" else { continue }
                out.append(
                    Finding(
                        ruleID: "risk/\(factor)",
                        rule: Rule(
                            id: "risk/\(factor)", name: "Risk\(camel(factor))", short: "Heuristic risk: \(factor)",
                            full: "The \(factor) heuristic scored this package over its bar.", help: nil,
                            securitySeverity: nil, tags: ["security", "supply-chain"]),
                        level: level(reason.action),
                        message: "\(name) \(version): \(reason.message) (verdict \(result.verdict.action.rawValue))",
                        result: result, suppression: nil))
            case .blocklist:
                out.append(
                    Finding(
                        ruleID: "policy/blocklist",
                        rule: Rule(
                            id: "policy/blocklist", name: "Blocklisted", short: "Package on the blocklist",
                            full: "The policy's blocklist names this package.", help: nil, securitySeverity: nil,
                            tags: ["security", "policy"]),
                        level: level(reason.action), message: "\(name) \(version): \(reason.message)", result: result,
                        suppression: nil))
            case .sourceFailure:
                out.append(
                    Finding(
                        ruleID: "source-failure",
                        rule: Rule(
                            id: "source-failure", name: "NotChecked", short: "A data source could not answer",
                            full: "The package could not be checked because a data source failed; it is not clean.",
                            help: nil, securitySeverity: nil, tags: ["security"]),
                        level: reason.action == .allow ? "warning" : level(reason.action),
                        message: "\(name) \(version): \(reason.message)", result: result, suppression: nil))
            case .allowlist:
                continue
            }
        }
        // A vulnerability no reason speaks of (a report built without the policy) is still a finding.
        let mentioned = Set(result.verdict.reasons.compactMap(\.subject))
        for finding in result.vulnerabilities.sorted(by: { $0.id < $1.id }) where !mentioned.contains(finding.id) {
            out.append(
                Finding(
                    ruleID: finding.id, rule: vulnerabilityRule(id: finding.id, finding: finding), level: "warning",
                    message: "\(name) \(version): \(finding.id) (\(finding.severity.rawValue))", result: result,
                    suppression: nil))
        }
        return out
    }

    static func vulnerabilityRule(id: String, finding: VulnerabilityFinding?) -> Rule {
        let summary = finding?.summary?.trimmingCharacters(in: .whitespacesAndNewlines)
        let short = summary.flatMap { $0.isEmpty ? nil : String($0.split(whereSeparator: \.isNewline).first ?? "") }
        var full = short ?? id
        if let aliases = finding?.aliases, !aliases.isEmpty { full += " (also \(aliases.joined(separator: ", ")))" }
        let help = finding?.references.first ?? "https://osv.dev/vulnerability/\(id)"
        var severity = finding?.score
        if severity == nil, let label = finding?.severity {
            severity =
                switch label {
                case .critical: 9.5
                case .high: 8.0
                case .medium: 5.5
                case .low: 2.0
                case .unknown: nil
                }
        }
        if finding?.isMalicious == true { severity = 10 }
        return Rule(
            id: id, name: camel(id), short: short ?? id, full: full, help: help, securitySeverity: severity,
            tags: finding?.isMalicious == true ? ["security", "malicious"] : ["security", "vulnerability"])
    }

    static func rule(_ rule: Rule) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(rule.id)),
            ("name", .string(rule.name)),
            ("shortDescription", .object([("text", .string(rule.short))])),
            ("fullDescription", .object([("text", .string(rule.full))])),
        ]
        if let help = rule.help {
            members.append(("helpUri", .string(help)))
            members.append(("help", .object([("text", .string("See \(help)"))])))
        }
        var properties: [(String, JSONValue)] = [("tags", .strings(rule.tags))]
        if let severity = rule.securitySeverity {
            properties.append(("security-severity", .string(String(format: "%.1f", severity))))
        }
        members.append(("properties", .object(properties)))
        return .object(members)
    }

    /// The requirement or lockfile line that brought the package in; the first scanned target when the source has
    /// no file (an installed environment).
    static func location(_ result: PackageResult, report: ScanReport, options: ReportOptions) -> JSONValue {
        let file = result.dependency.location?.file ?? report.targets.first ?? "requirements.txt"
        let line = max(result.dependency.location?.line ?? 1, 1)
        let path = ReportText.relative(file, to: options.baseDirectory)
        var artifact: [(String, JSONValue)] = [("uri", .string(uri(path)))]
        if !path.hasPrefix("/") { artifact.append(("uriBaseId", .string("%SRCROOT%"))) }
        return .object([
            (
                "physicalLocation",
                .object([
                    ("artifactLocation", .object(artifact)),
                    ("region", .object([("startLine", .int(line))])),
                ])
            )
        ])
    }

    /// A relative URI reference for a path (percent-encoding what a URI cannot hold); absolute paths become file URIs.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// Stable across runs and line moves: rule, package and version.
    static func fingerprint(_ finding: Finding) -> String {
        let dependency = finding.result.dependency
        return PolicyDigest.sha256Hex(
            "\(finding.ruleID)|\(dependency.normalizedName)|\(dependency.version ?? dependency.specifier)")
    }

    static func level(_ action: Action) -> String {
        switch action {
        case .block, .quarantine: "error"
        case .alert: "warning"
        case .allow: "note"
        }
    }

    /// `PYSEC-2024-1` → `Pysec20241`, `package_age` → `PackageAge`: SARIF rule names are identifiers.
    static func camel(_ text: String) -> String {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map {
            $0.prefix(1).uppercased() + $0.dropFirst().lowercased()
        }
        .joined()
    }
}
