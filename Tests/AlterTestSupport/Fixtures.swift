import Foundation

/// Paths the tests read, all inside the repository: the project's fixtures and its bundled resources.
public enum TestPaths {
    /// The package root (the checkout), found from this source file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<name>`.
    public static func fixture(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
    }

    /// `Sources/AlterKit/Resources/<name>`: a resource AlterKS ships (`osv-pypi.zip`, `top-pypi-packages.tsv`),
    /// read by tests from the checkout so that they use the very bytes the product bundles.
    public static func resource(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Sources/AlterKit/Resources").appendingPathComponent(name)
    }

    /// The bundled OSV PyPI data: 2,661 PYSEC records (see `Sources/AlterKit/Resources/README.md`).
    public static var osvZip: URL { resource("osv-pypi.zip") }

    /// Recorded real `GET /pypi/NAME/json` answers (`Tests/Fixtures/pypi-json`).
    public static var pypiJSON: URL { fixture("pypi-json") }

    /// The recorded `/pypi/NAME/json` answer of one project.
    public static func pypiJSON(_ name: String) -> URL {
        pypiJSON.appendingPathComponent("\(name).json")
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

/// A fixture a test needs is missing or unreadable: one line naming the file.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ path: String, _ error: any Error) { description = "cannot read fixture \(path): \(error)" }
}
