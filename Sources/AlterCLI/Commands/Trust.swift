import AlterKit
import ArgumentParser
import Foundation

/// `alterks trust [PATH]`: lets a project's `[tool.alterks]` loosen the policy (an allowlist, ignores, other
/// sources, a cache folder …). Records the file's SHA-256; an edited file needs trusting again.
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Trust a project's pyproject.toml, so that its settings that loosen the policy apply.",
        discussion: """
            A project's [tool.alterks] may always tighten the policy of your user configuration \
            ($XDG_CONFIG_HOME/alterks/config.toml) and the system one (/etc/alterks/config.toml). What it loosens \
            (allowlist, ignore, higher thresholds, on_source_error = "alert", a lower min_release_age, \
            allow_source_builds, cache_dir, source URLs …) applies only once you trust the file. The trust is \
            recorded with the file's SHA-256 in $XDG_DATA_HOME/alterks/trusted-policies.json (0600): a changed file \
            must be trusted again.

            \(ExitStatus.documentation)
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The pyproject.toml to trust (default: the nearest one from the working directory).")
    var path: String?

    @Flag(help: "Forget the trust of the file instead.")
    var revoke = false

    func run() async throws {
        let context = CLIContext.current
        let console = Console(context: context, options: global)
        let file: String
        if let path {
            file = CommandSetup.absolute(path, in: context.currentDirectory)
        } else {
            guard let found = try ConfigLoader.nearestPyproject(from: context.currentDirectory) else {
                throw ConfigError.notFound(file: "pyproject.toml (none in \(context.currentDirectory) or above)")
            }
            file = found
        }
        guard let store = TrustStore(environment: context.environment) else {
            throw FileIOError.noHomeDirectory(variable: "XDG_DATA_HOME")
        }
        if revoke {
            let removed = try store.revoke(path: file)
            if !global.quiet { console.out(removed ? "No longer trusted: \(file)" : "Was not trusted: \(file)") }
            return
        }
        let data: Data
        do {
            data = try FileIO.read(file, limit: ConfigLoader.maximumFileSize)
        } catch {
            throw ConfigError.unreadable(file: file, message: "\(error)")
        }
        // Only a configuration that loads is trusted: its errors are reported now, not at the next install.
        let loader = ConfigLoader(environment: context.environment, diagnostics: console)
        _ = try loader.load(file: file, displayName: file, required: false)
        try store.trust(path: file, data: data)
        if !global.quiet {
            console.out(
                "Trusted \(file) (sha256 \(TrustStore.digest(data).prefix(12))…); editing it revokes the trust.")
        }
    }
}
