import AlterKit
import Foundation
import PythonPackaging

/// Real interpreters and venvs for tests that drive the real pip, offline.
///
/// Creating a venv takes seconds (ensurepip); the first call makes one base venv per test process and every
/// `makeVenv` copies it (hard links) and rewrites the absolute paths in its scripts (a fraction of a second).
public actor PythonEnvironments {
    public static let shared = PythonEnvironments()

    private var baseTasks: [TestPip: Task<URL, any Error>] = [:]
    private var interpreterPath: String?

    /// The real interpreter behind `python3` on PATH (`sys.executable`, not a pyenv shim), resolved once; it must
    /// have `venv` and `ensurepip`. Throws one line naming what is missing.
    public func interpreter() throws -> String {
        if let interpreterPath { return interpreterPath }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        guard let onPath = which("python3", path: path) else {
            throw TestProcessError(
                "no python3 on PATH (\(path)): the tests need Python 3 with venv (apt: python3-venv)")
        }
        let result = try runProcess(
            onPath, ["-c", "import sys, venv, ensurepip; print(sys.executable)"],
            environment: PythonEnvironments.hermeticEnvironment())
        let resolved = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, resolved.hasPrefix("/") else {
            let reason = result.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(result.status)"
            throw TestProcessError(
                "\(onPath) cannot make venvs (\(reason)): the tests need Python 3 with venv (apt: python3-venv)")
        }
        interpreterPath = resolved
        return resolved
    }

    /// The base venv of `pip` (created once per test process; a failure, such as a missing pip 26.3 wheel, is
    /// remembered and thrown to every caller).
    public func baseVenv(pip: TestPip = .machine) async throws -> URL {
        if let task = baseTasks[pip] { return try await task.value }
        let task: Task<URL, any Error>
        switch pip {
        case .machine:
            let python = try interpreter()
            task = Task {
                let root = try TestPaths.temporaryDirectory("alterks-base-venv")
                let venv = root.appendingPathComponent("venv")
                let result = try runProcess(
                    python, ["-m", "venv", venv.path], environment: PythonEnvironments.hermeticEnvironment())
                guard result.status == 0 else { throw TestProcessError("venv creation failed: \(result.stderr)") }
                return venv
            }
        case .pip26:
            task = Task {
                let wheel = try TestPip.pip26Wheel()
                let root = try TestPaths.temporaryDirectory("alterks-base-venv-pip26")
                let venv = try await self.makeVenv(at: root.appendingPathComponent("venv"))
                let result = try runProcess(
                    venv.appendingPathComponent("bin/python").path,
                    ["-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel.path],
                    environment: PythonEnvironments.hermeticEnvironment())
                let site = try Self.sitePackages(of: venv)
                guard result.status == 0,
                    FileManager.default.fileExists(atPath: site.appendingPathComponent("pip-26.3.dist-info").path)
                else { throw TestProcessError("installing \(wheel.path) into \(venv.path) failed: \(result.stderr)") }
                return venv
            }
        }
        baseTasks[pip] = task
        return try await task.value
    }

    /// The venv's `lib/pythonX.Y/site-packages`.
    public static func sitePackages(of venv: URL) throws -> URL {
        let lib = venv.appendingPathComponent("lib")
        guard
            let version = try FileManager.default.contentsOfDirectory(atPath: lib.path).first(where: {
                $0.hasPrefix("python")
            })
        else { throw TestProcessError("no \(lib.path)/pythonX.Y") }
        return lib.appendingPathComponent(version).appendingPathComponent("site-packages")
    }

    /// A fresh venv with `pip` at `destination` (a copy of its base venv with its paths rewritten).
    public func makeVenv(at destination: URL, pip: TestPip = .machine) async throws -> URL {
        let base = try await baseVenv(pip: pip)
        // Hard links: a copy costs no data. pip only adds and removes files (never rewrites one in place), and the
        // scripts rewritten below are replaced, not modified, so the base venv is never touched.
        let copy = try runProcess("/bin/cp", ["-al", base.path, destination.path])
        guard copy.status == 0 else { throw TestProcessError("cp failed: \(copy.stderr)") }
        let fileManager = FileManager.default
        var targets = [destination.appendingPathComponent("pyvenv.cfg")]
        for name in try fileManager.contentsOfDirectory(atPath: destination.appendingPathComponent("bin").path) {
            targets.append(destination.appendingPathComponent("bin").appendingPathComponent(name))
        }
        for file in targets {
            let attributes = try fileManager.attributesOfItem(atPath: file.path)
            guard attributes[.type] as? FileAttributeType == .typeRegular,
                let data = fileManager.contents(atPath: file.path), let text = String(data: data, encoding: .utf8),
                text.contains(base.path)
            else { continue }
            // FileIO's temporary file is O_CLOEXEC: a child spawned by a parallel test cannot keep this script open
            // for writing, which would make running it fail with "Text file busy".
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o755
            try FileIO.writeAtomically(
                Data(text.replacingOccurrences(of: base.path, with: destination.path).utf8), to: file.path,
                permissions: mode_t(mode))
        }
        return destination
    }

    /// The environment pip gets in tests: the inherited one without the machine's pip settings, no config files,
    /// no prompts, no version check, no cache.
    public static func hermeticEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("PIP_") || key.hasPrefix("ALTERKS_") {
            environment.removeValue(forKey: key)
        }
        for key in ["VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"] { environment.removeValue(forKey: key) }
        environment["PIP_CONFIG_FILE"] = "/dev/null"
        environment["PIP_NO_INPUT"] = "1"
        environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        environment["PIP_NO_CACHE_DIR"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// What is installed in a venv as name → version (normalised names; pip and setuptools left out): what `pip
    /// list` shows, read from the files on disk as `importlib.metadata` does — the `Name:` and `Version:` of every
    /// `*.dist-info/METADATA` (and legacy `*.egg-info`) in the venv's site-packages. No process is started: dozens
    /// of tests ask this after each install, and a `pip list` costs a Python start and pip's imports every time.
    public static func installed(in venv: URL) throws -> [String: String] {
        let fileManager = FileManager.default
        let lib = venv.appendingPathComponent("lib")
        let versions = try fileManager.contentsOfDirectory(atPath: lib.path).filter { $0.hasPrefix("python") }
        guard !versions.isEmpty else { throw TestProcessError("no lib/python*/ in \(venv.path)") }
        var out: [String: String] = [:]
        for version in versions {
            let site = lib.appendingPathComponent(version).appendingPathComponent("site-packages")
            for entry in try fileManager.contentsOfDirectory(atPath: site.path) {
                let path = site.appendingPathComponent(entry)
                let metadata: URL
                if entry.hasSuffix(".dist-info") {
                    metadata = path.appendingPathComponent("METADATA")
                } else if entry.hasSuffix(".egg-info") {
                    var isDirectory: ObjCBool = false
                    fileManager.fileExists(atPath: path.path, isDirectory: &isDirectory)
                    metadata = isDirectory.boolValue ? path.appendingPathComponent("PKG-INFO") : path
                } else {
                    continue
                }
                guard let data = fileManager.contents(atPath: metadata.path) else {
                    throw TestProcessError("\(metadata.path): unreadable")
                }
                var name: String?
                var found: String?
                for line in String(decoding: data, as: UTF8.self).split(
                    omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                {
                    // The headers end at the first blank line ("\r\n" is one Character: pip's own METADATA has them).
                    if line.isEmpty { break }
                    if line.hasPrefix("Name:") {
                        name = line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
                    } else if line.hasPrefix("Version:") {
                        found = line.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                }
                guard let name, let found else { throw TestProcessError("\(metadata.path): no Name or Version") }
                out[PackageName.normalize(name)] = found
            }
        }
        out.removeValue(forKey: "pip")
        out.removeValue(forKey: "setuptools")
        return out
    }
}

/// A test helper's process failed.
public struct TestProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a process to completion (tests only), capturing both streams.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
) throws -> (status: Int32, stdout: String, stderr: String, stdoutData: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes while the child runs, so a large output cannot block it.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self),
        outData
    )
}

/// Where SwiftPM put the built executables (`pip`, `alterks`): the folder holding the test bundle.
public enum BuiltProducts {
    public static var directory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        if let real = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            url = URL(fileURLWithPath: real)
        }
        // …/debug/alterksPackageTests.xctest (the test binary) → …/debug
        return url.deletingLastPathComponent()
    }

    /// A built executable, or nil when it was not built.
    public static func executable(_ name: String) -> URL? {
        let url = directory.appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: url.path) ? url : nil
    }
}

