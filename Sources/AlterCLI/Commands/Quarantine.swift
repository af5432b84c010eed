import AlterKit
import ArgumentParser
import Foundation

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
        func run() async throws {
            let runner = GateRunner(global: global)
            let records = try runner.openQuarantine().list()
            if records.isEmpty {
                if !global.quiet { runner.console.out("nothing in quarantine") }
                return
            }
            runner.console.out("NAME\tVERSION\tWHEN\tKIND\tSTATE\tWHY")
            for record in records {
                let why = record.reasons.sorted { $0.action > $1.action }.first?.message ?? "no reason recorded"
                runner.console.out(
                    "\(record.name)\t\(record.version)\t\(Self.timestamp(record.quarantinedAt))\t"
                        + "\(record.artifactKind.rawValue)\t\(record.state.rawValue)\t\(why)")
            }
        }

        static func timestamp(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a quarantined package: metadata, files, entry points, .pth files, scripts, findings.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version (default: every quarantined version).") var version: String?
        func run() async throws {
            let runner = GateRunner(global: global)
            let console = runner.console
            for inspection in try runner.openQuarantine().inspect(name: name, version: version) {
                let record = inspection.record
                console.out(
                    "\(record.name) \(record.version) (\(record.artifactKind.rawValue), \(record.state.rawValue))")
                console.out("  quarantined: \(List.timestamp(record.quarantinedAt))")
                console.out("  folder:      \(record.directory)")
                console.out("  artifact:    \(record.artifactPath)")
                console.out("  sha256:      \(record.artifactSHA256)")
                console.out("  from:        \(record.artifactURL)")
                console.out("  target:      \(record.target.pip.display)")
                section(console, "why", record.reasons.map { "\($0.action.rawValue.uppercased()): \($0.message)" })
                section(console, "metadata", inspection.metadata.map { "\($0.key): \($0.value)" })
                section(console, "entry points", inspection.entryPoints)
                section(console, ".pth files (run at every interpreter start)", inspection.pthFiles)
                section(console, "install scripts", inspection.installScripts)
                section(console, "native binaries", inspection.nativeBinaries)
                section(
                    console, "static inspection of the artifact",
                    (inspection.artifactInspection?.findings ?? []).map {
                        "\($0.severity.rawValue.uppercased()) \($0.kind.rawValue) \($0.location): \($0.evidence)"
                    })
                section(console, "files", inspection.files)
                section(console, "notes", inspection.notes)
            }
        }

        func section(_ console: Console, _ title: String, _ lines: [String]) {
            console.out("  \(title):\(lines.isEmpty ? " none" : "")")
            for line in lines { console.out("    \(line.replacingOccurrences(of: "\n", with: "\n    "))") }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-scan and install a quarantined package into the target environment if now allowed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version.") var version: String?
        @Flag(help: "Install even if the verdict still does not allow it (prints a warning).") var force = false
        func run() async throws {
            let runner = GateRunner(global: global)
            let quarantine = try runner.openQuarantine()
            let decider = try runner.context.makeGateDecider(runner.services, global)
            let gate = runner.makeGate(
                bypass: nil, gateOnly: false, allowSourceBuilds: runner.allowSourceBuilds(flag: false))
            let outcome = try await quarantine.release(
                name: name, version: version, force: force, decider: decider, gate: gate)
            runner.write(outcome)
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
            if !global.quiet { runner.console.err("alterks: released \(name) from quarantine") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a quarantined package and its venv.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version (default: every quarantined version).") var version: String?
        func run() async throws {
            let runner = GateRunner(global: global)
            let removed = try runner.openQuarantine().remove(name: name, version: version)
            if !global.quiet {
                for record in removed { runner.console.err("alterks: removed \(record.name) \(record.version)") }
            }
        }
    }
}
