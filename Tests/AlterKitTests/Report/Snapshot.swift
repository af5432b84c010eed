import AlterTestSupport
import Foundation
import Testing

/// Compares `text` with `Tests/Snapshots/<name>`. Re-record on purpose only: `ALTERKS_RECORD_SNAPSHOTS=1 swift test`.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = TestPaths.packageRoot.appendingPathComponent("Tests/Snapshots").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["ALTERKS_RECORD_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record(
            "missing snapshot \(name); record it with ALTERKS_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let expectedLine = line < a.count ? String(a[line]) : "<end>"
        let actualLine = line < b.count ? String(b[line]) : "<end>"
        Issue.record(
            "snapshot \(name) differs at line \(line + 1):\n  expected: \(expectedLine)\n  actual:   \(actualLine)",
            sourceLocation: sourceLocation)
    }
}

/// Validates a JSON document against a schema in Tests/Fixtures/schemas with the test tools' `jsonschema`
/// (`TestTools.python()`: the venv `.ci/run` makes).
/// Returns the validator's complaints; empty means valid.
func schemaErrors(_ document: String, kind: String) throws -> String {
    let script = """
        import json, sys, pathlib
        from jsonschema import validators
        kind, root = sys.argv[1], pathlib.Path(sys.argv[2])
        doc = json.load(sys.stdin)
        if kind == "sarif":
            schema = json.loads((root / "sarif-schema-2.1.0.json").read_text())
            cls = validators.validator_for(schema)
            validator = cls(schema)
        else:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT7
            resources = []
            for name in ["bom-1.5.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"]:
                contents = json.loads((root / "cyclonedx" / name).read_text())
                resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
            registry = Registry().with_resources(resources)
            schema = json.loads((root / "cyclonedx" / "bom-1.5.schema.json").read_text())
            validator = validators.Draft7Validator(schema, registry=registry, format_checker=validators.Draft7Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:20]:
            print("/".join(map(str, e.path)) + ": " + e.message)
        sys.exit(1 if errors else 0)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try TestTools.python())
    process.arguments = ["-c", script, kind, TestPaths.fixture("schemas").path]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(document.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if process.terminationStatus != 0 && text.isEmpty { return "validator exited \(process.terminationStatus)" }
    return process.terminationStatus == 0 ? "" : text
}
