import Foundation

// STUB: the System work replaces this with libcurl and posix_spawn implementations.

struct UnimplementedHTTPClient: HTTPClient {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPError.transport(url: request.url, message: "HTTP client not built yet")
    }
}

struct UnimplementedProcessRunner: ProcessRunner {
    func run(
        _ executable: String, _ arguments: [String], environment: [String: String]?,
        currentDirectory: String?, stdin: Data?
    ) async throws -> ProcessResult {
        throw ProcessError.notFound(executable)
    }
}

extension Services {
    /// The real world: libcurl, the system clock, posix_spawn, the process environment.
    public static func live(environment: [String: String], diagnostics: any DiagnosticSink) -> Services {
        Services(
            http: UnimplementedHTTPClient(), clock: SystemClock(), processes: UnimplementedProcessRunner(),
            environment: environment, diagnostics: diagnostics)
    }
}
