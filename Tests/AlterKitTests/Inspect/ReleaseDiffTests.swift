import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// The hijack pattern: a release that is its predecessor plus a `.pth` hook or install-time network code.
@Suite struct ReleaseDiffTests {
    func wheel(_ version: String, pth: String? = nil) -> ArtifactInspection {
        var b = ArtifactBuilder(name: "popular", version: version)
        b.add("popular/__init__.py", "def hello():\n    return 'hi'\n")
        if let pth { b.add("popular.pth", pth) }
        return ArtifactInspector().inspect(artifact: b.wheelFileName, format: .wheel, members: b.wheelMembers())
    }

    @Test func newPthCodeIsReported() {
        let diff = ReleaseDiffer.diff(previous: wheel("1.0"), current: wheel("1.1", pth: "import popular\n"))
        #expect(diff.newHooks == ["pth popular.pth (code)"])
        #expect(diff.findings.first?.kind == .newInRelease)
        #expect(diff.findings.first?.severity == .high)
        #expect(diff.findings.first?.evidence.contains("since 1.0") == true)
        #expect(diff.newFindings.map(\.kind) == [.pthCode])
        // On its own the clean .pth is medium; new since the last release it reaches high.
        #expect(CodeFactor.factor(wheel("1.1", pth: "import popular\n")).score == 0.4)
        #expect(CodeFactor.factor(wheel("1.1", pth: "import popular\n"), diff: diff).score == 0.8)
    }

    @Test func unchangedHooksAreNotNew() {
        let diff = ReleaseDiffer.diff(
            previous: wheel("1.0", pth: "import popular\n"), current: wheel("1.1", pth: "import popular\n"))
        #expect(diff.isEmpty)
        #expect(diff.findings.isEmpty)
    }

    @Test func newInstallTimeNetworkInAnSdistIsNewWhateverTheVersionDirectory() {
        func sdist(_ version: String, _ setup: String) -> ArtifactInspection {
            var b = ArtifactBuilder(name: "popular", version: version)
            b.add("setup.py", setup)
            return ArtifactInspector().inspect(artifact: b.sdistFileName, format: .sdist, members: b.sdistMembers())
        }
        let old = sdist(
            "1.0",
            "import subprocess\nsubprocess.check_call(['git', 'describe'])\nfrom setuptools import setup\nsetup()\n")
        let new = sdist(
            "1.1",
            "import subprocess\nsubprocess.check_call(['git', 'describe'])\nimport urllib.request\n"
                + "urllib.request.urlopen('https://x.invalid')\nfrom setuptools import setup\nsetup()\n")
        let diff = ReleaseDiffer.diff(previous: old, current: new)
        #expect(diff.newFindings.map(\.kind) == [.network])
        #expect(diff.newFindings.first?.file == "popular-1.1/setup.py")
        #expect(diff.newHooks.isEmpty)
        #expect(ReleaseDiffer.diff(previous: old, current: old).isEmpty)
    }
}
