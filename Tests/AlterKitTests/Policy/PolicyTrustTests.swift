import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// Trust follows the person: the user's and the system's configuration are the root; a project's
/// `[tool.alterks]` tightens freely and loosens only once trusted, for the bytes that were trusted.
@Suite struct PolicyTrustTests {
    struct Home {
        let root: URL
        var environment: [String: String] {
            [
                "HOME": root.path, "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
                "XDG_DATA_HOME": root.appendingPathComponent("data").path,
                "ALTERKS_SYSTEM_CONFIG": root.appendingPathComponent("etc/config.toml").path,
            ]
        }
        var project: URL { root.appendingPathComponent("project") }
        var pyproject: URL { project.appendingPathComponent("pyproject.toml") }

        func write(_ relative: String, _ text: String) throws {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        func load(_ diagnostics: any DiagnosticSink = NullDiagnostics(), explicit: String? = nil) throws
            -> Configuration
        {
            try ConfigLoader(environment: environment, diagnostics: diagnostics).load(
                explicitFile: explicit, workingDirectory: project.path)
        }

        func trust() throws {
            try TrustStore(environment: environment)!.trust(path: pyproject.path, data: Data(contentsOf: pyproject))
        }
    }

    func home(_ label: String) throws -> Home {
        let home = Home(root: try TestPaths.temporaryDirectory(label))
        try FileManager.default.createDirectory(at: home.project, withIntermediateDirectories: true)
        return home
    }

    static let loosening = """
        [tool.alterks]
        allowlist = ["django"]
        cache_dir = ".alterks-cache"
        on_source_error = "alert"
        min_release_age = 0
        risk_threshold = 99
        pypi_url = "https://evil.example"
        allow_source_builds = true
        max_offline_age = "3650d"
        ignore = [{ id = "PYSEC-1", reason = "r", until = 2099-01-01 }]
        severity_actions = { critical = "allow" }
        signal_actions = { code = "allow" }
        trusted_rebuild_indexes = ["https://evil.example/simple"]
        """

    @Test func anUntrustedProjectLoosensNothingAndSaysWhatItIgnored() throws {
        let home = try home("trust-untrusted")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write("project/pyproject.toml", Self.loosening)
        let diagnostics = DiagnosticCollector()
        let config = try home.load(diagnostics)
        var expected = Configuration.defaults
        expected.origin = config.origin
        expected.policyFiles = config.policyFiles
        #expect(config == expected)
        let warnings = diagnostics.diagnostics.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.count == 1)
        for key in [
            "allowlist", "cache_dir", "on_source_error", "min_release_age", "risk_threshold", "pypi_url",
            "allow_source_builds", "max_offline_age", "ignore", "severity_actions.critical", "signal_actions.code",
            "trusted_rebuild_indexes",
        ] {
            #expect(warnings.first?.contains(key) == true, "\(key): \(warnings)")
        }
        #expect(warnings.first?.contains("alterks trust \(home.pyproject.path)") == true)
        #expect(config.policyFiles.map(\.role) == [.project])
        #expect(config.policyFiles.first?.trusted == false)
    }

    @Test func aTrustedProjectAppliesUntilItChanges() throws {
        let home = try home("trust-trusted")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write("project/pyproject.toml", Self.loosening)
        try home.trust()
        let trusted = try home.load()
        #expect(trusted.allowlist.map(\.name) == ["django"])
        #expect(trusted.cacheDirectory == home.project.appendingPathComponent(".alterks-cache").path)
        #expect(trusted.onSourceError == .alert)
        #expect(trusted.policyFiles.first?.trusted == true)
        let mode = try FileManager.default.attributesOfItem(
            atPath: home.root.appendingPathComponent("data/alterks/\(TrustStore.fileName)").path)[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)

        // One byte more: the trust is gone.
        try home.write("project/pyproject.toml", Self.loosening + "\n")
        let edited = try home.load()
        #expect(edited.allowlist.isEmpty)
        #expect(edited.cacheDirectory == nil)
        #expect(edited.policyFiles.first?.trusted == false)
    }

