import AlterKit
import ArgumentParser

/// `alterks scan`: Scan an environment, requirements file, pyproject or lockfile for vulnerable and risky packages.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan an environment, requirements file, pyproject or lockfile for vulnerable and risky packages.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "scan")
    }
}
