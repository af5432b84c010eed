import Foundation

/// Paths the tests read: the project's own fixtures and the shared data beside the checkout.
public enum TestPaths {
    /// The package root (…/main), found from this source file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<name>`.
    public static func fixture(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
    }

    /// `../shared/<path>` from the package root (read-only data: OSV zip, PyPI JSON, vectors, schemas).
    public static func shared(_ path: String) -> URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(path)
    }

    /// A fresh private temporary directory (0700), removed by the caller when it wants.
    public static func temporaryDirectory(_ label: String = "alterks-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url
    }
}
