import AlterKit
import ArgumentParser

/// `alterks gate`: The pip shim's install gate (used by the pip shim; same as install).
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "The pip shim's install gate (used by the pip shim; same as install).",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "gate")
    }
}
