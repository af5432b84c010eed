import AlterKit
import ArgumentParser

/// `alterks db`: the offline OSV database.
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The offline OSV advisory database.",
        subcommands: [Import.self, Update.self, Status.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an OSV zip (all.zip layout) or a folder of OSV JSON files.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Path to the zip or folder.") var path: String
        func run() async throws { throw NotBuiltYet(command: "db import") }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download the PyPI all.zip from OSV and import it.")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw NotBuiltYet(command: "db update") }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record count, newest modified and import time.")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw NotBuiltYet(command: "db status") }
    }
}
