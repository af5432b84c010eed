import Foundation

extension EngineBuilder {
    /// The local index under this engine: the same configuration, verdict cache and artifact store as the install
    /// gate, with upstream requests carrying the user's index credentials and CA bundle.
    package func packageIndex(token: String, settings: IndexSettings) throws -> PackageIndex {
        let builder = EngineBuilder(
            configuration: configuration, paths: paths,
            services: Self.upstreamServices(services, settings: settings))
        return PackageIndex(
            token: token, settings: settings, http: builder.http, gate: builder.indexGate(),
            store: builder.artifactStore, clock: services.clock, diagnostics: services.diagnostics)
    }

    /// `services` whose HTTP client adds the user's index credentials per host and, when pip is told to trust a
    /// CA bundle (`PIP_CERT`, `cert =`), verifies TLS against that bundle.
    package static func upstreamServices(_ services: Services, settings: IndexSettings) -> Services {
        let retrying = services.http as? RetryingHTTPClient
        var base = retrying?.base ?? services.http
        if let bundle = settings.caBundle, base is CurlHTTPClient {
            var environment = services.environment
            environment["SSL_CERT_FILE"] = bundle
            environment["CURL_CA_BUNDLE"] = bundle
            base = CurlHTTPClient(environment: environment)
        }
        var out = services
        let credentialed = CredentialedHTTPClient(base: base, credentials: settings.credentials)
        out.http =
            retrying.map { RetryingHTTPClient(credentialed, policy: $0.policy, clock: services.clock) } ?? credentialed
        return out
    }
}
