import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// `alterks scan` of requirements files and pyproject.toml resolves them the way pip would install them (#20 item 2):
/// real pip's dry run in a real venv, against a package index on the loopback interface, advisories from the OSV
/// double; `--no-deps` keeps the pinned-only reading.
@Suite struct ScanResolutionTests {
    /// tinyweb 1.0 and 2.1 (both require tinyutil>=1.0), tinyutil 1.0 only: vulnerable, fixed in 2.0.
    struct World {
        let world: GateEngineEndToEndTests.World
        let index: SimpleIndexDouble

        var root: URL { world.testbed.root }
        var python: String { world.testbed.venv.appendingPathComponent("bin/python").path }

        func stop() {
            index.stop()
            world.stop()
        }

        /// Runs `alterks ARGUMENTS` in the testbed (its trusted pyproject.toml points at the doubles).
        func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws
            -> (code: Int32, out: String, err: String)
        {
            let out = BufferStream()
            let err = BufferStream()
            var context = try world.context(err: err, out: out)
            let environment = world.testbed.environment.merging(extra) { $1 }
            context.environment = environment
            context.makeServices = { diagnostics in
                Services(
                    http: CurlHTTPClient(environment: [:]), clock: SystemClock(), processes: PosixProcessRunner(),
                    environment: environment, diagnostics: diagnostics)
            }
            let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
            return (code, out.text, err.text)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let file = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
            return file.path
        }
    }

