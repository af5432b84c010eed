import AlterKit
import ArgumentParser
import Foundation

/// What every engine-backed command starts with: the console, the configuration, the paths and the services.
struct CommandSetup {
    let console: Console
    let configuration: Configuration
    let paths: AlterKSPaths
    let services: Services

    init(global: GlobalOptions, context: CLIContext = .current) throws {
        let console = Console(context: context, options: global)
        self.console = console
        self.configuration = try global.loadConfiguration(context: context, diagnostics: console)
        self.paths = try AlterKSPaths(environment: context.environment)
        self.services = context.makeServices(console)
    }

    var builder: EngineBuilder { EngineBuilder(configuration: configuration, paths: paths, services: services) }

    static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardized.path
    }

    func absolute(_ path: String) -> String { Self.absolute(path, in: console.context.currentDirectory) }

    /// Reads every input file, or the installed environment of `python` (default: the active one) when none.
    func inventory(files: [String], python: String?) async throws -> (inventory: Inventory, targets: [String]) {
        if files.isEmpty {
            let interpreter = python.map(absolute)
            let (inventory, info) = try await InstalledEnvironment.load(python: interpreter, services: services)
            return (inventory, [info.executable])
        }
        var merged = Inventory()
        let context = InventoryContext(environment: console.context.environment, diagnostics: console)
        for file in files {
            let one = try InventoryLoader.load(path: absolute(file), context: context)
            // One file: its inventory as it is, not a copy of it.
            if files.count == 1 { return (one, files) }
            merged.dependencies += one.dependencies
            merged.skipped += one.skipped
            merged.sources += one.sources
            merged.options += one.options
            merged.constraints += one.constraints
        }
        return (merged, files)
    }

    /// Writes `text` to `output` (atomically, 0600) or stdout.
    func emit(_ text: String, output: String?) throws {
        var text = text.hasSuffix("\n") ? text : text + "\n"
        guard let output else {
            console.context.stdout.write(text)
            return
        }
        let path = absolute(output)
        // Written from the string's own bytes: a report of hundreds of megabytes is never copied.
        try text.withUTF8 { bytes in
            try FileIO.writeAtomically(
                Data(
                    bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count,
                    deallocator: .none),
                to: path)
        }
    }
}

/// `--source` for commands that look up advisories.
extension AdvisorySourceChoice: ExpressibleByArgument {}

extension Action: ExpressibleByArgument {}

/// Options shared by `scan`, `report` and `monitor`: where advisories come from.
struct SourceOptions: ParsableArguments {
    @Option(help: "Advisory source: osv, pypi, offline or auto (OSV, falling back to the offline database).")
    var source: AdvisorySourceChoice?

    @Flag(help: "No network at all: answer from the offline database (same as --source offline).")
    var offline = false

    var choice: AdvisorySourceChoice? { offline ? .offline : source }

    func validate() throws {
        if offline, let source, source != .offline {
            throw ValidationError("--offline cannot be combined with --source \(source.rawValue)")
        }
    }
}
