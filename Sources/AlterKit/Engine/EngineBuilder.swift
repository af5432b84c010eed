import Foundation

/// Builds the engine a command runs with, from the configuration, the paths and the injected services.
package struct EngineBuilder: Sendable {
    package var configuration: Configuration
    package var paths: AlterKSPaths
    package var services: Services

    package init(configuration: Configuration, paths: AlterKSPaths, services: Services) {
        self.configuration = configuration
        self.paths = paths
        self.services = services
    }

    /// The cache directory: `--cache-dir`/`cache_dir` when set, else the XDG one.
    package var cacheDirectory: String { configuration.cacheDirectory ?? paths.cacheDir }

    /// The HTTP client every source shares. The live services already retry (with backoff, `Retry-After`);
    /// here the retry budget becomes the configured total time bound. Any other client is used as given.
    package var http: any HTTPClient {
        guard let retrying = services.http as? RetryingHTTPClient else { return services.http }
        return RetryingHTTPClient(
            retrying.base, policy: RetryPolicy(totalBudget: configuration.httpTotalTimeout), clock: services.clock)
    }

    /// Services with the retrying client in place of the raw one.
    package var retryingServices: Services {
        var out = services
        out.http = http
        return out
    }

    /// The vulnerability source for `choice` (default: the configuration's `source`).
    package func vulnerabilitySource(_ choice: AdvisorySourceChoice? = nil) -> any VulnerabilitySource {
        var settingsPaths = paths
        settingsPaths.cacheDir = cacheDirectory
        let settings = VulnerabilitySourceSettings(configuration: configuration, paths: settingsPaths)
        return VulnerabilitySourceFactory.make(
            kind: choice ?? configuration.source, settings: settings, services: retryingServices)
    }

    /// The verdict cache, or nil (with a warning) when it cannot be opened: scanning goes on without it.
    package func verdictCache() -> VerdictCache? {
        do {
            try FileIO.ensurePrivateDirectory(cacheDirectory)
            return try VerdictCache(
                path: cacheDirectory + "/" + VerdictCache.fileName, diagnostics: services.diagnostics,
                clock: services.clock)
        } catch {
            services.diagnostics.warning("verdict cache unavailable, every verdict is computed afresh: \(error)")
            return nil
        }
    }

    /// A scan engine for `mode`.
    package func scanEngine(
        mode: PolicyMode, source: AdvisorySourceChoice? = nil, risk: (any RiskAssessor)?, useCache: Bool = true
    ) -> ScanEngine {
        ScanEngine(
            configuration: configuration, mode: mode, vulnerabilities: vulnerabilitySource(source), risk: risk,
            verdictCache: useCache ? verdictCache() : nil, clock: services.clock,
            diagnostics: services.diagnostics)
    }
}
