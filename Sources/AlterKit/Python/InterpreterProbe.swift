import Foundation
import PythonPackaging

/// What one run of a target interpreter tells us about itself.
public struct InterpreterInfo: Sendable, Hashable, Codable {
    /// `sys.executable`: the real interpreter behind a wrapper such as pyenv's `python3` shim.
    public var executable: String
    /// `packaging.markers.default_environment()` as that interpreter computes it.
    public var markerEnvironment: MarkerEnvironment
    /// `sys.path` without the leading `''` a `-c` script gets for the current directory: where pip looks for
    /// installed distributions.
    public var path: [String]
    /// `sys.prefix` and `sys.base_prefix` (different inside a virtual environment).
    public var prefix: String
    public var basePrefix: String

    public init(
        executable: String, markerEnvironment: MarkerEnvironment, path: [String], prefix: String,
        basePrefix: String
    ) {
        self.executable = executable
        self.markerEnvironment = markerEnvironment
        self.path = path
        self.prefix = prefix
        self.basePrefix = basePrefix
    }
}

/// The target interpreter could not be asked.
public enum InterpreterError: AlterKSError, Equatable {
    case notAbsolute(String)
    case failed(python: String, exitCode: Int32, stderr: String)
    case unreadableAnswer(python: String, detail: String)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .notAbsolute(let python):
            "interpreter path must be absolute: \(python.debugDescription)"
        case .failed(let python, let code, let stderr):
            "interpreter \(python) failed (exit \(code)): \(stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "")"
        case .unreadableAnswer(let python, let detail):
            "interpreter \(python) gave an unreadable answer: \(detail)"
        }
    }
}

/// Runs the target interpreter once with a small script that prints everything we need as one JSON line.
public enum InterpreterProbe {
    static let marker = "ALTERKS-PROBE:"

    /// Python 3.6+; prints the marker environment exactly as `packaging.markers.default_environment()` builds it.
    static let script = """
        import json, os, platform, sys
        def fv(info):
            v = "%d.%d.%d" % (info.major, info.minor, info.micro)
            if info.releaselevel != "final":
                v += info.releaselevel[0] + str(info.serial)
            return v
        env = {
            "implementation_name": sys.implementation.name,
            "implementation_version": fv(sys.implementation.version),
            "os_name": os.name,
            "platform_machine": platform.machine(),
            "platform_release": platform.release(),
            "platform_system": platform.system(),
            "platform_version": platform.version(),
            "python_full_version": platform.python_version(),
            "platform_python_implementation": platform.python_implementation(),
            "python_version": ".".join(platform.python_version_tuple()[:2]),
            "sys_platform": sys.platform,
        }
        path = list(sys.path)
        if path and path[0] == "":
            path = path[1:]
        prefix, base_prefix = sys.prefix, getattr(sys, "base_prefix", sys.prefix)
        if sys.flags.no_site:
            # -S: site did not run, so no .pth file and no sitecustomize ran. Find what site would add (the
            # venv of pyvenv.cfg, the user site, the system site-packages) without executing any of it.
            import site
            exe_dir = os.path.dirname(os.path.abspath(sys.executable))
            system_site = True
            if prefix == base_prefix:
                for conf in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg")):
                    if os.path.isfile(conf):
                        prefix = os.path.dirname(exe_dir)
                        with open(conf, encoding="utf-8") as f:
                            for line in f:
                                key, sep, value = line.partition("=")
                                if sep and key.strip().lower() == "include-system-site-packages":
                                    system_site = value.strip().lower() == "true"
                        break
            dirs = []
            if prefix != base_prefix:
                dirs += site.getsitepackages([prefix])
            if prefix == base_prefix or system_site:
                dirs += [site.getusersitepackages()] + site.getsitepackages([base_prefix])
            path += [d for d in dirs if os.path.isdir(d) and d not in path]
        print("\(marker)" + json.dumps({"executable": sys.executable, "markers": env, "path": path,
            "prefix": prefix, "base_prefix": base_prefix}))
        """

    private struct Answer: Decodable {
        var executable: String
        var markers: [String: String]
        var path: [String]
        var prefix: String
        var base_prefix: String
    }

    /// Runs `python -I -S -c SCRIPT` once. `environment` nil inherits ours (what pip itself would see).
    /// `-I -S`: nothing of the environment's own code runs — no `.pth` file, no `sitecustomize`, no `PYTHON*`
    /// variable, no current directory on the path — so probing a quarantine venv never starts what it holds.
    public static func run(python: String, runner: any ProcessRunner, environment: [String: String]? = nil)
        async throws -> InterpreterInfo
    {
        guard python.hasPrefix("/") else { throw InterpreterError.notAbsolute(python) }
        let result = try await runner.run(
            python, ["-I", "-S", "-c", script], environment: environment, currentDirectory: "/", stdin: nil)
        let stderr = String(decoding: result.stderr, as: UTF8.self)
        guard result.exitCode == 0 else {
            throw InterpreterError.failed(python: python, exitCode: result.exitCode, stderr: stderr)
        }
        // Site hooks may print too: take the last line carrying our marker.
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        guard let line = stdout.split(whereSeparator: \.isNewline).last(where: { $0.hasPrefix(marker) }) else {
            throw InterpreterError.unreadableAnswer(python: python, detail: "no \(marker) line on stdout")
        }
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(line.dropFirst(marker.count).utf8))
        } catch {
            throw InterpreterError.unreadableAnswer(python: python, detail: "\(error)")
        }
        for name in MarkerEnvironment.variableNames where answer.markers[name] == nil {
            throw InterpreterError.unreadableAnswer(python: python, detail: "missing marker value \(name)")
        }
        guard answer.executable.hasPrefix("/") else {
            throw InterpreterError.unreadableAnswer(
                python: python, detail: "sys.executable is not an absolute path: \(answer.executable.debugDescription)")
        }
        return InterpreterInfo(
            executable: answer.executable, markerEnvironment: MarkerEnvironment(values: answer.markers),
            path: answer.path, prefix: answer.prefix, basePrefix: answer.base_prefix)
    }
}
