import AlterKit
import ArgumentParser

/// `alterks typosquat`: Screen package names for typosquatting, offline (JSON lines out).
struct TyposquatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "typosquat",
        abstract: "Screen package names for typosquatting, offline (JSON lines out).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "typosquat")
    }
}
