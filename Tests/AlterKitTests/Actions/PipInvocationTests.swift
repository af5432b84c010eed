import AlterKit
import Foundation
import Testing

@Suite struct PipInvocationTests {
    @Test func dryRunPutsTheGateOptionsFirstAndDropsTheUsersReport() throws {
        let invocation = try PipInvocation(
            pipArguments: ["--log", "l.txt", "install", "-U", "--report", "mine.json", "flask"])
        #expect(invocation.globalArguments == ["--log", "l.txt"])
        #expect(
            invocation.dryRunArguments(report: "/w/r.json", exclusions: "/w/x.txt")
                == [
                    "--log", "l.txt", "install", "--dry-run", "--quiet", "--report", "/w/r.json", "--constraint",
                    "/w/x.txt", "-U", "flask",
                ])
    }

    @Test func wheelsOnlyGoesBeforeTheUsersOwnFormatOptionsAndTheProbeIsVerbose() throws {
        let invocation = try PipInvocation(
            pipArguments: ["-q", "install", "--no-binary", "foo", "-r", "r.txt", "--only-binary=bar", "baz"])
        #expect(
            invocation.dryRunArguments(report: "/w/r.json", exclusions: nil, onlyBinary: true)
                == [
                    "-q", "install", "--dry-run", "--quiet", "--report", "/w/r.json", "--only-binary=:all:",
                    "--no-binary", "foo", "-r", "r.txt", "--only-binary=bar", "baz",
                ])
        // -q before install and --quiet of ours are outweighed: pip's debug log (verbosity 2) is written.
        #expect(
            invocation.dryRunArguments(report: "/w/p.json", exclusions: nil, onlyBinary: true, debugOutput: true)
                .prefix(4) == ["-q", "install", "--dry-run", "-vvvv"])
        #expect(invocation.formatOptions.map(\.name) == ["--no-binary", "--only-binary"])
        #expect(invocation.formatOptions.map(\.value) == ["foo", "bar"])
        #expect(invocation.requirementFiles == ["r.txt"])
        #expect(!invocation.hasPathOrURLRequirements)
        #expect(
            invocation.pinnedInstallArguments(
                requirements: "/w/q.txt", requireHashes: true, onlyBinary: true, carriedOptions: ["--pre"])
                == [
                    "-q", "install", "--require-hashes", "--only-binary=:all:", "--requirement", "/w/q.txt",
                    "--no-binary", "foo", "--only-binary=bar", "--pre",
                ])
    }

    @Test func pinnedInstallKeepsOptionsButNoRequirementSources() throws {
        let invocation = try PipInvocation(
            pipArguments: [
                "install", "--user", "-i", "https://idx/simple", "-c", "c.txt", "flask[async]>=2", "-r", "r.txt",
                "--", "extra",
            ])
        #expect(invocation.hasNonNameRequirementSources)
        #expect(
            invocation.pinnedInstallArguments(requirements: "/w/req.txt", requireHashes: true)
                == [
                    "install", "--require-hashes", "--requirement", "/w/req.txt", "--user", "-i",
                    "https://idx/simple", "-c", "c.txt",
                ])
        #expect(
            invocation.constrainedInstallArguments(constraints: "/w/c.txt")
                == ["install", "--constraint", "/w/c.txt"] + invocation.installArguments)
    }

    @Test func aClusterMixingKeptAndDroppedOptionsCannotBeSplit() throws {
        let invocation = try PipInvocation(pipArguments: ["install", "-Ur", "r.txt"])
        #expect(invocation.pinnedInstallArguments(requirements: "/w/req.txt", requireHashes: true) == nil)
    }

    @Test func anUnknownOptionMakesTheSplitUncertain() throws {
        let invocation = try PipInvocation(pipArguments: ["install", "--frobnicate", "x", "flask"])
        #expect(!invocation.isCertain)
        #expect(invocation.pinnedInstallArguments(requirements: "/w/req.txt", requireHashes: true) == nil)
    }

    @Test func aLeadingDoubleDashIsMovedOutOfTheGlobals() throws {
        let invocation = try PipInvocation(pipArguments: ["--", "install", "flask"])
        #expect(invocation.globalArguments.isEmpty)
        #expect(invocation.installArguments == ["flask"])
    }

    @Test func notAnInstallIsRefused() {
        #expect(throws: GateError.notAnInstall(["list"])) { try PipInvocation(pipArguments: ["list"]) }
    }
}

@Suite struct ArgumentSafetyTests {
    func item(name: String, version: String, sha: String? = String(repeating: "a", count: 64), extras: [String] = [])
        -> PipReportItem
    {
        var dependency = Dependency(name: name, version: version)
        dependency.extras = extras
        return PipReportItem(
            dependency: dependency, artifactURL: "https://files.example/\(name)-\(version).tar.gz", kind: .index,
            sha256: sha)
    }

    @Test func writesPinnedLinesFromValidatedValues() throws {
        #expect(
            try ArgumentSafety.pinnedRequirementLine(
                item(name: "Flask", version: "2.0", extras: ["async"]), withHash: true)
                == "Flask[async]==2.0 --hash=sha256:" + String(repeating: "a", count: 64))
        #expect(
            try ArgumentSafety.constraintLine(item(name: "zope.interface", version: "5.0.0")) == "zope.interface==5.0.0"
        )
        #expect(try ArgumentSafety.exclusionLine(name: "beta", version: "2.0") == "beta!=2.0")
        // Versions are written in canonical form.
        #expect(try ArgumentSafety.constraintLine(item(name: "x", version: "1.0-RC1")) == "x==1.0rc1")
    }

    static let unsafe: [(String, String, [String])] = [
        ("x\n--index-url https://evil", "1.0", []),
        ("x", "1.0 --hash=sha256:00", []),
        ("x", "1.0\n-e /", []),
        ("x", "1.0;", []),
        ("x", "1.0", ["a]\n--index-url=https://evil#"]),
        ("-e", "1.0", []),
    ]

    @Test(arguments: unsafe)
    func refusesWhatAPackagesMetadataCouldSmuggleIn(_ name: String, _ version: String, _ extras: [String]) {
        #expect(throws: GateError.self) {
            _ = try ArgumentSafety.pinnedRequirementLine(
                item(name: name, version: version, extras: extras), withHash: true)
        }
    }

    @Test func refusesAHashThatIsNotHex() {
        #expect(throws: GateError.self) {
            _ = try ArgumentSafety.pinnedRequirementLine(item(name: "x", version: "1.0", sha: "zz"), withHash: true)
        }
    }

    static let acceptedArguments: [String] = [
        "requests", "requests==2.31.0", "Flask[async,dotenv]>=2,<3", "pkg ; python_version < \"3.12\"",
        "name @ https://example.org/name-1.0.tar.gz", "git+https://github.com/pypa/packaging@main#egg=packaging",
        "https://example.org/x-1.0-py3-none-any.whl", "zope.interface~=5.0", "x!=1.0.*",
    ]

    @Test(arguments: acceptedArguments)
    func acceptsOrdinaryRequirements(_ argument: String) throws {
        try ArgumentSafety.validate(try PipInvocation(pipArguments: ["install", argument]))
    }

    @Test func acceptsAnExistingPath() throws {
        try ArgumentSafety.validate(try PipInvocation(pipArguments: ["install", "/tmp"]))
        #expect(throws: GateError.self) {
            try ArgumentSafety.validate(try PipInvocation(pipArguments: ["install", "./no/such/project"]))
        }
    }
}
