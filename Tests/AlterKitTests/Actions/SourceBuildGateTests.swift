import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// No third-party sdist's code runs before the gate decides: real pip, real venvs, a find-links index holding an
/// sdist whose build backend leaves a marker file when pip runs it.
@Suite struct SourceBuildGateTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Bed {
        let testbed: GateTestbed
        let marker: URL
        var markerExists: Bool { FileManager.default.fileExists(atPath: marker.path) }
    }

    /// alpha 1.0 (wheel, requires beta), beta 2.0 (wheel), gamma 1.0 (wheel), omega 1.0 (sdist only, marks),
    /// delta 1.0 (wheel, requires omega).
    func bed(_ label: String, pip: TestPip) async throws -> Bed {
        let testbed = try await GateTestbed.make(label, pip: pip)
        let marker = testbed.root.appendingPathComponent("build-code-ran")
        try testbed.wheels.wheel(name: "alpha", version: "1.0", requires: ["beta>=1"])
        try testbed.wheels.wheel(name: "beta", version: "2.0")
        try testbed.wheels.wheel(name: "gamma", version: "1.0")
        try testbed.wheels.buildingSdist(name: "omega", version: "1.0", marker: marker)
        try testbed.wheels.wheel(name: "delta", version: "1.0", requires: ["omega"])
        return Bed(testbed: testbed, marker: marker)
    }

    func gate(_ testbed: GateTestbed, diagnostics: DiagnosticCollector, allowSourceBuilds: String? = nil) throws
        -> InstallGate
    {
        let services = Services(
            http: NoHTTP(), clock: FixedClock(Self.now), processes: PosixProcessRunner(),
            environment: testbed.environment, diagnostics: diagnostics)
        return InstallGate(
            services: services, launcher: testbed.launcher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(
                temporaryDirectory: testbed.root.appendingPathComponent("tmp").path,
                allowSourceBuilds: allowSourceBuilds))
    }

    func messages(_ diagnostics: DiagnosticCollector) -> String {
        diagnostics.diagnostics.map { "\($0.level): \($0.message)" }.joined(separator: "\n")
    }

    @Test(arguments: TestPip.all, [["omega"], ["delta"], ["gamma", "omega==1.0"]])
    func anIndexSdistIsRefusedNamedAndNeverRun(_ pip: TestPip, _ requirements: [String]) async throws {
        let bed = try await bed("sdist-refused", pip: pip)
        defer { bed.testbed.remove() }
        let engine = FakeEngine()
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(bed.testbed, diagnostics: diagnostics).run(
            pip: .executable(bed.testbed.pip), pipArguments: ["install"] + bed.testbed.indexOptions + requirements,
            decider: { engine.decider })
        #expect(!bed.markerExists, "the sdist's build code ran")
        #expect(outcome.result == .sourceBuildRefused, "\(messages(diagnostics))")
        #expect(outcome.exitCode == 1)
        #expect(outcome.installArguments == nil)
        #expect(engine.askedFor.isEmpty)
        #expect(try bed.testbed.installed() == [:])
        let text = messages(diagnostics)
        #expect(text.contains("not installing: omega (1.0) is only available as source"), "\(text)")
        #expect(text.contains("--allow-source-builds"), "\(text)")
        #expect(diagnostics.diagnostics.filter { $0.level == .error }.count == 1, "\(text)")
    }

    @Test(arguments: TestPip.all) func withTheOptInTheSdistIsBuiltAndInstalledSaidLoudly(_ pip: TestPip) async throws {
        let bed = try await bed("sdist-allowed", pip: pip)
        defer { bed.testbed.remove() }
        let engine = FakeEngine()
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(bed.testbed, diagnostics: diagnostics, allowSourceBuilds: "--allow-source-builds")
            .run(
                pip: .executable(bed.testbed.pip), pipArguments: ["install"] + bed.testbed.indexOptions + ["delta"],
                decider: { engine.decider })
        #expect(outcome.result == .installed, "\(messages(diagnostics))\n\(bed.testbed.logText)")
        #expect(bed.markerExists)
        #expect(try bed.testbed.installed() == ["delta": "1.0", "omega": "1.0"])
        #expect(Set(engine.askedFor) == ["delta==1.0", "omega==1.0"])
        #expect(outcome.installArguments?.contains(SourceBuilds.onlyBinaryAll) == false)
        #expect(
            messages(diagnostics).contains(
                "source builds allowed (--allow-source-builds): pip may build source distributions during its dry "
                    + "run, which runs their setup.py / build backend BEFORE the gate has checked them"))
    }

    @Test(arguments: TestPip.all) func theConfigurationsOptInWorksToo(_ pip: TestPip) async throws {
        let bed = try await bed("sdist-config", pip: pip)
        defer { bed.testbed.remove() }
        let engine = FakeEngine()
        let diagnostics = DiagnosticCollector()
        var decider = engine.decider
        decider.allowSourceBuilds = true
        let outcome = try await gate(bed.testbed, diagnostics: diagnostics).run(
            pip: .executable(bed.testbed.pip), pipArguments: ["install"] + bed.testbed.indexOptions + ["omega"],
            decider: { decider })
        #expect(outcome.result == .installed, "\(messages(diagnostics))\n\(bed.testbed.logText)")
        #expect(try bed.testbed.installed() == ["omega": "1.0"])
        #expect(messages(diagnostics).contains("source builds allowed (allow_source_builds = true)"))
    }

    @Test(arguments: TestPip.all) func wheelsStillInstallAndTheFinalInstallIsWheelsOnlyToo(_ pip: TestPip) async throws
    {
        let bed = try await bed("wheels-only", pip: pip)
        defer { bed.testbed.remove() }
        let engine = FakeEngine()
        let outcome = try await gate(bed.testbed, diagnostics: DiagnosticCollector()).run(
            pip: .executable(bed.testbed.pip), pipArguments: ["install"] + bed.testbed.indexOptions + ["alpha"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(bed.testbed.logText)")
        #expect(try bed.testbed.installed() == ["alpha": "1.0", "beta": "2.0"])
        #expect(outcome.installArguments?.contains(SourceBuilds.onlyBinaryAll) == true)
        #expect(!bed.markerExists)
    }

    @Test(arguments: TestPip.all) func theUsersOwnNoBinaryIsAnExplicitRequestForThatPackage(_ pip: TestPip) async throws
    {
        let bed = try await bed("no-binary", pip: pip)
        defer { bed.testbed.remove() }
        let engine = FakeEngine()
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(bed.testbed, diagnostics: diagnostics).run(
            pip: .executable(bed.testbed.pip),
            pipArguments: ["install"] + bed.testbed.indexOptions + ["--no-binary", "omega", "delta"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(messages(diagnostics))\n\(bed.testbed.logText)")
        #expect(bed.markerExists)
        #expect(try bed.testbed.installed() == ["delta": "1.0", "omega": "1.0"])
        #expect(
            messages(diagnostics).contains(
                "your --no-binary / --only-binary options let pip build omega from source"))
    }

    @Test(arguments: TestPip.all, ["--no-binary :all:", "--no-binary omega", "--only-binary :none:"])
    func aRequirementsFileCannotLetSourceInSilently(_ pip: TestPip, _ option: String) async throws {
        let bed = try await bed("file-no-binary", pip: pip)
        defer { bed.testbed.remove() }
        let requirements = bed.testbed.root.appendingPathComponent("requirements.txt")
        try Data("\(option)\nomega\n".utf8).write(to: requirements)
        let engine = FakeEngine()
        let recorder = RecordingProcessRunner()
        let diagnostics = DiagnosticCollector()
        var gate = try gate(bed.testbed, diagnostics: diagnostics)
        gate.services.processes = recorder
        let outcome = try await gate.run(
            pip: .executable(bed.testbed.pip),
            pipArguments: ["install"] + bed.testbed.indexOptions + ["-r", requirements.path],
            decider: { engine.decider })
        #expect(recorder.calls.isEmpty)
        #expect(outcome.result == .sourceBuildRefused)
        #expect(outcome.exitCode == 1)
        #expect(messages(diagnostics).contains("a requirements file asks pip to build"), "\(messages(diagnostics))")
        #expect(!bed.markerExists)
    }

    @Test(arguments: [
        "https://files.example/omega-1.0.tar.gz", "omega @ https://files.example/omega-1.0.tar.gz",
    ])
    func aRemoteSourceArchiveIsRefusedBeforePipRuns(_ requirement: String) async throws {
        let root = try TestPaths.temporaryDirectory("alterks-remote-sdist")
        defer { try? FileManager.default.removeItem(at: root) }
        let recorder = RecordingProcessRunner()
        let diagnostics = DiagnosticCollector()
        let services = Services(
            http: NoHTTP(), clock: FixedClock(Self.now), processes: recorder, environment: [:],
            diagnostics: diagnostics)
        let gate = InstallGate(
            services: services, launcher: RecordingLauncher(), quarantine: nil, bypassLog: nil,
            options: GateOptions(temporaryDirectory: root.path))
        let outcome = try await gate.run(pip: .executable("/usr/bin/false"), pipArguments: ["install", requirement]) {
            FakeEngine().decider
        }
        #expect(outcome.result == .sourceBuildRefused)
        #expect(recorder.calls.isEmpty)
        #expect(messages(diagnostics).contains("https://files.example/omega-1.0.tar.gz is a source archive"))
    }

    @Test(arguments: TestPip.all) func theUsersOwnLocalProjectIsStillBuilt(_ pip: TestPip) async throws {
        let bed = try await bed("own-project", pip: pip)
        defer { bed.testbed.remove() }
        let project = bed.testbed.root.appendingPathComponent("project")
        let sdist = bed.testbed.index.appendingPathComponent("omega-1.0.tar.gz")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        let untar = try runProcess("/bin/tar", ["-xzf", sdist.path, "-C", project.path, "--strip-components=1"])
        #expect(untar.status == 0, "\(untar.stderr)")
        let engine = FakeEngine()
        let diagnostics = DiagnosticCollector()
        let outcome = try await gate(bed.testbed, diagnostics: diagnostics).run(
            pip: .executable(bed.testbed.pip),
            pipArguments: ["install"] + bed.testbed.indexOptions + [project.path, "gamma"],
            decider: { engine.decider })
        #expect(outcome.result == .installed, "\(messages(diagnostics))\n\(bed.testbed.logText)")
        #expect(try bed.testbed.installed() == ["omega": "1.0", "gamma": "1.0"])
        // gamma from its verified file; the user's own project built by pip with --no-deps.
        #expect(outcome.installMode == .verifiedFiles)
        #expect(outcome.installArguments?.contains("--no-index") == true)
        #expect(outcome.builtInstallArguments?.contains("--no-deps") == true)
        #expect(messages(diagnostics).contains("install path of omega 1.0: built by pip"), "\(messages(diagnostics))")
        #expect(messages(diagnostics).contains("install path of gamma 1.0: verified file"), "\(messages(diagnostics))")
    }

    @Test(arguments: TestPip.all) func aNonexistentPackageIsPipsOwnErrorNotASourceRefusal(_ pip: TestPip) async throws {
        let bed = try await bed("missing", pip: pip)
        defer { bed.testbed.remove() }
        let outcome = try await gate(bed.testbed, diagnostics: DiagnosticCollector()).run(
            pip: .executable(bed.testbed.pip), pipArguments: ["install"] + bed.testbed.indexOptions + ["omeg"],
            decider: { FakeEngine().decider })
        #expect(outcome.result == .dryRunFailed)
        #expect(outcome.exitCode == 1)
        let stderr = String(decoding: outcome.pipOutput?.stderr ?? Data(), as: UTF8.self)
        #expect(stderr.contains("No matching distribution found for omeg"), "\(stderr)")
    }
}

/// The pure parts: pip's format control, reading its refusal, spotting a build that slipped through.
@Suite struct SourceBuildsTests {
    @Test func formatControlFollowsPip() {
        func control(_ options: [(String, String)]) -> SourceBuilds.FormatControl {
            SourceBuilds.formatControl(after: options.map { (name: $0.0, value: $0.1) })
        }
        #expect(!control([]).allowsSource("foo"))
        #expect(control([("--no-binary", "Foo_Bar")]).allowsSource("foo-bar"))
        #expect(!control([("--no-binary", "foo")]).allowsSource("bar"))
        #expect(control([("--no-binary", ":all:")]).allowsSourceForAll)
        #expect(control([("--only-binary", ":none:")]).allowsSource("anything"))
        #expect(!control([("--no-binary", ":all:"), ("--only-binary", "foo")]).allowsSource("foo"))
        #expect(!control([("--no-binary", "foo"), ("--no-binary", ":none:")]).allowsSource("foo"))
        #expect(SourceBuilds.describeSourceRequest(control([("--no-binary", "b,a")])) == "a, b")
        #expect(SourceBuilds.describeSourceRequest(control([("--only-binary", "foo")])) == nil)
    }

    @Test func pipsRefusalIsReadFromItsDebugLog() {
        let failure = """
            ERROR: Could not find a version that satisfies the requirement omega (from delta) (from versions: none)
            ERROR: No matching distribution found for omega
            """
        let debug = """
            Skipping link: No sources permitted for omega: file:///idx/omega-1.0.tar.gz
            Skipping link: No sources permitted for omega: file:///idx/omega-0.9.zip
            Skipping link: No sources permitted for omega: file:///idx/omega-extra-2.0.tar.gz
            Skipping link: No sources permitted for gamma: file:///idx/gamma-1.0.tar.gz
            Skipping link: wrong project name (not omega): file:///idx/alpha-1.0-py3-none-any.whl
              Skipping link: No sources permitted for omega: http://idx/files/omega-1.1.tar.gz (from http://idx/simple/omega/)
            """
        let found = SourceBuilds.sourceOnly(failure: failure, debugOutput: debug)
        #expect(found.map(\.name) == ["omega"])
        // An index page's link (followed by "(from PAGE)") counts as a find-links one does.
        #expect(found.first?.versions == ["1.1", "1.0", "0.9"])
        #expect(SourceBuilds.sourceOnly(failure: failure, debugOutput: "").isEmpty)
    }

    @Test func carriedOptionValuesAreOneWordForShlex() {
        #expect(InstallGate.shellQuoted("https://u:p@idx.example/simple/") == "https://u:p@idx.example/simple/")
        #expect(InstallGate.shellQuoted("/path with space/it's") == "'/path with space/it'\\''s'")
    }

    @Test func remoteSourceArchivesAreTold() {
        #expect(SourceBuilds.isRemoteSourceArchive("https://x.example/a-1.0.tar.gz"))
        #expect(SourceBuilds.isRemoteSourceArchive("ftp://x.example/a-1.0.zip"))
        #expect(!SourceBuilds.isRemoteSourceArchive("https://x.example/a-1.0-py3-none-any.whl"))
        #expect(!SourceBuilds.isRemoteSourceArchive("git+https://x.example/a.git"))
        #expect(!SourceBuilds.isRemoteSourceArchive("file:///tmp/a-1.0.tar.gz"))
        #expect(
            SourceBuilds.url(ofRequirement: "a @ https://x.example/a.tar.gz ; python_version>'3'")
                == "https://x.example/a.tar.gz")
        #expect(SourceBuilds.url(ofRequirement: "a>=1") == nil)
    }

    @Test func anIndexSdistInTheReportIsCaughtAfterTheFact() {
        func item(_ name: String, _ url: String, _ kind: PipArtifactKind) -> PipReportItem {
            PipReportItem(
                dependency: Dependency(name: name, version: "1.0"), artifactURL: url, kind: kind, sha256: "ab")
        }
        let items = [
            item("wheel", "https://files/wheel-1.0-py3-none-any.whl", .index),
            item("sdist", "https://files/sdist-1.0.tar.gz", .index),
            item("local", "file:///tmp/local-1.0.tar.gz", .directArchive),
            item("remote", "https://files/remote-1.0.tar.gz", .directArchive),
            item("asked", "https://files/asked-1.0.tar.gz", .index),
        ]
        let control = SourceBuilds.formatControl(after: [(name: "--no-binary", value: "asked")])
        #expect(
            SourceBuilds.builtAgainstControl(items, control: control).map(\.dependency.name) == ["sdist", "remote"])
    }
}
