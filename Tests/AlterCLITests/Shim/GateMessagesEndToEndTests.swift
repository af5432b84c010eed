import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// What a person reads when the gate refuses an install: one line per flagged package, then the way out; every
/// advisory's summary only with `--verbose`. Real pip (the machine's: the messages do not depend on pip's
/// version), the real engine, the real PYSEC records of requests.
@Suite struct GateMessagesEndToEndTests {
    func run(_ world: GateEngineEndToEndTests.World, _ arguments: [String], verbose: Bool = false) async throws
        -> (code: Int32, err: String)
    {
        let err = BufferStream()
        let context = try world.context(err: err)
        let testbed = world.testbed
        let code = await CLIContext.$current.withValue(context) {
            await AlterKSMain.run(
                ["gate"] + (verbose ? ["--verbose"] : []) + ["--pip", testbed.pip, "--", "install"]
                    + testbed.indexOptions + arguments)
        }
        return (code, err.text)
    }

    /// Publishes `wheel` as the only file of its release on the PyPI double, with its sha256, uploaded long ago.
    func publish(_ world: GateEngineEndToEndTests.World, _ name: String, _ version: String, wheel: URL) throws {
        let json = GateEngineEndToEndTests.projectJSON(
            name, uploads: [(version, Date().addingTimeInterval(-2000 * 86400))]
        ).replacingOccurrences(
            of: "\"digests\": {}", with: "\"digests\": {\"sha256\": \"\(try WheelBuilder.sha256(of: wheel))\"}")
        world.pypi.setProject(name, .json(json))
    }

    @Test func aBlockedOldRequestsIsTwoLinesAndTheWayOut() async throws {
        let records = try OSVTestData.bundledRecords.filter {
            $0.affected.contains { PackageName.normalize($0.package.name) == "requests" }
        }
        let world = try await GateEngineEndToEndTests().world("msg-requests", pip: .machine, records: records)
        defer { world.stop() }
        try publish(world, "requests", "2.19.1", wheel: world.testbed.wheels.wheel(name: "requests", version: "2.19.1"))

        let quiet = try await run(world, ["requests==2.19.1"])
        #expect(quiet.code == 1, "\(quiet.err)")
        #expect(try world.testbed.installed() == [:])
        let lines = quiet.err.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "alterks: error: BLOCKED requests 2.19.1: 2 vulnerabilities (PYSEC-2018-28, PYSEC-2023-74) with no "
                    + "severity in any record (severity_actions.unknown = block); fixed in 2.31.0",
                "alterks:   way out: pip install \"requests>=2.31.0\"",
                "alterks: error: nothing was installed",
            ], "\(quiet.err)")
        #expect(quiet.err.count < 300, "\(quiet.err.count) characters:\n\(quiet.err)")

        // --verbose still gives every reason in full, the advisories' own words included.
        let verbose = try await run(world, ["requests==2.19.1"], verbose: true)
        #expect(verbose.code == 1)
        #expect(
            verbose.err.contains("alterks:   - [block] PYSEC-2023-74 (no severity in any record; "), "\(verbose.err)")
        #expect(verbose.err.contains("Proxy-Authorization"), "\(verbose.err)")
        // What the gate printed before: every reason on the BLOCKED line, severity shown as "unknown".
        let reasons = verbose.err.split(separator: "\n").compactMap { line in
            line.hasPrefix("alterks:   - [block] ") ? String(line.dropFirst("alterks:   - [block] ".count)) : nil
        }.map {
            $0.replacingOccurrences(of: "no severity in any record; severity_actions.unknown = block", with: "unknown")
        }
        let before =
            "alterks: error: BLOCKED requests 2.19.1: \(reasons.joined(separator: "; "))\n"
            + "alterks: error: nothing was installed\n"
        #expect(reasons.count == 2)
        #expect(quiet.err.count * 2 < before.count, "now \(quiet.err.count), before \(before.count)")
        #expect(!quiet.err.contains("Proxy-Authorization"))
        #expect(try world.testbed.installed() == [:])
    }

    @Test func aVulnerableDependencyIsNamedAsOneWithItsSeverityAndFix() async throws {
        let advisory = OSVRecords.record(
            "PYSEC-2099-1", package: "tinydep", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
            label: "CRITICAL", summary: "remote code execution in tinydep")
        let world = try await GateEngineEndToEndTests().world("msg-transitive", pip: .machine, records: [advisory])
        defer { world.stop() }
        try publish(world, "tinydep", "1.0", wheel: world.testbed.wheels.wheel(name: "tinydep", version: "1.0"))
        try world.testbed.wheels.wheel(name: "tinyapp", version: "1.0", requires: ["tinydep>=1.0"])
        let result = try await run(world, ["tinyapp"])
        #expect(result.code == 1, "\(result.err)")
        #expect(
            result.err
                == "alterks: error: BLOCKED tinydep 1.0 (a dependency): 1 vulnerability (PYSEC-2099-1 critical); fixed "
                + "in 2.0\nalterks:   way out: pip install \"tinydep>=2.0\"\nalterks: error: nothing was installed\n")
        #expect(try world.testbed.installed() == [:])
    }
}
