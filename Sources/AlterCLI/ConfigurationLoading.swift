import AlterKit

extension GlobalOptions {
    /// The configuration of this command run: `--config FILE` or the nearest pyproject.toml from the working
    /// directory, with `--cache-dir` (relative to the working directory) taking precedence over `cache_dir`.
    /// Throws `ConfigError` (exit 2) with one line naming the file, key and what is allowed.
    package func loadConfiguration(context: CLIContext, diagnostics: any DiagnosticSink) throws -> Configuration {
        let loader = ConfigLoader(environment: context.environment, diagnostics: diagnostics)
        var config = try loader.load(explicitFile: configFile, workingDirectory: context.currentDirectory)
        if let cacheDir {
            config.cacheDirectory = cacheDir.hasPrefix("/") ? cacheDir : context.currentDirectory + "/" + cacheDir
        }
        return config
    }
}
