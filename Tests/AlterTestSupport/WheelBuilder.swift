import AlterKit
import Foundation

/// Writes tiny distributions straight into a folder that pip reads with `--no-index --find-links DIR`: wheels (a zip
/// holding the module and `NAME-VER.dist-info/{METADATA,WHEEL,RECORD}`) and sdists (a `.tar.gz` with `PKG-INFO`).
/// Nothing is built; nothing runs.
public struct WheelBuilder: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes `NAME-VERSION-py3-none-any.whl` and returns its URL. `requires` become `Requires-Dist` lines;
    /// `extraFiles` are added as given (path in the archive → contents), e.g. a `.pth` file.
    @discardableResult
    public func wheel(
        name: String, version: String, requires: [String] = [], extraFiles: [String: String] = [:]
    ) throws -> URL {
        let module = name.replacingOccurrences(of: "-", with: "_").lowercased()
        let distInfo = "\(name.replacingOccurrences(of: "-", with: "_"))-\(version).dist-info"
        var files: [(String, Data)] = [
            ("\(module)/__init__.py", Data("__version__ = \"\(version)\"\n".utf8)),
            (
                "\(distInfo)/METADATA",
                Data(
                    (["Metadata-Version: 2.1", "Name: \(name)", "Version: \(version)", "Summary: test package \(name)"]
                        + requires.map { "Requires-Dist: \($0)" }).joined(separator: "\n").appending("\n").utf8)
            ),
            (
                "\(distInfo)/WHEEL",
                Data("Wheel-Version: 1.0\nGenerator: alterks-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".utf8)
            ),
        ]
        for (path, contents) in extraFiles.sorted(by: { $0.key < $1.key }) { files.append((path, Data(contents.utf8))) }
        var record = files.map { path, data in
            "\(path),sha256=\(Self.urlsafeBase64(SHA256.hash(data))),\(data.count)"
        }
        record.append("\(distInfo)/RECORD,,")
        files.append(("\(distInfo)/RECORD", Data((record.joined(separator: "\n") + "\n").utf8)))
        let url = directory.appendingPathComponent(
            "\(name.replacingOccurrences(of: "-", with: "_"))-\(version)-py3-none-any.whl")
        var zip = ZipBuilder()
        for (path, data) in files { zip.add(path, data, method: .deflate) }
        try zip.build().write(to: url)
        return url
    }

    /// Writes `NAME-VERSION.tar.gz` (PKG-INFO and a setup.py that must never run) and returns its URL.
    @discardableResult
    public func sdist(name: String, version: String) throws -> URL {
        let root = "\(name)-\(version)"
        let files: [(String, Data)] = [
            ("\(root)/PKG-INFO", Data("Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n".utf8)),
            ("\(root)/setup.py", Data("raise SystemExit('this setup.py must never run')\n".utf8)),
        ]
        let url = directory.appendingPathComponent("\(root).tar.gz")
        var tar = TarBuilder()
        for (path, data) in files { tar.addFile(path, data) }
        try tar.build(gzip: true).write(to: url)
        return url
    }

    /// Writes `NAME-VERSION.tar.gz` whose build backend (in the tree, `pyproject.toml` with `backend-path`, so no
    /// build dependency is needed offline) appends a line to `marker` as soon as pip runs it — preparing metadata
    /// or building — and otherwise builds a plain wheel. The proof that an sdist's code ran.
    @discardableResult
    public func buildingSdist(name: String, version: String, marker: URL, requires: [String] = []) throws -> URL {
        let root = "\(name)-\(version)"
        let module = name.replacingOccurrences(of: "-", with: "_").lowercased()
        let metadata =
            (["Metadata-Version: 2.1", "Name: \(name)", "Version: \(version)"] + requires.map { "Requires-Dist: \($0)" })
            .joined(separator: "\n") + "\n"
        let pyproject = """
            [build-system]
            requires = []
            build-backend = "alterks_test_backend"
            backend-path = ["."]
            """
        let backend = """
            import base64, hashlib, os, zipfile
            with open(\(Self.pythonString(marker.path)), "a") as marker:
                marker.write("build code of \(name) \(version) ran\\n")
            METADATA = \(Self.pythonString(metadata))
            DIST_INFO = "\(module)-\(version).dist-info"

            def get_requires_for_build_wheel(config_settings=None):
                return []

            def prepare_metadata_for_build_wheel(directory, config_settings=None):
                os.makedirs(os.path.join(directory, DIST_INFO))
                with open(os.path.join(directory, DIST_INFO, "METADATA"), "w") as f:
                    f.write(METADATA)
                return DIST_INFO

            def build_wheel(directory, config_settings=None, metadata_directory=None):
                name = "\(module)-\(version)-py3-none-any.whl"
                files = {
                    "\(module)/__init__.py": "",
                    DIST_INFO + "/METADATA": METADATA,
                    DIST_INFO + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
                }
                record = []
                with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
                    for path, text in files.items():
                        z.writestr(path, text)
                        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
                        record.append(f"{path},sha256={digest.decode()},{len(text)}")
                    record.append(DIST_INFO + "/RECORD,,")
                    z.writestr(DIST_INFO + "/RECORD", "\\n".join(record) + "\\n")
                return name

            """
        let files: [(String, Data)] = [
            ("\(root)/PKG-INFO", Data(metadata.utf8)),
            ("\(root)/pyproject.toml", Data((pyproject + "\n").utf8)),
            ("\(root)/alterks_test_backend.py", Data(backend.utf8)),
        ]
        let url = directory.appendingPathComponent("\(root).tar.gz")
        var tar = TarBuilder()
        for (path, data) in files { tar.addFile(path, data) }
        try tar.build(gzip: true).write(to: url)
        return url
    }

    /// A Python string literal holding `text`.
    static func pythonString(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// The file's sha256, lowercase hex.
    public static func sha256(of url: URL) throws -> String {
        hexString(try SHA256.hash(fileAt: url.path))
    }

    static func urlsafeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
