import AlterKit
import ArgumentParser

/// `alterks report`: Full report of an environment: every package, verdict, findings and risk factors.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Full report of an environment: every package, verdict, findings and risk factors.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "report")
    }
}
