import Foundation

// STUB (HTTP only): the libcurl client replaces this.
struct UnimplementedHTTPClient: HTTPClient {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPError.transport(url: request.url, message: "HTTP client not built yet")
    }
}

extension Services {
    /// The real world: libcurl, the system clock, posix_spawn, the process environment.
    public static func live(environment: [String: String], diagnostics: any DiagnosticSink) -> Services {
        Services(
            http: UnimplementedHTTPClient(), clock: SystemClock(), processes: PosixProcessRunner(),
            environment: environment, diagnostics: diagnostics)
    }
}
