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
    /// Set when this is a step of a long operation: shown as a live line on a terminal, never as a log line.
    public var progress: ProgressStep?

    public init(_ level: Level, _ message: String, progress: ProgressStep? = nil) {
        self.level = level
        self.message = message
        self.progress = progress
    }
}

/// How far one stage of a long operation has got (`done` of `total` items).
public struct ProgressStep: Sendable, Hashable {
    public var stage: String
    public var done: Int
    public var total: Int

    public init(stage: String, done: Int, total: Int) {
        self.stage = stage
        self.done = done
        self.total = total
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
    /// A progress step (`stage`: what is counted, e.g. "advisory records").
    public func progress(_ stage: String, done: Int, total: Int) {
        emit(
            Diagnostic(
                .debug, "\(stage): \(done)/\(total)", progress: ProgressStep(stage: stage, done: done, total: total)))
    }
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
