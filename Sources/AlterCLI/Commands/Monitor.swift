import AlterKit
import ArgumentParser

/// `alterks monitor`: Watch installed environments and files for newly disclosed vulnerabilities.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch installed environments and files for newly disclosed vulnerabilities.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "monitor")
    }
}