/// The Python that runs the tests' own Python tools (`jsonschema`, `referencing`, `packaging`): `.ci/run` installs
/// them from PyPI into a venv of its own, `.test-tools/venv` (ignored by git), and exports its interpreter as
/// `ALTERKS_TEST_PYTHON`. Without that variable that venv is used when it exists; nothing else is guessed.
public enum TestTools {
    /// The environment variable naming the tools' interpreter.
    public static let variable = "ALTERKS_TEST_PYTHON"

    /// The tools venv `.ci/run` makes in the checkout.
    public static var defaultVenv: URL { TestPaths.packageRoot.appendingPathComponent(".test-tools/venv") }

    private static let resolved: Result<String, TestProcessError> = {
        let environment = ProcessInfo.processInfo.environment
        let python: String
        let origin: String
        if let named = environment[variable], !named.isEmpty {
            (python, origin) = (named, "\(variable)=\(named)")
        } else {
            python = defaultVenv.appendingPathComponent("bin/python").path
            origin = python
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(
                TestProcessError(
                    "the test tools' Python is missing (\(origin)): run .ci/run, or set \(variable) to a python "
                        + "with jsonschema, referencing and packaging"))
        }
        return .success(python)
    }()

    /// The tools' interpreter, or a one-line error saying how to get one.
    public static func python() throws -> String { try resolved.get() }
}
