import AlterKit
import ArgumentParser

/// `alterks quarantine`: flagged packages kept in their own venvs.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Manage quarantined packages.",
        subcommands: [List.self, Inspect.self, Release.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List quarantined packages (name, version, when, why).")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw NotBuiltYet(command: "quarantine list") }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a quarantined package: metadata, files, entry points, findings.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version (default: every quarantined version).") var version: String?
        func run() async throws { throw NotBuiltYet(command: "quarantine inspect") }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-scan and install a quarantined package into the target environment if now allowed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version.") var version: String?
        @Flag(help: "Install even if the verdict still does not allow it (prints a warning).") var force = false
        func run() async throws { throw NotBuiltYet(command: "quarantine release") }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a quarantined package and its venv.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version.") var version: String?
        func run() async throws { throw NotBuiltYet(command: "quarantine remove") }
    }
}
