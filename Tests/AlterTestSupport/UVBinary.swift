import Foundation

/// The uv binary the local index tests drive: `.ci/run` fetches the uv wheel from PyPI once (its "uv" block) into
/// `.test-tools/uv-VERSION/uv` (ignored by git) and exports it as `ALTERKS_TEST_UV`. Without that variable the folder
/// is looked at; a missing binary is a one-line failure saying how to get it, never a skipped test.
public enum UVBinary {
    /// The variable naming the binary.
    public static let variable = "ALTERKS_TEST_UV"
    /// The version `.ci/run` fetches.
    public static let version = "0.13.10"

    /// The uv binary, or an error saying how to get one.
    public static func path() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let path =
            environment[variable].flatMap { $0.isEmpty ? nil : $0 }
            ?? TestPaths.packageRoot.appendingPathComponent(".test-tools/uv-\(version)/uv").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestProcessError(
                "uv is missing (\(path)): run .ci/run (its uv block fetches uv \(version)), or set \(variable)")
        }
        return path
    }
}
