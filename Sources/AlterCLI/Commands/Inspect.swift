import AlterKit
import ArgumentParser

/// `alterks inspect`: Inspect one artifact (wheel/sdist path, URL or NAME==VERSION) without running it.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Inspect one artifact (wheel/sdist path, URL or NAME==VERSION) without running it.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        throw NotBuiltYet(command: "inspect")
    }
}
