import AlterKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private folder with a find-links index of tiny wheels, a fresh venv, a data dir for the quarantine, and a log
/// file for the output of the pip runs the gate attaches to the terminal.
public struct GateTestbed: Sendable {
    public let root: URL
    /// The `--find-links` folder.
    public let index: URL
    public let venv: URL
    public let wheels: WheelBuilder
    /// Where attached pip runs write.
    public let log: URL
    /// Which pip the venv has.
    public let pipVersion: TestPip

    /// A testbed whose venv has `pip` (see `TestPip`: gate tests run under each).
    public static func make(_ label: String, pip: TestPip = .machine) async throws -> GateTestbed {
        let root = try TestPaths.temporaryDirectory("alterks-\(label)")
        let index = root.appendingPathComponent("index")
        for folder in ["index", "tmp", "data", "state"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let venv = try await PythonEnvironments.shared.makeVenv(at: root.appendingPathComponent("venv"), pip: pip)
        let log = root.appendingPathComponent("pip-output.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        return GateTestbed(
            root: root, index: index, venv: venv, wheels: WheelBuilder(directory: index), log: log, pipVersion: pip)
    }

    /// The venv's pip.
    public var pip: String { venv.appendingPathComponent("bin/pip").path }

    /// Hermetic pip environment, with the quarantine and state under this testbed.
    public var environment: [String: String] {
        PythonEnvironments.hermeticEnvironment([
            "ALTERKS_DATA_DIR": root.appendingPathComponent("data").path,
            "ALTERKS_CACHE_DIR": root.appendingPathComponent("cache").path,
            "XDG_STATE_HOME": root.appendingPathComponent("state").path,
            "TMPDIR": root.appendingPathComponent("tmp").path,
            // No user or system configuration but the testbed's own.
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "ALTERKS_SYSTEM_CONFIG": root.appendingPathComponent("config/system-config.toml").path,
        ])
    }

    /// `--no-index --find-links INDEX`.
    public var indexOptions: [String] { ["--no-index", "--find-links", index.path] }

    /// What is installed in the venv (name → version, pip and setuptools left out).
    public func installed() throws -> [String: String] { try PythonEnvironments.installed(in: venv) }

    /// Everything the attached pip runs wrote.
    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// A launcher writing to the log file.
    package func launcher() -> LogFileLauncher { LogFileLauncher(path: log.path) }

    public func remove() { try? FileManager.default.removeItem(at: root) }

    /// Writes `FOLDER/pyproject.toml` whose `[tool.alterks]` sends both sources to loopback doubles (`source =
    /// "osv"`), followed by the `extra` lines (e.g. `min_release_age = 0`), and trusts it (as `alterks trust`
    /// does) in the trust store of `environment` — by default the one under `FOLDER/data`, a testbed's data dir.
    public static func writeConfig(
        in folder: URL, osvURL: String, pypiURL: String, extra: [String] = [],
        trustedIn environment: [String: String]? = nil
    ) throws {
        let lines =
            ["[tool.alterks]", "source = \"osv\"", "osv_url = \"\(osvURL)\"", "pypi_url = \"\(pypiURL)\""] + extra
        let file = folder.appendingPathComponent("pyproject.toml")
        let data = Data(lines.joined(separator: "\n").utf8)
        try data.write(to: file)
        let store =
            environment.flatMap { TrustStore(environment: $0) }
            ?? TrustStore(path: folder.appendingPathComponent("data/" + TrustStore.fileName).path)
        try store.trust(path: file.path, data: data)
    }
}

/// Runs attached processes with stdout and stderr appended to a file.
package struct LogFileLauncher: AttachedProcessLauncher {
    package let path: String

    package func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws
        -> Int32
    {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestProcessError("cannot open \(path)") }
        defer { close(fd) }
        return try await PosixAttachedLauncher(stdoutFD: fd, stderrFD: fd).run(
            executable, arguments, environment: environment)
    }

    /// As the real launcher does (the gate's final install then runs in the prepared interpreter), writing to
    /// the log file.
    package func prepare(_ pip: PipCommand, environment: [String: String]) -> PreparedPip? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return PosixAttachedLauncher(stdoutFD: fd, stderrFD: fd).prepare(pip, environment: environment)
    }
}

/// A fake engine: a verdict per project (default ALLOW), optional upload times per `name==version`, and a record
/// of what it was asked.
public final class FakeEngine: @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [Dependency] = []
    public var actions: [String: Action]
    public var uploads: [String: Date]
    public var minReleaseAgeHours: Double
    /// Runs inside `decide`, before it answers (e.g. to publish a newer release meanwhile).
    public var onDecide: (@Sendable () -> Void)?
    public var failure: (any Error & Sendable)?

    public init(actions: [String: Action] = [:], uploads: [String: Date] = [:], minReleaseAgeHours: Double = 0) {
        self.actions = actions
        self.uploads = uploads
        self.minReleaseAgeHours = minReleaseAgeHours
    }

    /// Everything asked so far, as `name==version`.
    public var askedFor: [String] {
        lock.lock()
        defer { lock.unlock() }
        return asked.map { "\($0.normalizedName)==\($0.version ?? "")" }
    }

    package func decide(_ dependencies: [Dependency]) throws -> [GateDecision] {
        lock.lock()
        asked += dependencies
        lock.unlock()
        onDecide?()
        if let failure { throw failure }
        return dependencies.map { dependency in
            let action = actions[dependency.normalizedName] ?? .allow
            let reasons =
                action == .allow
                ? [] : [Reason(kind: .vulnerability, action: action, message: "test says \(action.rawValue)")]
            return GateDecision(
                dependency: dependency, verdict: Verdict(action: action, reasons: reasons),
                uploadTime: uploads["\(dependency.normalizedName)==\(dependency.version ?? "")"])
        }
    }

    package var decider: GateDecider {
        GateDecider(minReleaseAgeHours: minReleaseAgeHours) { [self] in try self.decide($0) }
    }
}
