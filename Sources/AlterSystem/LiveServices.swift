import AlterCore
import Foundation

extension Services {
    /// The real world: libcurl (with retries: `RetryPolicy.standard`), the system clock, posix_spawn, the process
    /// environment. The HTTP client reads its CA bundle and proxy settings from `environment`.
    public static func live(environment: [String: String], diagnostics: any DiagnosticSink) -> Services {
        Services(
            http: RetryingHTTPClient(CurlHTTPClient(environment: environment)), clock: SystemClock(),
            processes: PosixProcessRunner(), environment: environment, diagnostics: diagnostics)
    }
}
