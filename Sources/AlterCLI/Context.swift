import AlterKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a command writes. Injected (task-local) so that tests run commands in-process and read what they printed.
package protocol OutputStream: Sendable {
    func write(_ text: String)
    /// Whether this stream is a terminal (colour and progress only then).
    var isTerminal: Bool { get }
    /// The terminal's width in columns, when this stream is a terminal that reports one.
    var terminalColumns: Int? { get }
}

extension OutputStream {
    package var terminalColumns: Int? { nil }
}

/// A file descriptor (stdout, stderr).
package struct FileDescriptorStream: OutputStream {
    let fd: Int32
    package init(fd: Int32) { self.fd = fd }
    package func write(_ text: String) {
        // The string's own UTF-8 bytes: a report of hundreds of megabytes is not copied to be written.
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
    package var isTerminal: Bool { isatty(fd) == 1 }
    package var terminalColumns: Int? {
        var size = winsize()
        guard isatty(fd) == 1, ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// Collects output in memory (tests). `terminal: true` makes it answer like a terminal of `columns` columns.
package final class BufferStream: OutputStream, @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ""
    private let terminal: Bool
    private let columns: Int?
    package init(terminal: Bool = false, columns: Int? = nil) {
        self.terminal = terminal
        self.columns = columns
    }
    package func write(_ text: String) {
        lock.lock()
        buffer += text
        lock.unlock()
    }
    package var text: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }
    package var isTerminal: Bool { terminal }
    package var terminalColumns: Int? { terminal ? columns : nil }
}

/// The live progress line on a terminal's stderr: redrawn in place (`\r`, erase line), and erased before anything
/// else is written so that messages and results never mix with it. Shared by every copy of a context.
package final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var shown = ""

    package init() {}

    /// Draws `text` (cut to the terminal's width) in place of the current line, unless it is already shown.
    package func show(_ text: String, on stream: any OutputStream) {
        let width = max(10, (stream.terminalColumns ?? 80) - 1)
        let line = text.count > width ? String(text.prefix(width - 1)) + "…" : text
        lock.lock()
        defer { lock.unlock() }
        guard line != shown else { return }
        stream.write("\r\u{1B}[K" + line)
        shown = line
    }

    /// Erases the line if one is shown.
    package func clear(on stream: any OutputStream) {
        lock.lock()
        defer { lock.unlock() }
        guard !shown.isEmpty else { return }
        stream.write("\r\u{1B}[K")
        shown = ""
    }
}

/// Everything a command needs from the outside world. The live context reads the real process; tests
/// install their own with `CLIContext.$current.withValue(...)`.
package struct CLIContext: Sendable {
    package var stdout: any OutputStream
    package var stderr: any OutputStream
    package var environment: [String: String]
    package var currentDirectory: String
    /// Builds the engine's services for a command (HTTP, clock, processes …). Tests swap in loopback servers.
    package var makeServices: @Sendable (_ diagnostics: any DiagnosticSink) -> Services
    /// Builds the install gate's decision function (the engine: vulnerabilities, heuristics, policy, verdict
    /// cache, and the policy's minimum release age) for `install`, `gate` and `quarantine release`. The default
    /// fails closed: nothing is installed until the engine is wired in.
    package var makeGateDecider: @Sendable (_ services: Services, _ options: GlobalOptions) throws -> GateDecider
    /// Runs the gate's final `pip install` attached to the terminal. Tests send its output to a file.
    package var attachedLauncher: any AttachedProcessLauncher
    /// The progress line on stderr (terminals only).
    package let progressLine = ProgressLine()

    package init(
        stdout: any OutputStream, stderr: any OutputStream, environment: [String: String],
        currentDirectory: String, makeServices: @escaping @Sendable (_ diagnostics: any DiagnosticSink) -> Services,
        makeGateDecider: @escaping @Sendable (_ services: Services, _ options: GlobalOptions) throws -> GateDecider =
            { _, _ in throw GateError.engineNotWired },
        attachedLauncher: any AttachedProcessLauncher = PosixAttachedLauncher()
    ) {
        self.stdout = stdout
        self.stderr = stderr
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.makeServices = makeServices
        self.makeGateDecider = makeGateDecider
        self.attachedLauncher = attachedLauncher
    }

    @TaskLocal package static var current: CLIContext = .live

    package static var live: CLIContext {
        let env = ProcessInfo.processInfo.environment
        return CLIContext(
            stdout: FileDescriptorStream(fd: 1), stderr: FileDescriptorStream(fd: 2), environment: env,
            currentDirectory: FileManager.default.currentDirectoryPath,
            makeServices: { diagnostics in Services.live(environment: env, diagnostics: diagnostics) },
            makeGateDecider: { services, options in
                try CLIContext.engineGateDecider(services: services, options: options)
            })
    }

    /// The install gate's decisions from the real engine (vulnerabilities, heuristics, policy, verdict cache),
    /// under the configuration this command run reads.
    package static func engineGateDecider(services: Services, options: GlobalOptions) throws -> GateDecider {
        let context = CLIContext.current
        let configuration = try options.loadConfiguration(context: context, diagnostics: services.diagnostics)
        let paths = try AlterKSPaths(environment: context.environment)
        return try EngineBuilder(configuration: configuration, paths: paths, services: services).gateDecider()
    }
}
