import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks quarantine inspect` shows, for the kept artifact, the same findings `alterks inspect` gives for it.
@Suite struct QuarantineInspectTests {
    /// A JSON object as sorted-key text, for comparing two documents.
    static func canonical(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(arguments: TestPip.all) func showsTheSameFindingsAsInspect(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("quarantine-inspect", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(
            name: "quietcharts", version: "2.0", extraFiles: GateInspectionEndToEndTests.payload)
        let engine = FakeEngine(actions: ["quietcharts": .quarantine])
        let shim = GateCommandTests()
        let err = BufferStream()
        let code = await shim.run(
            ["gate", "--pip", testbed.pip, "--", "install"] + testbed.indexOptions + ["quietcharts"],
            shim.context(testbed, engine: engine, out: BufferStream(), err: err))
        #expect(code == 1, "\(err.text)")

        let json = BufferStream()
        #expect(
            await shim.run(
                ["quarantine", "inspect", "quietcharts", "2.0", "--format", "json"],
                shim.context(testbed, engine: nil, out: json, err: BufferStream())) == 0)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [[String: Any]])
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record["pth_files"] as? [String] == ["quietcharts_init.pth"])
        #expect((record["reasons"] as? [[String: String]])?.first?["action"] == "quarantine")
        let kept = try #require(record["artifact_path"] as? String)

        // `alterks inspect` of the kept artifact: the very same document.
        let direct = BufferStream()
        let status = await shim.run(
            ["inspect", kept, "--format", "json"], shim.context(testbed, engine: nil, out: direct, err: BufferStream()))
        #expect(status == ExitStatus.findings.rawValue)
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(direct.text.utf8)) as? [String: Any])
        let shown = try #require(record["inspection"] as? [String: Any])
        #expect(try Self.canonical(shown) == Self.canonical(expected), "\(json.text)\n\(direct.text)")
        let findings = (shown["inspection"] as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        #expect(
            findings.contains { $0["kind"] as? String == "pth-code" && $0["file"] as? String == "quietcharts_init.pth" }
        )
        #expect(
            findings.contains { $0["kind"] as? String == "process" && $0["file"] as? String == "quietcharts_boot.py" })

        // The table shows the same rows `alterks inspect` prints.
        let table = BufferStream()
        #expect(
            await shim.run(
                ["quarantine", "inspect", "quietcharts"],
                shim.context(testbed, engine: nil, out: table, err: BufferStream()))
                == 0)
        let directTable = BufferStream()
        _ = await shim.run(
            ["inspect", kept], shim.context(testbed, engine: nil, out: directTable, err: BufferStream()))
        let rows = directTable.text.split(separator: "\n").filter { $0.hasPrefix("critical") || $0.hasPrefix("medium") }
        #expect(!rows.isEmpty, "\(directTable.text)")
        for row in rows { #expect(table.text.contains(row), "\(row)\n\(table.text)") }
        #expect(table.text.contains("QUARANTINE: test says quarantine"))
    }
}
