import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one in-process CLI run left behind.
struct CLIResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Both streams, for messages that may be on either.
    var output: String { stdout + "\n" + stderr }
}

/// A private world for running the CLI in-process: HOME and the XDG folders in a temp directory, a configuration file
/// pointing the sources at loopback doubles, and live services (libcurl with its retries, the system clock), as a
/// user would get them — so faults travel the same path they would in production.
struct HardeningSandbox {
    let root: URL
    var environment: [String: String]

    init(_ label: String = "alterks-hardening") throws {
        root = try TestPaths.temporaryDirectory(label)
        var environment: [String: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        for (key, folder) in [
            ("HOME", "home"), ("XDG_CACHE_HOME", "xdg-cache"), ("XDG_DATA_HOME", "xdg-data"),
            ("XDG_STATE_HOME", "xdg-state"), ("XDG_CONFIG_HOME", "xdg-config"), ("TMPDIR", "tmp"),
        ] {
            let path = root.appendingPathComponent(folder).path
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            environment[key] = path
        }
        environment["ALTERKS_SYSTEM_CONFIG"] = root.appendingPathComponent("etc-alterks-config.toml").path
        self.environment = environment
        // The user's configuration: the bundled snapshot (2024-10-10) is accepted as it is — these tests are about
        // faults, not the data's age (which `max_offline_age` tests cover).
        try write("xdg-config/alterks/config.toml", "max_offline_age = \"36500d\"\n")
    }

    /// `XDG_DATA_HOME/alterks`: where the offline database lives.
    var dataDirectory: String { environment["XDG_DATA_HOME"]! + "/alterks" }

    /// A file under the sandbox (folders created); returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// An `alterks.toml` (keys at the top level) pointing both APIs at `baseURL`, with short HTTP timeouts so that
    /// stalls end quickly, plus any `extra` lines.
    func config(
        baseURL: String, extra: String = "", timeout: Double = 2, totalTimeout: Double = 4,
        name: String = "alterks.toml"
    ) throws -> String {
        try write(
            name,
            """
            osv_url = "\(baseURL)"
            pypi_url = "\(baseURL)"
            http_timeout = \(timeout)
            http_total_timeout = \(totalTimeout)
            \(extra)

            """)
    }

    /// Runs `alterks ARGUMENTS` in-process with this sandbox's environment and live services.
    /// `alterks scan --config CONFIG -r REQUIREMENTS --no-heuristics --format json` with the sandbox's cache folder.
    func scanJSON(config: String, requirements: String) async -> CLIResult {
        await run([
            "scan", "--no-deps", "--config", config, "-r", requirements, "--no-heuristics", "--format", "json",
            "--cache-dir", path("cache"),
        ])
    }

    func run(_ arguments: [String]) async -> CLIResult {
        let out = BufferStream()
        let err = BufferStream()
        let environment = self.environment
        let context = CLIContext(
            stdout: out, stderr: err, environment: environment, currentDirectory: root.path,
            makeServices: { diagnostics in
                Services(
                    http: RetryingHTTPClient(CurlHTTPClient(environment: [:])), clock: SystemClock(),
                    processes: PosixProcessRunner(), environment: environment, diagnostics: diagnostics)
            })
        let status = await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
        return CLIResult(status: status, stdout: out.text, stderr: err.text)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// The process's peak resident set so far, in bytes (a high-water mark: compare before and after to bound what one
/// operation added).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// Requirements used by the fault tests: two pins with known advisories in the bundled data.
let vulnerablePins = "django==3.2.0\nflask==0.12\n"
