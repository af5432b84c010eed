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
            abstract: "Delete every cached verdict, advisory record and PyPI metadata response.",
            discussion: "The offline advisory database and the quarantine are not caches: they are kept.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let setup = try CommandSetup(global: global)
            let directory = setup.builder.cacheDirectory
            let console = setup.console
            let clock = setup.services.clock
            try FileIO.ensurePrivateDirectory(directory)
            let verdicts = try VerdictCache(
                path: directory + "/" + VerdictCache.fileName, diagnostics: console, clock: clock
            ).clear()
            let metadata = try MetadataCache(
                path: directory + "/" + MetadataCache.fileName, diagnostics: console, clock: clock
            ).clear()
            let records = try AdvisoryCache(
                path: directory + "/" + AdvisoryCache.fileName, clock: clock, diagnostics: console
            ).clear()
            if !global.quiet {
                console.out(
                    "Cleared \(verdicts) verdicts, \(records) advisory records and \(metadata) metadata responses "
                        + "from \(directory).")
            }
        }
    }
}
