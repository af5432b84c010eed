import AlterCore
import Foundation

/// Every side effect the engine may have, injected. Commands build `.live(...)`; tests build their own
/// with loopback servers, fixed clocks and temp directories.
public struct Services: Sendable {
    public var http: any HTTPClient
    public var clock: any WallClock
    public var processes: any ProcessRunner
    /// The process environment the engine may read (`ALTERKS_*`, `VIRTUAL_ENV`, `PATH`, `XDG_*`, `HOME`).
    public var environment: [String: String]
    public var diagnostics: any DiagnosticSink

    public init(
        http: any HTTPClient, clock: any WallClock, processes: any ProcessRunner,
        environment: [String: String], diagnostics: any DiagnosticSink
    ) {
        self.http = http
        self.clock = clock
        self.processes = processes
        self.environment = environment
        self.diagnostics = diagnostics
    }
}