    @Test func tighteningAppliesWithoutTrust() throws {
        let home = try home("trust-tighten")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write(
            "project/pyproject.toml",
            """
            [tool.alterks]
            blocklist = ["leftpad"]
            risk_threshold = 40
            min_release_age = "7d"
            severity_actions = { medium = "block" }
            internal_packages = ["acme-core"]
            source = "osv"
            """)
        let diagnostics = DiagnosticCollector()
        let config = try home.load(diagnostics)
        #expect(config.blocklist.map(\.name) == ["leftpad"])
        #expect(config.riskThreshold == 40)
        #expect(config.minReleaseAge == 7 * 86400)
        #expect(config.action(for: .medium) == .block)
        #expect(config.internalPackages == ["acme-core"])
        #expect(config.source == .osv)
        #expect(diagnostics.diagnostics.isEmpty)
    }

    @Test func theUserAndSystemFilesAreTheRoot() throws {
        let home = try home("trust-root")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write("etc/config.toml", "on_source_error = \"alert\"\nrisk_threshold = 80\n")
        try home.write("config/alterks/config.toml", "allowlist = [\"django\"]\nrisk_threshold = 70\n")
        // The project asks for what the user already allows, and more.
        try home.write("project/pyproject.toml", "[tool.alterks]\nallowlist = [\"django\"]\nrisk_threshold = 75\n")
        let config = try home.load()
        #expect(config.onSourceError == .alert)
        #expect(config.allowlist.map(\.name) == ["django"])
        #expect(config.riskThreshold == 70)
        #expect(config.policyFiles.map(\.role) == [.system, .user, .project])
        #expect(config.policyFiles.last?.ignored == ["risk_threshold"])
    }

    @Test func anExplicitConfigIsTheUsersChoice() throws {
        let home = try home("trust-explicit")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write("project/alterks.toml", "allowlist = [\"django\"]\n")
        let config = try home.load(explicit: "alterks.toml")
        #expect(config.allowlist.map(\.name) == ["django"])
        #expect(config.policyFiles.map(\.role) == [.explicit])
    }

    @Test func aPyprojectThatIsNoFileIsAnError() throws {
        let home = try home("trust-nofile")
        defer { try? FileManager.default.removeItem(at: home.root) }
        // A parent's policy must not apply instead.
        try home.write("pyproject.toml", "[tool.alterks]\nblocklist = [\"x\"]\n")
        try FileManager.default.createDirectory(at: home.pyproject, withIntermediateDirectories: true)
        #expect(throws: ConfigError.self) { try home.load() }
        do {
            _ = try home.load()
        } catch {
            #expect("\(error)".contains("\(home.pyproject.path): cannot read configuration: is a directory"))
            #expect(!"\(error)".contains("\n"))
        }
        try FileManager.default.removeItem(at: home.pyproject)
        try FileManager.default.createSymbolicLink(atPath: home.pyproject.path, withDestinationPath: "pyproject.toml")
        do {
            _ = try home.load()
            Issue.record("a symlink loop loaded")
        } catch {
            #expect("\(error)".contains("symlink loop"), "\(error)")
        }
    }

    @Test func maxOfflineAgeIsAKey() throws {
        let loader = ConfigLoader(environment: [:], diagnostics: NullDiagnostics())
        let config = try loader.parse(
            text: "max_offline_age = 30\n", file: "a.toml", baseDirectory: "/", pyproject: false, required: false)
        #expect(config.maxOfflineAge == 30 * 86400)
        #expect(Configuration.defaults.maxOfflineAge == 7 * 86400)
        let hours = try loader.parse(
            text: "max_offline_age = \"12h\"\n", file: "a.toml", baseDirectory: "/", pyproject: false, required: false)
        #expect(hours.maxOfflineAge == 12 * 3600)
    }

    @Test func alterksPypiURLIsOneSettingThatWinsEverywhere() throws {
        let home = try home("trust-pypi-env")
        defer { try? FileManager.default.removeItem(at: home.root) }
        try home.write("config/alterks/config.toml", "pypi_url = \"https://mirror.example\"\n")
        var environment = home.environment
        environment["ALTERKS_PYPI_URL"] = "http://127.0.0.1:8080/"
        let config = try ConfigLoader(environment: environment, diagnostics: NullDiagnostics()).load(
            explicitFile: nil, workingDirectory: home.project.path)
        #expect(config.pypiURL == "http://127.0.0.1:8080")
        environment["ALTERKS_PYPI_URL"] = "http://evil.example"
        #expect(throws: ConfigError.self) {
            try ConfigLoader(environment: environment, diagnostics: NullDiagnostics()).load(
                explicitFile: nil, workingDirectory: home.project.path)
        }
    }
}
