import AlterKit
import ArgumentParser

/// `alterks generate-constraints`: Write a pip constraints file excluding every known-affected version.
struct GenerateConstraintsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-constraints",
        abstract: "Write a pip constraints file excluding every known-affected version.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "generate-constraints")
    }
}
