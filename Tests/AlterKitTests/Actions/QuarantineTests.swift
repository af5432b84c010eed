import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The quarantine against real venvs and the real pip, offline.
@Suite struct QuarantineTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func services(_ testbed: GateTestbed, diagnostics: any DiagnosticSink = NullDiagnostics()) -> Services {
        Services(
            http: NoHTTP(), clock: FixedClock(Self.now), processes: PosixProcessRunner(),
            environment: testbed.environment, diagnostics: diagnostics)
    }

    func quarantine(_ testbed: GateTestbed, diagnostics: any DiagnosticSink = NullDiagnostics()) throws -> Quarantine {
        try Quarantine.open(
            dataDir: testbed.root.appendingPathComponent("data").path,
            services: services(testbed, diagnostics: diagnostics))
    }

    /// A report item for a file of the test index, as pip's report would describe it.
    func item(_ file: URL, name: String, version: String, sha256: String? = nil) throws -> PipReportItem {
        let sha = try sha256 ?? WheelBuilder.sha256(of: file)
        return PipReportItem(
            dependency: Dependency(name: name, version: version, hashes: ["sha256:\(sha)"], direct: true),
            requiresDist: [], requiresPython: nil, artifactURL: file.absoluteString, kind: .index, sha256: sha,
            vcsCommit: nil, vcs: nil, isYanked: false)
    }

    func decision(_ item: PipReportItem, _ action: Action = .quarantine) -> GateDecision {
        GateDecision(
            dependency: item.dependency,
            verdict: Verdict(reasons: [Reason(kind: .risk, action: action, message: "looks like requests")]))
    }

    func target(_ testbed: GateTestbed) -> QuarantineTarget {
        QuarantineTarget(pip: .executable(testbed.pip), installOptions: testbed.indexOptions)
    }

    @Test(arguments: TestPip.all) func anSdistIsKeptHashVerifiedAndNeverBuilt(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("q-sdist", pip: pip)
        defer { testbed.remove() }
        let sdist = try testbed.wheels.sdist(name: "reqeusts", version: "0.1")
        let quarantine = try quarantine(testbed)
        let item = try item(sdist, name: "reqeusts", version: "0.1")
        let record = try await quarantine.quarantine(item, decision: decision(item), target: target(testbed))
        #expect(record.artifactKind == .sdist)
        #expect(record.state == .ready)
        #expect(record.venvPath == nil)
        #expect(try WheelBuilder.sha256(of: URL(fileURLWithPath: record.artifactPath)) == item.sha256)
        #expect(!FileManager.default.fileExists(atPath: record.directory + "/bin"))
        let listed = try quarantine.list()
        #expect(listed.map(\.name) == ["reqeusts"])
        #expect(listed.first?.reasons.map(\.message) == ["looks like requests"])
        let inspection = try #require(try quarantine.inspect(name: "REQEUSTS", version: "0.1").first)
        #expect(inspection.installScripts.first?.contains("runs its build") == true)
        #expect(inspection.artifactInspection?.hooks.contains { $0.contains("setup.py") } == true)
        let attributes = try FileManager.default.attributesOfItem(atPath: record.artifactPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test(arguments: TestPip.all) func aHashMismatchKeepsNothingAndTheHalfDoneRecordCanBeRemoved(_ pip: TestPip)
        async throws
    {
        let testbed = try await GateTestbed.make("q-mismatch", pip: pip)
        defer { testbed.remove() }
        let wheel = try testbed.wheels.wheel(name: "evil", version: "1.0")
        let quarantine = try quarantine(testbed)
        let item = try item(wheel, name: "evil", version: "1.0", sha256: String(repeating: "ab", count: 32))
        await #expect(throws: QuarantineError.self) {
            _ = try await quarantine.quarantine(item, decision: decision(item), target: target(testbed))
        }
        let records = try quarantine.list()
        #expect(records.map(\.state) == [.adding])
        #expect(!FileManager.default.fileExists(atPath: records[0].artifactPath))
        await #expect(throws: QuarantineError.incomplete(name: "evil", version: "1.0", state: "adding")) {
            _ = try await quarantine.release(
                name: "evil", version: nil, force: true, decider: FakeEngine().decider,
                gate: try gate(testbed, quarantine))
        }
        try quarantine.remove(name: "evil", version: nil)
        #expect(try quarantine.list().isEmpty)
    }

    @Test(arguments: TestPip.all) func anInterruptedRemovalIsFinishedByTheNextOne(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("q-interrupted", pip: pip)
        defer { testbed.remove() }
        let sdist = try testbed.wheels.sdist(name: "half", version: "1.0")
        let quarantine = try quarantine(testbed)
        let item = try item(sdist, name: "half", version: "1.0")
        let record = try await quarantine.quarantine(item, decision: decision(item), target: target(testbed))
        // Simulate a crash half-way through a removal: state set, the artifact already deleted, the row still there.
        try quarantine.manifest.setState(.removing, name: "half", version: "1.0")
        try FileManager.default.removeItem(atPath: record.artifactPath)
        #expect(try quarantine.list().map(\.state) == [.removing])
        try quarantine.remove(name: "half", version: "1.0")
        #expect(try quarantine.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: record.directory))
        #expect(throws: QuarantineError.notFound(name: "half", version: "1.0")) {
            try quarantine.remove(name: "half", version: "1.0")
        }
    }

    func gate(_ testbed: GateTestbed, _ quarantine: Quarantine, diagnostics: any DiagnosticSink = NullDiagnostics())
        throws -> InstallGate
    {
        InstallGate(
            services: services(testbed, diagnostics: diagnostics), launcher: testbed.launcher(),
            quarantine: quarantine, bypassLog: nil,
            options: GateOptions(temporaryDirectory: testbed.root.appendingPathComponent("tmp").path))
    }

    @Test(arguments: TestPip.all) func releaseInstallsOnlyWhenAllowedOrForced(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("q-release", pip: pip)
        defer { testbed.remove() }
        try testbed.wheels.wheel(name: "dep", version: "1.0")
        let wheel = try testbed.wheels.wheel(name: "newpkg", version: "1.0", requires: ["dep"])
        let diagnostics = DiagnosticCollector()
        let quarantine = try quarantine(testbed, diagnostics: diagnostics)
        let item = try item(wheel, name: "newpkg", version: "1.0")
        let record = try await quarantine.quarantine(item, decision: decision(item), target: target(testbed))
        #expect(record.state == .ready)

        // Still flagged: refused, nothing installed, still in quarantine.
        let stillFlagged = FakeEngine(actions: ["newpkg": .quarantine])
        await #expect(throws: QuarantineError.self) {
            _ = try await quarantine.release(
                name: "newpkg", version: nil, force: false, decider: stillFlagged.decider,
                gate: try gate(testbed, quarantine, diagnostics: diagnostics))
        }
        #expect(try testbed.installed() == [:])
        #expect(try quarantine.list().map(\.state) == [.ready])

        // Forced: installed from the kept artifact, its dependency gated (asked about) too; quarantine emptied.
        let outcome = try await quarantine.release(
            name: "newpkg", version: "1.0", force: true, decider: stillFlagged.decider,
            gate: try gate(testbed, quarantine, diagnostics: diagnostics))
        #expect(outcome.result == .installed, "\(testbed.logText)")
        #expect(try testbed.installed() == ["newpkg": "1.0", "dep": "1.0"])
        #expect(stillFlagged.askedFor.contains("dep==1.0"))
        #expect(try quarantine.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: record.directory))
        #expect(diagnostics.diagnostics.contains { $0.message.contains("because of --force") })
    }

    @Test(arguments: TestPip.all) func aTamperedArtifactIsNotReleased(_ pip: TestPip) async throws {
        let testbed = try await GateTestbed.make("q-tamper", pip: pip)
        defer { testbed.remove() }
        let sdist = try testbed.wheels.sdist(name: "tampered", version: "1.0")
        let quarantine = try quarantine(testbed)
        let item = try item(sdist, name: "tampered", version: "1.0")
        let record = try await quarantine.quarantine(item, decision: decision(item), target: target(testbed))
        try Data("changed".utf8).write(to: URL(fileURLWithPath: record.artifactPath))
        await #expect(throws: QuarantineError.self) {
            _ = try await quarantine.release(
                name: "tampered", version: nil, force: true, decider: FakeEngine().decider,
                gate: try gate(testbed, quarantine))
        }
        #expect(try testbed.installed() == [:])
        #expect(try quarantine.list().map(\.state) == [.ready])
    }
}
