import AlterKit
import ArgumentParser
import Foundation
import ShimCore

/// What `install`, `gate` and `quarantine release` share: building the gate from the context, running it, and
/// writing what it returns.
struct GateRunner {
    let context: CLIContext
    let global: GlobalOptions
    let console: Console
    let services: Services

    init(global: GlobalOptions, context: CLIContext = .current) {
        self.context = context
        self.global = global
        self.console = Console(context: context, options: global)
        self.services = context.makeServices(console)
    }

    /// `ALTERKS_BYPASS=1` (also `true`/`yes`) or the `--bypass` flag.
    func bypassRequest(flag: Bool) -> BypassRequest? {
        if flag { return BypassRequest(source: "--bypass") }
        if let value = context.environment["ALTERKS_BYPASS"]?.lowercased(), ["1", "true", "yes"].contains(value) {
            return BypassRequest(source: "ALTERKS_BYPASS=\(context.environment["ALTERKS_BYPASS"] ?? "")")
        }
        return nil
    }

    /// `--allow-source-builds`, or `ALTERKS_ALLOW_SOURCE_BUILDS=1` (also `true`/`yes`): pip may build source
    /// distributions during the dry run (their code runs before the gate decides).
    func allowSourceBuilds(flag: Bool) -> String? {
        if flag { return "--allow-source-builds" }
        if let value = context.environment["ALTERKS_ALLOW_SOURCE_BUILDS"],
            ["1", "true", "yes"].contains(value.lowercased())
        {
            return "ALTERKS_ALLOW_SOURCE_BUILDS=\(value)"
        }
        return nil
    }

    /// Where AlterKS keeps its files; the error names the variable that is missing (XDG_CACHE_HOME, XDG_DATA_HOME
    /// or XDG_STATE_HOME, with no HOME to fall back on).
    func paths() throws -> AlterKSPaths { try AlterKSPaths(environment: context.environment) }

    /// The quarantine (its folder and manifest created when missing).
    func openQuarantine() throws -> Quarantine {
        try Quarantine.open(dataDir: paths().dataDir, services: services)
    }

    func openStateLog() -> StateLog? {
        do {
            let paths = try paths()
            try FileIO.ensurePrivateDirectory(paths.stateDir)
            return try StateLog(path: paths.stateDir + "/gate-log.sqlite3", diagnostics: console)
        } catch {
            console.emit(Diagnostic(.warning, "cannot open the gate log: \(error)"))
            return nil
        }
    }

    func makeGate(bypass: BypassRequest?, gateOnly: Bool, allowSourceBuilds: String? = nil) -> InstallGate {
        // Opened only when something is to be quarantined: most installs never touch it.
        let dataDir = Result { try paths().dataDir }
        let services = self.services
        let quarantine = LazyQuarantine {
            try Quarantine.open(dataDir: dataDir.get(), services: services)
        }
        let temporary = context.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        return InstallGate(
            services: services, launcher: context.attachedLauncher, quarantine: bypass == nil ? quarantine : nil,
            bypassLog: bypass == nil ? nil : openStateLog(),
            options: GateOptions(
                temporaryDirectory: temporary, workingDirectory: context.currentDirectory, bypass: bypass,
                gateOnly: gateOnly, allowSourceBuilds: allowSourceBuilds))
    }

    /// Runs the gate and ends the command with its exit code.
    func run(
        pip: PipCommand, pipArguments: [String], bypass: BypassRequest?, gateOnly: Bool,
        allowSourceBuilds: String? = nil
    ) async throws {
        if LiveShimSystem().isShimBinary(pip.executable) {
            throw ValidationError("\(pip.executable) is the alterks pip shim, not the real pip")
        }
        let gate = makeGate(bypass: bypass, gateOnly: gateOnly, allowSourceBuilds: allowSourceBuilds)
        let services = self.services
        let global = self.global
        let makeDecider = context.makeGateDecider
        let console = self.console
        let outcome = try await gate.run(pip: pip, pipArguments: pipArguments) {
            var decider = try makeDecider(services, global)
            let decide = decider.decide
            // The progress line is erased once the engine has answered, before pip writes to the terminal.
            decider.decide = { dependencies in
                defer { console.endProgress() }
                return try await decide(dependencies)
            }
            return decider
        }
        console.endProgress()
        write(outcome)
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// Passes a failed dry run's output through; summarises a gate-only run.
    func write(_ outcome: GateOutcome) {
        if let output = outcome.pipOutput {
            if !output.stdout.isEmpty { context.stdout.write(String(decoding: output.stdout, as: UTF8.self)) }
            if !output.stderr.isEmpty { context.stderr.write(String(decoding: output.stderr, as: UTF8.self)) }
        }
        if outcome.result == .gateOnly {
            for (item, decision) in zip(outcome.items, outcome.decisions) {
                console.out(
                    "\(decision.verdict.action.rawValue.uppercased())\t\(item.dependency.name)\t"
                        + "\(item.dependency.version ?? "")")
            }
        }
    }

    /// The real pip for `alterks install`: `--pip`, else what the shim would find (never the shim itself).
    func locatePip(explicit: String?) throws -> PipCommand {
        if let explicit {
            guard explicit.hasPrefix("/") else { throw ValidationError("--pip must be an absolute path") }
            return .executable(explicit)
        }
        let environment = ShimEnvironment(
            realPip: context.environment["ALTERKS_REAL_PIP"], realPython: nil, alterksBin: nil,
            virtualEnv: context.environment["VIRTUAL_ENV"], path: context.environment["PATH"])
        switch RealPipLocator(environment: environment, system: LiveShimSystem()).locate(programName: "pip") {
        case .success(.executable(let path)): return .executable(path)
        case .success(.python(let python)): return .python(python)
        case .failure(let message): throw ValidationError(message)
        }
    }
}

/// The quarantine, opened on first use.
struct LazyQuarantine: QuarantineService {
    let open: @Sendable () throws -> Quarantine

    func quarantine(_ item: PipReportItem, decision: GateDecision, target: QuarantineTarget) async throws
        -> QuarantineRecord
    {
        try await open().quarantine(item, decision: decision, target: target)
    }
}
