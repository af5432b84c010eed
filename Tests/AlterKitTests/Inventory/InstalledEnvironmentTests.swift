import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging
import Testing

/// A fake site-packages built in a temp dir: what pip would list from it is known by construction.
@Suite struct InstalledEnvironmentScanTests {
    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func metadata(_ name: String, _ version: String) -> String {
        "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\nSummary: test\n\nLong description\nName: not-this\n"
    }

    @Test func readsDistInfoAndEggInfoFirstOfEachNameWins() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let site1 = root.appendingPathComponent("site1").path
        let site2 = root.appendingPathComponent("site2").path
        try Self.write("\(site1)/requests-2.31.0.dist-info/METADATA", Self.metadata("requests", "2.31.0"))
        try Self.write("\(site1)/Django-4.2.7.dist-info/METADATA", Self.metadata("Django", "4.2.7"))
        // An egg-info directory (PKG-INFO) and an egg-info file (the metadata itself).
        try Self.write("\(site1)/legacy_pkg-1.0-py3.11.egg-info/PKG-INFO", Self.metadata("legacy-pkg", "1.0"))
        try Self.write("\(site1)/oldfile-0.5-py3.11.egg-info", Self.metadata("oldfile", "0.5"))
        // A version pip shows normalised.
        try Self.write("\(site1)/weird-1.0.0_beta.1.dist-info/METADATA", Self.metadata("weird", "1.0.0-beta.1"))
        // Left out by pip: stdlib names, leftovers of interrupted installs, metadata without a Name.
        try Self.write("\(site1)/wsgiref-0.1.2.dist-info/METADATA", Self.metadata("wsgiref", "0.1.2"))
        try Self.write("\(site1)/~atplotlib-3.0.dist-info/METADATA", Self.metadata("matplotlib", "3.0"))
        try Self.write("\(site1)/noname-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 1.0\n")
        // No metadata file at all: reported as skipped.
        try FileManager.default.createDirectory(
            atPath: "\(site1)/broken-1.0.dist-info", withIntermediateDirectories: true)
        // A later copy of requests on the path loses; a new name there is found.
        try Self.write("\(site2)/requests-2.0.0.dist-info/METADATA", Self.metadata("requests", "2.0.0"))
        try Self.write("\(site2)/six-1.16.0.dist-info/METADATA", Self.metadata("six", "1.16.0"))
        // An egg on the path and a develop-mode egg-link.
        try Self.write("\(site2)/eggy-2.0-py3.11.egg/EGG-INFO/PKG-INFO", Self.metadata("eggy", "2.0"))
        try Self.write("\(root.path)/src/linked/linked.egg-info/PKG-INFO", Self.metadata("linked", "0.1.dev0"))
        try Self.write("\(site2)/linked.egg-link", "\(root.path)/src/linked\n.\n")

        let collector = DiagnosticCollector()
        let inventory = InstalledEnvironment.scan(path: [site1, "/nonexistent", site2], diagnostics: collector)
        let found = Set(inventory.dependencies.map { "\($0.name)==\($0.version ?? "?")" })
        #expect(
            found == [
                "requests==2.31.0", "Django==4.2.7", "legacy-pkg==1.0", "oldfile==0.5", "weird==1.0.0b1", "six==1.16.0",
                "eggy==2.0", "linked==0.1.dev0",
            ])
        #expect(inventory.dependencies.count == found.count)
        #expect(inventory.skipped.map(\.dependency.name) == ["broken-1.0.dist-info"])
        #expect(collector.diagnostics.contains { $0.message.contains("no Name") })
        #expect(collector.diagnostics.contains { $0.message.contains("~atplotlib") })
        let requests = try #require(inventory.dependencies.first { $0.name == "requests" })
        #expect(requests.location?.file == "\(site1)/requests-2.31.0.dist-info")
        #expect(inventory.sources == [site1, "/nonexistent", site2])
    }

    @Test func headersStopAtTheBody() {
        let h = InstalledEnvironmentProbe.headers("Name:   spaced\r\nVersion:\t2.0\r\n\r\nName: body\n")
        #expect(h == ["spaced", "2.0"])
        let folded = InstalledEnvironmentProbe.headers("Summary: x\n  continued\nNAME: upper\nversion: 1\n")
        #expect(folded == ["upper", "1"])
    }
}

/// Reaches the header parser through a scan of one synthetic distribution.
enum InstalledEnvironmentProbe {
    static func headers(_ text: String) -> [String] {
        let root = try! TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try! InstalledEnvironmentScanTests.write(root.path + "/x-1.dist-info/METADATA", text)
        let d = InstalledEnvironment.scan(path: [root.path], diagnostics: NullDiagnostics()).dependencies.first
        return [d?.name ?? "", d?.version ?? ""]
    }
}

