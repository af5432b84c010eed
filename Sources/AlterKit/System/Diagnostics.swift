import Foundation

/// A recoverable problem or a progress note the engine wants a person to see. The engine never prints:
/// it hands diagnostics to an injected sink, and the CLI decides where (stderr) and whether (`--quiet`).
public struct Diagnostic: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable, Comparable {
        case debug, info, warning, error

        private var rank: Int {
            switch self {
            case .debug: 0
            case .info: 1
            case .warning: 2
            case .error: 3
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public var level: Level
    public var message: String

    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }
}

/// Receives diagnostics. Must be safe to call from any task.
public protocol DiagnosticSink: Sendable {
    func emit(_ diagnostic: Diagnostic)
}

extension DiagnosticSink {
    public func warning(_ message: String) { emit(Diagnostic(.warning, message)) }
    public func info(_ message: String) { emit(Diagnostic(.info, message)) }
    public func debug(_ message: String) { emit(Diagnostic(.debug, message)) }
}

/// Collects diagnostics in memory (tests, and reports that list their warnings).
public final class DiagnosticCollector: DiagnosticSink, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Diagnostic] = []

    public init() {}

    public func emit(_ diagnostic: Diagnostic) {
        lock.lock()
        items.append(diagnostic)
        lock.unlock()
    }

    public var diagnostics: [Diagnostic] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Discards everything.
public struct NullDiagnostics: DiagnosticSink {
    public init() {}
    public func emit(_ diagnostic: Diagnostic) {}
}
