import AlterKit
import ArgumentParser
import Foundation

/// `alterks`: the root command.
package struct AlterKSCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "alterks",
        abstract: "AlterKS — a supply-chain kill switch for pip.",
        discussion: """
            Global options, accepted by every command: --verbose, --quiet, --no-color (NO_COLOR is honoured too), \
            --config FILE, --cache-dir DIR.

            \(ExitStatus.documentation)
            """,
        version: AlterKSVersion.current,
        subcommands: [
            ScanCommand.self, InstallCommand.self, MonitorCommand.self, QuarantineCommand.self,
            ReportCommand.self, GenerateConstraintsCommand.self, DBCommand.self, CacheCommand.self,
            TyposquatCommand.self, InspectCommand.self, GateCommand.self, TrustCommand.self, IndexCommand.self,
        ])

    package init() {}
}

/// Runs the CLI in-process and returns its exit code. The executable's `main` and the tests both call this.
package enum AlterKSMain {
    package static func run(_ arguments: [String]) async -> Int32 {
        let context = CLIContext.current
        do {
            var command = try AlterKSCommand.parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return ExitStatus.clean.rawValue
        } catch let error as any AlterKSError {
            context.stderr.write("alterks: error: \(error.description)\n")
            return error.exitStatus.rawValue
        } catch let error as ExitCode {
            return error.rawValue
        } catch let error as NotBuiltYet {
            context.stderr.write("alterks: error: \(error.description)\n")
            return ExitStatus.usage.rawValue
        } catch {
            let code = AlterKSCommand.exitCode(for: error)
            let message = AlterKSCommand.fullMessage(for: error)
            if code == .success {
                context.stdout.write(message + "\n")
                return ExitStatus.clean.rawValue
            }
            context.stderr.write(message + "\n")
            // Parse and validation errors are usage errors (2), whatever ArgumentParser's own code is.
            return code.rawValue == ExitCode.failure.rawValue || code == .validationFailure
                ? ExitStatus.usage.rawValue : code.rawValue
        }
    }
}
