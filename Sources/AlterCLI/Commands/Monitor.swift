import AlterKit
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `alterks monitor`: newly disclosed vulnerabilities in what is already installed.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch installed environments and files for newly disclosed vulnerabilities.",
        discussion: """
            Each cycle reports what is new since the last one (and what was resolved), appends it to \
            --json-output and POSTs it to --webhook-url (signed with ALTERKS_WEBHOOK_SECRET or the config's \
            webhook_secret). State is kept in $XDG_STATE_HOME/alterks/monitor.sqlite. See docs/monitor.md.

            Exit codes of --once: 0 nothing new, 1 new findings, 2 usage error, 3 a data source failed.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var sources: SourceOptions

    @Option(name: .customLong("python"), help: "An interpreter whose environment to watch (repeatable).")
    var pythons: [String] = []

    @Option(
        name: [.customShort("r"), .customLong("requirement")],
        help: "A requirements or lock file to watch (repeatable).")
    var files: [String] = []

    @Flag(help: "Run one cycle and exit (for cron).")
    var once = false

    @Option(help: "Seconds between cycles when not --once.")
    var interval: Double = 86400

    @Option(name: .customLong("json-output"), help: "Append each cycle's report as one JSON line to this file.")
    var jsonOutput: String?

    @Option(name: .customLong("webhook-url"), help: "POST each cycle's report here (HTTPS, or http to loopback).")
    var webhookURL: String?

    @Flag(name: .customLong("update-db"), help: "Run `alterks db update` before the first cycle.")
    var updateDB = false

    @Option(name: .customLong("state-dir"), help: "Directory of the monitor's state database.")
    var stateDir: String?

    func validate() throws {
        if interval < 1 { throw ValidationError("--interval must be at least 1 second") }
        if updateDB && sources.offline { throw ValidationError("--update-db needs the network; --offline forbids it") }
    }

    func run() async throws {
        let setup = try CommandSetup(global: global)
        let console = setup.console
        var targets =
            pythons.map { MonitorTarget.python(setup.absolute($0)) }
            + files.map {
                MonitorTarget.file(setup.absolute($0))
            }
        if targets.isEmpty {
            guard let venv = console.context.environment["VIRTUAL_ENV"], !venv.isEmpty else {
                throw MonitorError.noTargets
            }
            targets = [.python(venv + "/bin/python")]
        }
        if updateDB {
            let settings = VulnerabilitySourceSettings(configuration: setup.configuration, paths: setup.paths)
            let database = try OfflineDatabase(
                path: settings.offlineDatabasePath, clock: setup.services.clock, diagnostics: console)
            let summary = try await OfflineDatabaseUpdater(http: setup.builder.http)
                .update(database, from: setup.configuration.osvDatabaseURL)
            console.info("offline database updated: \(summary.imported) records")
        }
        let stateDirectory = stateDir.map(setup.absolute) ?? setup.paths.stateDir
        try FileIO.ensurePrivateDirectory(stateDirectory)
        let state = try MonitorState(path: stateDirectory + "/monitor.sqlite", diagnostics: console)
        let secret = (console.context.environment["ALTERKS_WEBHOOK_SECRET"] ?? setup.configuration.webhookSecret)
            .flatMap { $0.isEmpty ? nil : Data($0.utf8) }
        let webhook = try (webhookURL ?? setup.configuration.webhookURL).map {
            try WebhookSender(url: $0, secret: secret, http: setup.builder.http, clock: setup.services.clock)
        }
        let runner = ScanRunner(setup: setup, mode: .scan)
        let source = sources.choice
        let monitor = Monitor(
            targets: targets, state: state,
            scan: { target in
                switch target {
                case .python(let path): try await runner.run(files: [], python: path, source: source, heuristics: true)
                case .file(let path): try await runner.run(files: [path], python: nil, source: source, heuristics: true)
                }
            },
            jsonOutput: jsonOutput.map(setup.absolute), webhook: webhook, clock: setup.services.clock,
            diagnostics: console)

        if once {
            let outcome = try await monitor.runCycle()
            summarize(outcome, console: console)
            if outcome.exitStatus != .clean { throw ExitCode(outcome.exitStatus.rawValue) }
            return
        }
        let task = Task { await monitor.runForever(interval: interval) { summarize($0, console: console) } }
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) { task.cancel() }
        await task.value
        signals.stop()
        if !global.quiet { console.err("alterks: monitor stopped") }
    }

    func summarize(_ outcome: Monitor.Outcome, console: Console) {
        guard !global.quiet else { return }
        let report = outcome.report
        let counts = report.counts
        var line =
            "\(report.time.formatted(.iso8601)) cycle \(report.status): \(counts.targets) target(s), "
            + "\(counts.packages) packages, \(counts.findings) findings, \(counts.new) new, \(counts.resolved) resolved"
        if counts.failedTargets > 0 { line += ", \(counts.failedTargets) target(s) FAILED (not clean)" }
        if outcome.undelivered > 0 { line += ", \(outcome.undelivered) report(s) awaiting delivery" }
        console.out(line)
        for finding in report.new {
            console.out(
                "  new: \(finding.package) \(finding.version) \(finding.kind) \(finding.id) → \(finding.action)")
        }
        for finding in report.resolved {
            console.out("  resolved: \(finding.package) \(finding.version) \(finding.id)")
        }
        for target in report.targets where target.status != "ok" {
            for error in target.errors.prefix(5) { console.err("alterks: \(target.target): \(error)") }
        }
    }
}

/// Turns SIGINT/SIGTERM into a callback (the default action is suppressed while it lives).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }

    func stop() { sources.forEach { $0.cancel() } }
}