    func world(_ label: String) async throws -> World {
        let advisory = OSVRecords.record(
            "PYSEC-2099-7", package: "tinyutil", ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])],
            label: "CRITICAL", summary: "path traversal in tinyutil")
        let world = try await GateEngineEndToEndTests().world(label, pip: .machine, records: [advisory])
        let wheels = world.testbed.wheels
        try wheels.wheel(name: "tinyweb", version: "1.0", requires: ["tinyutil>=1.0"])
        try wheels.wheel(name: "tinyweb", version: "2.1", requires: ["tinyutil>=1.0"])
        try wheels.wheel(name: "tinyutil", version: "1.0")
        return World(world: world, index: try SimpleIndexDouble(folder: world.testbed.index))
    }

    static func results(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return try #require(object?["results"] as? [[String: Any]], "\(json)")
    }

    @Test func anUnpinnedRequirementResolvesToAVulnerableDependencyThatIsReported() async throws {
        let world = try await world("scan-resolve")
        defer { world.stop() }
        let requirements = try world.write(
            "app/requirements.txt", "--index-url \(world.index.indexURL)\ntinyweb>=2.0\n")
        let json = try await world.run([
            "scan", "--python", world.python, "--no-heuristics", "--format", "json", "-r", requirements,
        ])
        #expect(json.code == ExitStatus.findings.rawValue, "\(json.err)\n\(json.out)")
        // pip asked the file's index, not any other.
        #expect(world.index.requestedPaths.contains("/simple/tinyweb/"), "\(world.index.requestedPaths)")
        let results = try Self.results(json.out)
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName.keys.sorted() == ["tinyutil", "tinyweb"], "\(json.out)")
        #expect(byName["tinyweb"]?["version"] as? String == "2.1")
        #expect(byName["tinyweb"]?["direct"] as? Bool == true)
        #expect(byName["tinyutil"]?["version"] as? String == "1.0")
        #expect(byName["tinyutil"]?["direct"] as? Bool == false)
        #expect((byName["tinyutil"]?["verdict"] as? [String: Any])?["action"] as? String == "block", "\(json.out)")
        #expect(!json.out.contains("not pinned"), "\(json.out)")

        let table = try await world.run([
            "scan", "--python", world.python, "--no-heuristics", "-r", requirements,
        ])
        #expect(table.code == ExitStatus.findings.rawValue)
        let lines = table.out.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "BLOCKED tinyutil 1.0 (a dependency): 1 vulnerability (PYSEC-2099-7 critical); fixed in 2.0"),
            "\(table.out)")
        #expect(lines.contains("  way out: pip install \"tinyutil>=2.0\""), "\(table.out)")
        #expect(lines.contains { $0.hasPrefix("tinyutil*") && $0.contains("BLOCK") }, "\(table.out)")
        #expect(lines.contains("* a dependency of what the files ask for (pip's resolution)"), "\(table.out)")
    }

    /// A relative `--find-links` is read against its own file's folder, as pip reads it, whatever the working
    /// directory; two files resolve together.
    @Test func relativeFindLinksAreReadFromTheirFilesFolder() async throws {
        let world = try await world("scan-findlinks")
        defer { world.stop() }
        let app = try world.write("app/requirements.txt", "--no-index\n--find-links ../index\ntinyweb>=2.0\n")
        let dev = try world.write("dev/deep/requirements-dev.txt", "--find-links ../../index\ntinyutil\n")
        let result = try await world.run([
            "scan", "--python", world.python, "--no-heuristics", "--format", "json", "-r", app, "-r", dev,
        ])
        #expect(result.code == ExitStatus.findings.rawValue, "\(result.err)\n\(result.out)")
        let results = try Self.results(result.out)
        let found = results.map { "\($0["name"] as? String ?? "") \($0["direct"] as? Bool ?? false)" }.sorted()
        // tinyutil is asked for by the second file: a requirement there, not only a dependency.
        #expect(found == ["tinyutil true", "tinyweb true"], "\(result.out)")
        #expect(world.index.requestCount == 0)
    }

    @Test func noDepsKeepsThePinnedOnlyReading() async throws {
        let world = try await world("scan-nodeps")
        defer { world.stop() }
        let requirements = try world.write("requirements.txt", "--index-url \(world.index.indexURL)\ntinyweb>=2.0\n")
        let result = try await world.run([
            "scan", "--no-deps", "--no-heuristics", "--format", "json", "-r", requirements,
        ])
        #expect(result.code == ExitStatus.sourceFailure.rawValue, "\(result.err)")
        #expect(result.err.contains("nothing was checked: 1 package(s) skipped"), "\(result.err)")
        #expect(world.index.requestCount == 0)
    }

    @Test func aResolutionFailureIsOneLineAndNoReport() async throws {
        let world = try await world("scan-unresolvable")
        defer { world.stop() }
        let requirements = try world.write(
            "requirements.txt", "--index-url \(world.index.indexURL)\ntinyweb>=2.0\nnosuchproject>=1\n")
        let result = try await world.run([
            "scan", "--python", world.python, "--no-heuristics", "--format", "json", "-r", requirements,
        ])
        #expect(result.code == ExitStatus.sourceFailure.rawValue, "\(result.err)")
        #expect(result.out.isEmpty, "\(result.out)")
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "\(result.err)")
        #expect(
            result.err.hasPrefix("alterks: error: pip could not resolve the requirements ("), "\(result.err)")
        #expect(result.err.contains("nosuchproject"), "\(result.err)")
        #expect(result.err.contains("nothing was scanned"), "\(result.err)")
    }

    /// A dependency published only as source is named, never built: its build backend would run its code.
    @Test func aSourceOnlyDependencyIsNamedAndNeverBuilt() async throws {
        let world = try await world("scan-sdist")
        defer { world.stop() }
        let marker = world.root.appendingPathComponent("built-marker")
        try world.world.testbed.wheels.buildingSdist(name: "sourceonly", version: "3.0", marker: marker)
        try world.world.testbed.wheels.wheel(name: "needsource", version: "1.0", requires: ["sourceonly"])
        let requirements = try world.write(
            "requirements.txt", "--index-url \(world.index.indexURL)\n--no-binary sourceonly\nneedsource\n")
        let result = try await world.run([
            "scan", "--python", world.python, "--no-heuristics", "--format", "json", "-r", requirements,
        ])
        #expect(result.code == ExitStatus.sourceFailure.rawValue, "\(result.err)")
        #expect(result.out.isEmpty, "\(result.out)")
        #expect(
            result.err.contains(
                "--no-binary in the requirements is not followed by the resolution (alterks scan resolves wheels only"),
            "\(result.err)")
        #expect(
            result.err.contains(
                "alterks: error: cannot resolve the requirements: sourceonly (3.0) is only available as source"),
            "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the sdist's build backend ran")
    }

    @Test func pyprojectDependenciesResolveToo() async throws {
        let world = try await world("scan-pyproject")
        defer { world.stop() }
        let pyproject = try world.write(
            "app/pyproject.toml", "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = [\"tinyweb<2\"]\n")
        let result = try await world.run(
            ["scan", "--python", world.python, "--no-heuristics", "--format", "json", pyproject],
            environment: ["PIP_INDEX_URL": world.index.indexURL])
        #expect(result.code == ExitStatus.findings.rawValue, "\(result.err)\n\(result.out)")
        let results = try Self.results(result.out)
        let found = results.map { "\($0["name"] as? String ?? "") \($0["version"] as? String ?? "")" }.sorted()
        #expect(found == ["tinyutil 1.0", "tinyweb 1.0"], "\(result.out)")
    }
}
