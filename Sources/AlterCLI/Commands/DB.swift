import AlterKit
import ArgumentParser
import Foundation

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

        func run() async throws {
            let setup = try CommandSetup(global: global)
            let source = setup.absolute(path)
            let summary = try setup.openDatabase().importPath(source)
            setup.report(summary, from: source)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download the PyPI all.zip from OSV and import it.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Download from this URL instead of the configured one (osv_db_url).") var url: String?

        func run() async throws {
            let setup = try CommandSetup(global: global)
            let from = url ?? setup.configuration.osvDatabaseURL
            setup.console.info("downloading \(from)")
            let summary = try await OfflineDatabaseUpdater(http: setup.builder.http)
                .update(try setup.openDatabase(), from: from)
            setup.report(summary, from: from)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record count, newest modified and import time.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let setup = try CommandSetup(global: global)
            let database = try setup.openDatabase()
            setup.console.out("Offline OSV database: \(database.path)")
            guard let status = try database.status() else {
                setup.console.out(
                    "No advisory data imported yet. The bundled snapshot (2024-10-10) seeds it the first time it is "
                        + "needed; `alterks db update` imports current data.")
                return
            }
            setup.console.out("Records: \(status.recordCount) (\(status.packageCount) packages)")
            setup.console.out("Newest modified: \(status.newestModified.map(CommandSetup.day) ?? "unknown")")
            setup.console.out("Imported: \(CommandSetup.timestamp(status.importedAt)) from \(status.source)")
            if status.malformedCount > 0 {
                setup.console.out("Malformed records skipped at import: \(status.malformedCount)")
            }
        }
    }
}

/// What the `db` subcommands add to the common setup.
extension CommandSetup {
    func openDatabase() throws -> OfflineDatabase {
        try OfflineDatabase(
            path: VulnerabilitySourceSettings(configuration: configuration, paths: paths).offlineDatabasePath,
            clock: services.clock, diagnostics: console)
    }

    func report(_ summary: ImportSummary, from source: String) {
        let newest = summary.newestModified.map { ", newest modified \(Self.day($0))" } ?? ""
        console.out("Imported \(summary.imported) OSV records from \(source)\(newest).")
        if summary.otherEcosystems > 0 {
            console.out("Skipped \(summary.otherEcosystems) records of other ecosystems.")
        }
        if !summary.malformed.isEmpty {
            console.warning("\(summary.malformed.count) malformed records skipped:")
            for error in summary.malformed.prefix(20) { console.warning(error.description) }
            if summary.malformed.count > 20 { console.warning("… and \(summary.malformed.count - 20) more") }
        }
    }

    static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }
    static func timestamp(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm:ss 'UTC'") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
