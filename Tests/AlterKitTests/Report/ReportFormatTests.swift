import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct ReportFormatTests {
    static let options = ReportOptions(width: 100, color: false, baseDirectory: ReportScenario.base)

    static let extensions: [ReportFormat: String] = [
        .table: "txt", .json: "json", .markdown: "md", .sarif: "sarif.json", .cyclonedx: "cdx.json",
    ]

    @Test(arguments: ReportFormat.allCases, ReportScenario.allCases)
    func snapshot(format: ReportFormat, scenario: ReportScenario) throws {
        let text = scenario.report.rendered(as: format, options: Self.options)
        try assertSnapshot(text, named: "\(format.rawValue)/\(scenario.rawValue).\(Self.extensions[format]!)")
        // Rendering is a pure function: the same report renders the same bytes.
        #expect(scenario.report.rendered(as: format, options: Self.options) == text)
    }

    @Test(arguments: [ReportFormat.json, .sarif, .cyclonedx], ReportScenario.allCases)
    func jsonFormatsParse(format: ReportFormat, scenario: ReportScenario) throws {
        let text = scenario.report.rendered(as: format, options: Self.options)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object != nil)
        if format == .json { #expect(object?["schema_version"] as? Int == 1) }
    }

    @Test(arguments: [ReportFormat.sarif, .cyclonedx], ReportScenario.allCases)
    func validatesAgainstTheOfficialSchema(format: ReportFormat, scenario: ReportScenario) throws {
        let text = scenario.report.rendered(as: format, options: Self.options)
        let errors = try schemaErrors(text, kind: format == .sarif ? "sarif" : "cyclonedx")
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test func schemaValidationCatchesABadDocument() throws {
        // The validator must be able to fail, or the tests above prove nothing.
        let errors = try schemaErrors(
            #"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": "x"}"#, kind: "cyclonedx")
        #expect(!errors.isEmpty)
        let sarifErrors = try schemaErrors(#"{"version": "2.1.0", "runs": [{"results": []}]}"#, kind: "sarif")
        #expect(!sarifErrors.isEmpty)
    }

    @Test(arguments: [40, 60, 80, 120, 200], ReportScenario.allCases)
    func tableFitsTheWidth(width: Int, scenario: ReportScenario) {
        let text = scenario.report.rendered(as: .table, options: ReportOptions(width: width, color: false))
        for line in text.split(separator: "\n") {
            #expect(line.count <= width, "\(line.count) > \(width): \(line)")
        }
    }

    @Test func colourOnlyWhenAsked() {
        let report = ReportScenario.vulnerable.report
        #expect(!report.rendered(as: .table, options: ReportOptions(color: false)).contains("\u{1B}["))
        let coloured = report.rendered(as: .table, options: ReportOptions(color: true))
        #expect(coloured.contains("\u{1B}[1;31mBLOCK"))
        for format in [ReportFormat.json, .markdown, .sarif, .cyclonedx] {
            #expect(!report.rendered(as: format, options: ReportOptions(color: true)).contains("\u{1B}["))
        }
    }

    @Test func sarifHasOneResultPerFindingAtItsLine() throws {
        let text = ReportScenario.vulnerable.report.rendered(as: .sarif, options: Self.options)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["ruleId"] as? String } == ["PYSEC-2024-56", "GHSA-xxxx-low", "MAL-2024-1234"])
        #expect(results.map { $0["level"] as? String } == ["error", "note", "error"])
        let location = try #require(
            (results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "requirements.txt")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 3)
        #expect((results[0]["partialFingerprints"] as? [String: String])?["alterksFinding/v1"]?.count == 64)
    }

    @Test func cycloneDXSerialIsDeterministicFromContent() throws {
        let a = ReportScenario.vulnerable.report.rendered(as: .cyclonedx)
        let b = ReportScenario.clean.report.rendered(as: .cyclonedx)
        func serial(_ text: String) throws -> String? {
            (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["serialNumber"] as? String
        }
        #expect(try serial(a) == serial(ReportScenario.vulnerable.report.rendered(as: .cyclonedx)))
        #expect(try serial(a) != serial(b))
        #expect(a.contains("\"purl\": \"pkg:pypi/django@4.2.0\""))
    }

    @Test(arguments: [
        (Dependency(name: "Zope.Interface", version: "5.0+local.1"), "pkg:pypi/zope-interface@5.0%2Blocal.1"),
        (Dependency(name: "requests", specifier: ">=2"), "pkg:pypi/requests"),
    ])
    func purls(dependency: Dependency, purl: String) {
        #expect(CycloneDXReport.purl(dependency) == purl)
    }

    @Test func resultsAreInNameThenPEP440Order() {
        let results =
            ["10.0", "9.0", "1.0.0", "1.0", "not-a-version"].map {
                PackageResult(dependency: Dependency(name: "b", version: $0))
            } + [PackageResult(dependency: Dependency(name: "A", version: "2"))]
        let report = ScanReport(
            toolVersion: "0", generatedAt: Date(timeIntervalSince1970: 0), targets: [], sources: [], results: results)
        #expect(
            report.orderedResults.map { "\($0.dependency.normalizedName) \($0.dependency.version ?? "")" } == [
                "a 2", "b 1.0", "b 1.0.0", "b 9.0", "b 10.0", "b not-a-version",
            ])
    }

    @Test func markdownEscapesWhatWouldBreakTheTable() {
        #expect(MarkdownReport.escape("a|b *c* <script>") == "a\\|b \\*c\\* \\<script\\>")
        let text = ReportScenario.vulnerable.report.rendered(as: .markdown)
        #expect(text.contains("denial of service \\| via brackets"))
    }
}

@Suite struct ReportExitStatusTests {
    @Test func anyFailureIsThree() {
        #expect(ReportScenario.sourceFailure.report.exitStatus(failOn: .block) == .sourceFailure)
        // Even when the failure was turned into an ALERT by an explicit on_source_error = "alert".
        var report = ReportScenario.sourceFailure.report
        for i in report.results.indices { report.results[i].verdict = Verdict(reasons: []) }
        #expect(report.exitStatus(failOn: .alert) == .sourceFailure)
    }

    @Test func blockIsOneAndAlertsOnlyWithFailOnAlert() {
        #expect(ReportScenario.vulnerable.report.exitStatus(failOn: .block) == .findings)
        #expect(ReportScenario.risky.report.exitStatus(failOn: .block) == .clean)
        #expect(ReportScenario.risky.report.exitStatus(failOn: .alert) == .findings)
        #expect(exitStatus(for: ReportScenario.clean.report, failOn: .alert) == .clean)
    }
}
