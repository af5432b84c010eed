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
            abstract: "Show a quarantined package: metadata, files, entry points, .pth files, scripts, findings.",
            discussion: """
                The kept artifact is inspected as `alterks inspect` inspects it (the same findings, table or JSON), \
                next to what the quarantine recorded: why it was quarantined, its metadata, files and entry points.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Package name.") var name: String
        @Argument(help: "Version (default: every quarantined version).") var version: String?
        @Option(help: "Output format: table or json (one object per quarantined version).")
        var format: InspectFormat = .table

        func run() async throws {
            let runner = GateRunner(global: global)
            let inspections = try runner.openQuarantine().inspect(name: name, version: version)
            switch format {
            case .json: runner.console.out(Self.json(inspections))
            case .table: for inspection in inspections { table(runner.console, inspection) }
            }
        }

        func table(_ console: Console, _ inspection: QuarantineInspection) {
            let record = inspection.record
            console.out("\(record.name) \(record.version) (\(record.artifactKind.rawValue), \(record.state.rawValue))")
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
            // The same table `alterks inspect ARTIFACT` prints.
            let findings = inspection.artifactInspection.map {
                InspectionRenderer.table($0).split(separator: "\n").map(String.init)
            }
            section(console, "inspection of the kept artifact (as `alterks inspect`)", findings ?? ["not inspected"])
            section(console, "files", inspection.files)
            section(console, "notes", inspection.notes)
        }

        func section(_ console: Console, _ title: String, _ lines: [String]) {
            console.out("  \(title):\(lines.isEmpty ? " none" : "")")
            for line in lines { console.out("    \(line.replacingOccurrences(of: "\n", with: "\n    "))") }
        }

        /// One object per quarantined version: the record, what the quarantine holds, and under `inspection` the
        /// same document `alterks inspect --format json` prints for the kept artifact.
        static func json(_ inspections: [QuarantineInspection]) -> String {
            let objects = inspections.map { inspection -> [String: Any] in
                let record = inspection.record
                var object: [String: Any] = [
                    "name": record.name, "version": record.version, "kind": record.artifactKind.rawValue,
                    "state": record.state.rawValue, "quarantined_at": List.timestamp(record.quarantinedAt),
                    "directory": record.directory, "artifact_path": record.artifactPath,
                    "artifact_sha256": record.artifactSHA256, "artifact_url": record.artifactURL,
                    "reasons": record.reasons.map { ["action": $0.action.rawValue, "message": $0.message] },
                    "metadata": inspection.metadata.map { ["key": $0.key, "value": $0.value] },
                    "entry_points": inspection.entryPoints, "pth_files": inspection.pthFiles,
                    "install_scripts": inspection.installScripts, "native_binaries": inspection.nativeBinaries,
                    "files": inspection.files, "notes": inspection.notes,
                ]
                if let artifact = inspection.artifactInspection,
                    let document = try? JSONSerialization.jsonObject(
                        with: Data(InspectionRenderer.json(artifact).utf8))
                {
                    object["inspection"] = document
                } else {
                    object["inspection"] = NSNull()
                }
                return object
            }
            let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? JSONSerialization.data(withJSONObject: objects, options: options)) ?? Data("[]".utf8)
            return String(decoding: data, as: UTF8.self)
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
