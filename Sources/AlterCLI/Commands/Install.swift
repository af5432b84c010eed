import AlterKit
import ArgumentParser

/// `alterks install`: Install packages through the AlterKS gate (same as pip install behind the shim).
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install packages through the AlterKS gate (same as pip install behind the shim).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "install")
    }
}