/// Against real interpreters: a fresh venv and the machine's Python, compared with their own `pip list`.
@Suite(.serialized) struct InstalledEnvironmentPipListTests {
    /// The real interpreter behind PATH `python3` (a clear failure when there is none with venv).
    static func python() async throws -> String { try await PythonEnvironments.shared.interpreter() }
    static let environment = [
        "PATH": "/usr/bin:/bin", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "LC_ALL": "C.UTF-8",
        "HOME": FileManager.default.homeDirectoryForCurrentUser.path,
    ]

    static func services() -> Services {
        var services = Services.live(environment: environment, diagnostics: NullDiagnostics())
        services.environment = environment
        return services
    }

    /// `python -m pip list --format json` as a set of `name==version`.
    static func pipList(_ python: String) async throws -> Set<String> {
        let result = try await PosixProcessRunner().run(
            python, ["-m", "pip", "list", "--format", "json"], environment: environment, currentDirectory: "/",
            stdin: nil)
        #expect(result.exitCode == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        let rows = try JSONSerialization.jsonObject(with: result.stdout) as? [[String: String]] ?? []
        return Set(rows.map { "\($0["name"] ?? "")==\($0["version"] ?? "")" })
    }

    static func ours(_ python: String) async throws -> (Set<String>, InterpreterInfo) {
        let (inventory, info) = try await InstalledEnvironment.load(python: python, services: services())
        #expect(inventory.skipped.isEmpty)
        return (Set(inventory.dependencies.map { "\($0.name)==\($0.version ?? "")" }), info)
    }

    @Test func freshVenvMatchesPipList() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let venv = dir.appendingPathComponent("venv").path
        let made = try await PosixProcessRunner().run(
            try await Self.python(), ["-m", "venv", venv], environment: Self.environment, currentDirectory: "/",
            stdin: nil)
        #expect(made.exitCode == 0)
        let python = venv + "/bin/python"
        let expected = try await Self.pipList(python)
        let (found, info) = try await Self.ours(python)
        #expect(found == expected)
        #expect(found.contains { $0.hasPrefix("pip==") })
        #expect(info.executable == python)
        #expect(info.prefix == venv)
        #expect(info.path.contains { $0.hasPrefix(venv + "/lib/python3.") && $0.hasSuffix("/site-packages") })
    }

    @Test func systemInterpreterMatchesPipList() async throws {
        let python = try await Self.python()
        let expected = try await Self.pipList(python)
        let (found, _) = try await Self.ours(python)
        #expect(
            found == expected,
            "only pip: \(expected.subtracting(found).sorted()), only us: \(found.subtracting(expected).sorted())")
        #expect(found.contains { $0.hasPrefix("pip==") })
    }

    /// Against the test tools' venv (`.ci/run` installs `packaging` there).
    @Test func markerEnvironmentMatchesPackaging() async throws {
        let python = try TestTools.python()
        let env = try await MarkerEnvironment.query(
            python: python, runner: PosixProcessRunner(), environment: Self.environment)
        let script =
            "import json; from packaging.markers import default_environment; print(json.dumps(default_environment()))"
        let result = try await PosixProcessRunner().run(
            python, ["-c", script], environment: Self.environment, currentDirectory: "/", stdin: nil)
        let expected = try JSONSerialization.jsonObject(with: result.stdout) as? [String: String]
        #expect(env.values == expected)
    }

    @Test func defaultInterpreter() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: InventoryError.self) {
            try InstalledEnvironment.defaultInterpreter(environment: ["VIRTUAL_ENV": dir.path, "PATH": "/usr/bin"])
        }
        #expect(throws: InventoryError.self) {
            try InstalledEnvironment.defaultInterpreter(environment: ["PATH": dir.path])
        }
        let python = try await Self.python()
        let bin = dir.appendingPathComponent("bin").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/python", withDestinationPath: python)
        #expect(
            try InstalledEnvironment.defaultInterpreter(environment: ["VIRTUAL_ENV": dir.path]) == bin + "/python")
        try FileManager.default.createSymbolicLink(atPath: bin + "/python3", withDestinationPath: python)
        #expect(
            try InstalledEnvironment.defaultInterpreter(environment: ["PATH": "/nonexistent:\(bin)"]) == bin
                + "/python3")
    }

    @Test func aFailingInterpreterIsAnError() async throws {
        await #expect(throws: InventoryError.self) {
            _ = try await InstalledEnvironment.load(python: "/bin/false", services: Self.services())
        }
        await #expect(throws: InventoryError.self) {
            _ = try await InstalledEnvironment.load(python: "relative/python", services: Self.services())
        }
    }
}
