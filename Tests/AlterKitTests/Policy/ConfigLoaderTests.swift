import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: ["HOME": "/home/u"], diagnostics: NullDiagnostics())

    func load(_ fixture: String) throws -> Configuration {
        let path = TestPaths.fixture("config/\(fixture)").path
        return try loader.load(file: path, displayName: fixture, required: true)
    }

    @Test func defaultsMatchTheOriginalAlterKS() {
        let config = Configuration.defaults
        #expect(config.action(for: .critical) == .block)
        #expect(config.action(for: .high) == .block)
        #expect(config.action(for: .medium) == .alert)
        #expect(config.action(for: .low) == .allow)
        #expect(config.action(for: .unknown) == .block)
        #expect(config.riskThreshold == 60)
        #expect(config.riskAction(for: .scan) == .alert)
        #expect(config.riskAction(for: .install) == .quarantine)
        #expect(config.maliciousAction == .block)
        #expect(config.onSourceError == .block)
        #expect(config.minReleaseAge == 48 * 3600)
        #expect(config.failOn == .block)
        #expect(config.allowSourceBuilds == false)
        #expect(Set(config.heuristicWeights.keys) == Set(Configuration.heuristicFactors))
    }

    @Test func partialTableKeepsTheOtherDefaults() throws {
        let config = try load("partial.toml")
        #expect(config.riskThreshold == 75)
        #expect(config.action(for: .high) == .quarantine)
        // unknown follows what high gets when not set itself
        #expect(config.action(for: .unknown) == .quarantine)
        #expect(config.action(for: .critical) == .block)
        #expect(config.action(for: .medium) == .alert)
        var expected = Configuration.defaults
        expected.riskThreshold = 75
        expected.severityActions[.high] = .quarantine
        expected.severityActions[.unknown] = .quarantine
        expected.origin = "partial.toml"
        #expect(config == expected)
    }

    @Test func standaloneFileWithEveryKey() throws {
        let dir = TestPaths.fixture("config").path
        let config = try load("full.toml")
        #expect(config.riskThreshold == 42.5)
        #expect(config.riskAction(for: .scan) == .quarantine)
        #expect(config.riskAction(for: .install) == .block)
        #expect(config.maliciousAction == .quarantine)
        #expect(config.allowlist.map(\.name) == ["requests", "zope-interface"])
        #expect(config.blocklist.map(\.name) == ["evil-pkg"])
        #expect(config.internalPackages == ["acme-internal", "acme-tools"])
        #expect(config.minReleaseAge == 24 * 3600)
        #expect(config.onSourceError == .alert)
        #expect(config.source == .offline)
        #expect(config.osvURL == "http://127.0.0.1:8080")
        #expect(config.allowSourceBuilds)
        #expect(config.pypiURL == "https://pypi.example.org")
        #expect(config.osvDatabaseURL == "https://mirror.example.org/PyPI/all.zip")
        #expect(config.cacheDirectory == dir + "/cache")
        #expect(config.verdictTTL == 12 * 3600)
        #expect(config.metadataTTL == 3600)
        #expect(config.advisoryTTL == 1800)
        #expect(config.httpTimeout == 10)
        #expect(config.httpTotalTimeout == 120)
        #expect(config.maxConcurrency == 4)
        #expect(config.webhookURL == "https://hooks.example.org/alterks")
        #expect(config.webhookSecret == "s3cret")
        #expect(config.failOn == .alert)
        #expect(config.action(for: .unknown) == .alert)
        #expect(config.action(for: .high) == .quarantine)
        #expect(config.weight(for: "typosquatting") == 0.5)
        #expect(config.weight(for: "package_age") == 0)
        #expect(config.weight(for: "code") == 1)
        #expect(config.weight(for: "metadata_quality") == 0.15)
        #expect(config.ignores.count == 2)
        #expect(config.ignores[0].id == "PYSEC-2023-74")
        #expect(config.ignores[0].untilText == "2027-01-31")
        // The ignore applies through the whole of its last day (UTC).
        #expect(config.ignores[0].expires == Date(timeIntervalSince1970: 1_801_440_000))
        #expect(config.ignores[1].untilText == "2026-06-30")
        #expect(config.ignores[1].package == "django")
    }

    @Test func environmentSecretWinsAndFileSecretWarns() throws {
        let diagnostics = DiagnosticCollector()
        let loader = ConfigLoader(environment: ["ALTERKS_WEBHOOK_SECRET": "from-env"], diagnostics: diagnostics)
        let config = try loader.load(
            file: TestPaths.fixture("config/full.toml").path, displayName: "full.toml", required: true)
        #expect(config.webhookSecret == "from-env")
        #expect(diagnostics.diagnostics.contains { $0.level == .warning && $0.message.contains("webhook_secret") })
    }

    @Test func listEntriesWithSpecifiers() throws {
        let config = try load("list-specifiers.toml")
        #expect(config.blocklist.map(\.description) == ["django<4", "evil"])
        #expect(config.allowlist.map(\.description) == ["requests>=2.31, <3"])
        let django = config.blocklist[0]
        #expect(django.match(name: "django", version: "3.2.25") == .matches)
        #expect(django.match(name: "django", version: "4.0") == .noMatch)
        #expect(django.match(name: "django", version: nil) == .versionUnknown)
        #expect(django.match(name: "flask", version: "1.0") == .noMatch)
    }

    @Test func legacyFailClosedFalseMeansAlert() throws {
        #expect(try load("legacy-fail-closed.toml").onSourceError == .alert)
    }

    @Test func riskActionStringAppliesToBothModes() throws {
        let config = try load("risk-action-string.toml")
        #expect(config.riskAction(for: .scan) == .block)
        #expect(config.riskAction(for: .install) == .block)
    }

    @Test(arguments: [
        (
            "no-table.toml",
            "no-table.toml: no [tool.alterks] table (a pyproject.toml given with --config must have one)"
        ),
        (
            "invalid-toml.toml",
            "invalid-toml.toml:3:26: invalid TOML: Error while parsing array: encountered end-of-file"
        ),
        (
            "unknown-key.toml",
            "unknown-key.toml:2: tool.alterks.risk_treshold: unknown key; did you mean \"risk_threshold\"?"
        ),
        (
            "unknown-key-far.toml",
            "unknown-key-far.toml:1: zzzz: unknown key; known keys: severity_actions, risk_threshold, risk_action, "
        ),
        (
            "unknown-severity.toml",
            "unknown-severity.toml:2: tool.alterks.severity_actions.hihg: unknown key; did you mean \"high\"?"
        ),
        (
            "unknown-weight.toml",
            "unknown-weight.toml:5: tool.alterks.heuristic_weights.typosquating: unknown key; "
                + "did you mean \"typosquatting\"?"
        ),
        (
            "misspelled-action.toml",
            "misspelled-action.toml:4: tool.alterks.severity_actions.critical: must be one of block, quarantine, "
                + "alert or allow, got \"blok\" (did you mean \"block\"?)"
        ),
        (
            "weight-out-of-range.toml",
            "weight-out-of-range.toml:2: tool.alterks.heuristic_weights.typosquatting: must be a number from 0 to 1, "
                + "got 1.5"
        ),
        (
            "threshold-out-of-range.toml",
            "threshold-out-of-range.toml:2: tool.alterks.risk_threshold: must be a number from 0 to 100, got 150"
        ),
        (
            "wrong-type.toml",
            "wrong-type.toml:2: tool.alterks.allowlist: must be an array of package names, each optionally with a "
                + "version specifier (\"django<4\"), got a string"
        ),
        (
            "wrong-type-threshold.toml",
            "wrong-type-threshold.toml:2: tool.alterks.risk_threshold: must be a number from 0 to 100, got a string"
        ),
        (
            "bad-date.toml",
            "bad-date.toml:11: tool.alterks.ignore[2].until: must be a real calendar date, got \"2027-02-30\""
        ),
        (
            "ignore-missing-reason.toml",
            "ignore-missing-reason.toml:2: tool.alterks.ignore[1].reason: is required: why PYSEC-2024-1 is accepted "
                + "(a non-empty string)"
        ),
        (
            "ignore-missing-until.toml",
            "ignore-missing-until.toml:1: tool.alterks.ignore[1].until: is required: the last day the ignore applies "
                + "(a date such as 2027-01-31)"
        ),
        (
            "ignore-unknown-key.toml",
            "ignore-unknown-key.toml:5: tool.alterks.ignore[1].expires: unknown key (allowed: id, reason, until, "
                + "package)"
        ),
        (
            "insecure-url.toml",
            "insecure-url.toml:2: tool.alterks.osv_url: must be an https:// URL (http:// only for 127.0.0.1, "
                + "localhost or [::1]), got \"http://osv.example.org\""
        ),
        (
            "bad-duration.toml",
            "bad-duration.toml:2: tool.alterks.verdict_ttl: must be a number of seconds or a duration such as "
                + "\"90s\", \"30m\", \"24h\", \"7d\", got \"24 hours\""
        ),
        (
            "source-error-allow.toml",
            "source-error-allow.toml:2: tool.alterks.on_source_error: must be one of block or alert, got \"allow\""
        ),
        (
            "malicious-allow.toml",
            "malicious-allow.toml:2: tool.alterks.malicious_action: must be one of block, quarantine or alert, "
                + "got \"allow\""
        ),
        (
            "bad-list-entry.toml",
            "bad-list-entry.toml:2: tool.alterks.blocklist: entry 1 \"django[bcrypt]\" is not a package name with an "
                + "optional version specifier (\"django<4\")"
        ),
        (
            "bad-source.toml",
            "bad-source.toml:2: tool.alterks.source: must be osv, pypi, offline or auto, got \"osv-api\""
        ),
        (
            "fail-closed-conflict.toml",
            "fail-closed-conflict.toml:2: tool.alterks.fail_closed: cannot be used together with on_source_error; "
                + "keep on_source_error"
        ),
        ("tool-alterks-not-table.toml", "tool-alterks-not-table.toml: tool.alterks: must be a table, got a string"),
        (
            "allow-source-builds-string.toml",
            "allow-source-builds-string.toml:2: tool.alterks.allow_source_builds: must be true or false, got a string"
        ),
        (
            "timeout-order.toml",
            "timeout-order.toml:3: tool.alterks.http_total_timeout: must be at least http_timeout (60 s), got 30 s"
        ),
    ])
    func invalidConfigurationIsOneClearLine(fixture: String, expected: String) throws {
        let error = #expect(throws: ConfigError.self) { try load(fixture) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(expected), "\(text)")
        #expect(!text.contains("\n"))
        #expect(error?.exitStatus == .usage)
    }

    @Test func nearestPyprojectWalkingUp() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let nested = root.appendingPathComponent("a/b/c")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try "[tool.alterks]\nrisk_threshold = 10\n".write(
            to: root.appendingPathComponent("pyproject.toml"), atomically: true, encoding: .utf8)
        try "[tool.alterks]\nrisk_threshold = 20\n".write(
            to: root.appendingPathComponent("a/pyproject.toml"), atomically: true, encoding: .utf8)
        let config = try loader.load(explicitFile: nil, workingDirectory: nested.path)
        #expect(config.riskThreshold == 20)
        #expect(config.origin == root.appendingPathComponent("a/pyproject.toml").path)
        // The nearest pyproject without a table gives the defaults rather than an error.
        try "[project]\nname = \"x\"\n".write(
            to: root.appendingPathComponent("a/b/pyproject.toml"), atomically: true, encoding: .utf8)
        #expect(try loader.load(explicitFile: nil, workingDirectory: nested.path).riskThreshold == 60)
    }

    @Test func explicitConfigRelativeToWorkingDirectory() throws {
        let config = try loader.load(explicitFile: "config/partial.toml", workingDirectory: TestPaths.fixture("").path)
        #expect(config.riskThreshold == 75)
        #expect(throws: ConfigError.notFound(file: "missing.toml")) {
            try loader.load(explicitFile: "missing.toml", workingDirectory: TestPaths.fixture("config").path)
        }
    }

    @Test(arguments: [
        ("90s", 90.0), ("30m", 1800), ("24h", 86400), ("7d", 604_800), ("2w", 1_209_600), ("1.5h", 5400),
    ])
    func durations(text: String, seconds: Double) {
        #expect(ConfigTableReader.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "h", "24", "24 hours", "-1h", ".5h", "1..5h", "1e3s", "١٢h"])
    func malformedDurations(text: String) {
        #expect(ConfigTableReader.parseDuration(text) == nil)
    }

    @Test func everyKeyIsDocumented() throws {
        let doc = try String(
            contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for key in ConfigTableReader.knownKeys + Configuration.heuristicFactors {
            #expect(doc.contains("`\(key)`") || doc.contains("`[\(key)]`"), "docs/configuration.md lacks \(key)")
        }
    }

    @Test func suggestionsAreCloseOrAbsent() {
        #expect(Suggest.closest(to: "risk_treshold", among: ConfigTableReader.knownKeys) == "risk_threshold")
        #expect(Suggest.closest(to: "allowlst", among: ConfigTableReader.knownKeys) == "allowlist")
        #expect(Suggest.closest(to: "zzzz", among: ConfigTableReader.knownKeys) == nil)
        #expect(Suggest.distance("ab", "ba") == 1)
    }
}

@Suite struct PolicyFingerprintTests {
    @Test func stableAndSensitiveToWhatAffectsVerdicts() throws {
        let base = Configuration.defaults
        #expect(base.fingerprint.count == 64)
        #expect(base.fingerprint == Configuration.defaults.fingerprint)
        var changed = base
        changed.riskThreshold = 61
        #expect(changed.fingerprint != base.fingerprint)
        changed = base
        changed.severityActions[.low] = .alert
        #expect(changed.fingerprint != base.fingerprint)
        changed = base
        changed.onSourceError = .alert
        #expect(changed.fingerprint != base.fingerprint)
        changed = base
        changed.heuristicWeights["provenance"] = 0.2
        #expect(changed.fingerprint != base.fingerprint)
        // What does not change a verdict keeps the fingerprint (and the cache).
        changed = base
        changed.osvURL = "https://mirror.example.org"
        changed.verdictTTL = 1
        changed.failOn = .alert
        changed.origin = "somewhere.toml"
        changed.webhookURL = "https://hooks.example.org"
        #expect(changed.fingerprint == base.fingerprint)
    }

    @Test func listOrderDoesNotMatter() throws {
        var a = Configuration.defaults
        a.allowlist = ["a", "b"].map { ConfigTableReader.parseListEntry($0)! }
        var b = Configuration.defaults
        b.allowlist = ["b", "a"].map { ConfigTableReader.parseListEntry($0)! }
        #expect(a.fingerprint == b.fingerprint)
    }

    @Test func knownDigest() {
        #expect(PolicyDigest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(PolicyDigest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            PolicyDigest.sha256Hex(String(repeating: "a", count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

@Suite struct ConfigFuzzTests {
    /// Mutations of every fixture: each either parses or fails with a one-line ConfigError, never a crash.
    @Test func mutatedFixturesNeverCrash() throws {
        let loader = ConfigLoader(environment: [:], diagnostics: NullDiagnostics())
        let directory = TestPaths.fixture("config")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var generator = SeededGenerator(
            seed: UInt64(ProcessInfo.processInfo.environment["ALTERKS_FUZZ_SEED"] ?? "") ?? 0xA17E_4B5)
        let pieces = ["=", "[", "]", "\"", "'", "\n", ".", "{", "}", ",", "#", "1e9", "-", "[[", "]]", "\\u0000", "ï"]
        // ALTERKS_FUZZ_ROUNDS and ALTERKS_FUZZ_SEED run a bigger or different round by hand.
        let rounds = Int(ProcessInfo.processInfo.environment["ALTERKS_FUZZ_ROUNDS"] ?? "") ?? 40
        var tried = 0
        var rejected = 0
        for name in names {
            let original = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            for _ in 0..<rounds {
                var chars = Array(original)
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let position = chars.isEmpty ? 0 : Int(generator.next() % UInt64(chars.count))
                    switch generator.next() % 3 {
                    case 0: if !chars.isEmpty { chars.remove(at: position) }
                    case 1: chars.insert(contentsOf: pieces[Int(generator.next() % UInt64(pieces.count))], at: position)
                    default:
                        if !chars.isEmpty {
                            chars[position] = Character(UnicodeScalar(UInt8(32 + generator.next() % 95)))
                        }
                    }
                }
                tried += 1
                if let debug = ProcessInfo.processInfo.environment["ALTERKS_FUZZ_DEBUG"] {
                    try? String(chars).write(toFile: debug, atomically: false, encoding: .utf8)
                }
                do {
                    _ = try loader.parse(
                        text: String(chars), file: name, baseDirectory: "/tmp", pyproject: nil, required: false)
                } catch {
                    rejected += 1
                    #expect(!error.description.contains("\n"), "\(error.description)")
                    #expect(error.description.hasPrefix(name))
                }
            }
        }
        #expect(tried == names.count * rounds)
        #expect(rejected > 0)
    }
}
