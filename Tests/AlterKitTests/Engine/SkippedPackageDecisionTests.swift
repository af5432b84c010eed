import Foundation
import Testing

@testable import AlterKit

/// A package the gate had to skip (an editable VCS checkout, a direct URL without a version) follows
/// `on_source_error`; only the user's own editable folder is an ALERT. Never a fixed ALERT labelled source failure
/// whatever the policy says (issue #14, item 4).
@Suite struct SkippedPackageDecisionTests {
    func decision(_ dependency: Dependency, _ action: Action) -> GateDecision {
        EngineBuilder.skippedDecision(
            SkippedDependency(dependency: dependency, reason: ScanEngine.skipReason(dependency) ?? "?"),
            onSourceError: action)
    }

    @Test(arguments: [Action.block, .quarantine, .alert])
    func whatCannotBeCheckedFollowsOnSourceError(_ action: Action) {
        let vcs = Dependency(name: "tool", url: "git+https://example.org/tool.git", editable: true)
        let archive = Dependency(name: "lib", url: "https://example.org/lib.tar.gz")
        for dependency in [vcs, archive] {
            let verdict = decision(dependency, action).verdict
            #expect(verdict.action == action)
            #expect(verdict.reasons.first?.kind == .sourceFailure)
            #expect(verdict.reasons.first?.message.hasPrefix("not checked: ") == true)
        }
    }

    @Test func theUsersOwnEditableFolderIsAnAlert() {
        let own = Dependency(name: "myproject", url: "file:///home/me/myproject", editable: true)
        #expect(decision(own, .block).verdict.action == .alert)
        #expect(decision(Dependency(name: "myproject", editable: true), .block).verdict.action == .alert)
    }
}
