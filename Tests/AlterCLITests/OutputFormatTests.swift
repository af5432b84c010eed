import AlterKit
import AlterTestSupport
import ArgumentParser
import Foundation
import Testing

@testable import AlterCLI

@Suite struct OutputFormatTests {
    @Test func everyFormatIsAnArgument() {
        #expect(OutputFormat.allCases.map(\.rawValue) == ["table", "json", "markdown", "sarif", "cyclonedx"])
        for format in OutputFormat.allCases { #expect(OutputFormat(argument: format.rawValue) == format) }
        #expect(OutputFormat(argument: "xml") == nil)
    }

    @Test func consoleRendersWithoutColourWhenNotATerminal() throws {
        let report = ScanReport(
            toolVersion: "0.1.0", generatedAt: Date(timeIntervalSince1970: 0), targets: ["/p/requirements.txt"],
            sources: [],
            results: [
                PackageResult(
                    dependency: Dependency(
                        name: "x", version: "1", location: SourceLocation(file: "/p/requirements.txt", line: 4)),
                    verdict: Verdict(reasons: [
                        Reason(kind: .blocklist, action: .block, message: "on the blocklist (x)")
                    ])
                )
            ])
        let context = CLIContext(
            stdout: BufferStream(), stderr: BufferStream(), environment: ["COLUMNS": "50"], currentDirectory: "/p",
            makeServices: { _ in fatalError("not used") })
        let console = Console(context: context, options: try GlobalOptions.parse([]))
        let table = console.render(report, as: .table)
        #expect(!table.contains("\u{1B}["))
        #expect(table.split(separator: "\n").allSatisfy { $0.count <= 50 })
        #expect(table.contains("(requirements.txt:4)"))
        let json = console.render(report, as: .json)
        #expect(json.contains("\"file\": \"requirements.txt\""))
    }
}

@Suite struct ConfigurationLoadingTests {
    @Test func cacheDirFlagWinsOverTheFile() throws {
        let fixtures = AlterTestSupport.TestPaths.fixture("config").path
        let context = CLIContext(
            stdout: BufferStream(), stderr: BufferStream(), environment: [:], currentDirectory: fixtures,
            makeServices: { _ in fatalError("not used") })
        let options = try GlobalOptions.parse(["--config", "full.toml", "--cache-dir", "elsewhere"])
        let config = try options.loadConfiguration(context: context, diagnostics: NullDiagnostics())
        #expect(config.cacheDirectory == fixtures + "/elsewhere")
        #expect(config.riskThreshold == 42.5)
        let bad = try GlobalOptions.parse(["--config", "unknown-key.toml"])
        #expect(throws: ConfigError.self) {
            try bad.loadConfiguration(context: context, diagnostics: NullDiagnostics())
        }
    }
}
