import AlterKit
import ArgumentParser

/// `alterks cache`: the verdict and metadata caches.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Manage the local caches.",
        subcommands: [Clear.self])

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every cached verdict, advisory and metadata record.")
        @OptionGroup var global: GlobalOptions
        func run() async throws { throw NotBuiltYet(command: "cache clear") }
    }
}
