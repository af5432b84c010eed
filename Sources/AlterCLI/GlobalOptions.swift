import AlterKit
import ArgumentParser

/// Flags every command takes.
package struct GlobalOptions: ParsableArguments, Sendable {
    @Flag(name: .shortAndLong, help: "Say more: every source queried, cache hits, timings.")
    package var verbose = false

    @Flag(name: .shortAndLong, help: "Only errors and the result; no progress, no summaries.")
    package var quiet = false

    @Flag(name: .customLong("no-color"), help: "No colour in output (also when NO_COLOR is set).")
    package var noColor = false

    @Option(
        name: .customLong("config"), help: "Read [tool.alterks] from this file instead of the nearest pyproject.toml.")
    package var configFile: String?

    @Option(name: .customLong("cache-dir"), help: "Directory for the SQLite caches (default $XDG_CACHE_HOME/alterks).")
    package var cacheDir: String?

    package init() {}

    package func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet cannot be used together") }
    }
}

/// The console of one command run: honours --quiet/--verbose/--no-color/NO_COLOR and TTY detection.
package struct Console: DiagnosticSink {
    package let context: CLIContext
    package let options: GlobalOptions

    package init(context: CLIContext = .current, options: GlobalOptions) {
        self.context = context
        self.options = options
    }

    /// Colour only on a terminal, never with --no-color or NO_COLOR (any value, per no-color.org).
    package var useColor: Bool {
        !options.noColor && context.environment["NO_COLOR"] == nil && context.stdout.isTerminal
    }

    /// Progress only on a terminal and never with --quiet.
    package var showProgress: Bool { !options.quiet && context.stderr.isTerminal }

    package func out(_ line: String) {
        endProgress()
        context.stdout.write(line + "\n")
    }
    package func err(_ line: String) {
        endProgress()
        context.stderr.write(line + "\n")
    }

    /// Shows one progress step on the live line (a terminal only, never with --quiet; never a log line).
    package func progress(_ step: ProgressStep) {
        guard showProgress else { return }
        let count = step.done == step.total ? "\(step.total)" : "\(step.done)/\(step.total)"
        context.progressLine.show("alterks: \(step.stage) \(count)", on: context.stderr)
    }

    /// Erases the progress line, if one is shown.
    package func endProgress() { context.progressLine.clear(on: context.stderr) }

    package func emit(_ diagnostic: Diagnostic) {
        if let step = diagnostic.progress { return progress(step) }
        switch diagnostic.level {
        case .debug: if options.verbose { err("alterks: \(diagnostic.message)") }
        case .info: if !options.quiet { err("alterks: \(diagnostic.message)") }
        case .warning: if !options.quiet { err("alterks: warning: \(diagnostic.message)") }
        case .error: err("alterks: error: \(diagnostic.message)")
        }
    }
}
