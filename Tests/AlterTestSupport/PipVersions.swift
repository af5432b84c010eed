import AlterKit
import Foundation

/// The pips every gate end-to-end test runs under: the machine's (what `python3 -m venv` puts in a venv: pip 23.2.1
/// on this machine) and pip 26.3 (the newest, with `--uploaded-prior-to`). Pass `TestPip.all` as a test's
/// `arguments:` and hand the case to `GateTestbed.make(_:pip:)`, so that each test reports once per pip.
///
/// pip 26.3 is installed offline from its wheel, which `.ci/run` fetches from PyPI once into `.test-pips/` (ignored
/// by git). `ALTERKS_TEST_PIP_WHEEL` names another copy of the same file. A missing or different wheel fails the
/// pip 26.3 cases with one line saying what to run; they are never skipped.
public enum TestPip: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The pip `python3 -m venv` installs (ensurepip's).
    case machine = "machine pip"
    /// pip 26.3 from `.test-pips/`.
    case pip26 = "pip 26.3"

    /// Every pip the gate tests run under.
    public static let all: [TestPip] = allCases

    /// How test results name the case.
    public var description: String { rawValue }

    /// The environment variable naming the pip 26.3 wheel.
    public static let wheelVariable = "ALTERKS_TEST_PIP_WHEEL"
    /// The wheel's file name and sha256 (PyPI's), as `.ci/run` pins them.
    public static let pip26WheelName = "pip-26.3-py3-none-any.whl"
    public static let pip26WheelSHA256 = "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13"

    /// Where `.ci/run` puts the wheel.
    public static var defaultWheel: URL {
        TestPaths.packageRoot.appendingPathComponent(".test-pips/" + pip26WheelName)
    }

    /// The pip 26.3 wheel, checked against its pinned sha256, or a one-line error saying how to get it.
    public static func pip26Wheel() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        let named = environment[wheelVariable].flatMap { $0.isEmpty ? nil : $0 }
        let wheel = named.map { URL(fileURLWithPath: $0) } ?? defaultWheel
        let origin = named.map { "\(wheelVariable)=\($0)" } ?? wheel.path
        let howTo =
            "run `bash .ci/run` once (it fetches it from PyPI into .test-pips/), or set \(wheelVariable) to a copy "
            + "of \(pip26WheelName)"
        guard let data = FileManager.default.contents(atPath: wheel.path) else {
            throw TestProcessError("the pip 26.3 wheel for the two-pip gate tests is missing (\(origin)): " + howTo)
        }
        let sha = hexString(SHA256.hash(data))
        guard sha == pip26WheelSHA256 else {
            throw TestProcessError(
                "\(origin) is not PyPI's \(pip26WheelName) (sha256 \(sha), expected \(pip26WheelSHA256)): " + howTo)
        }
        return wheel
    }
}
