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

    /// The file's sha256, lowercase hex.
    public static func sha256(of url: URL) throws -> String {
        hexString(try SHA256.hash(fileAt: url.path))
    }

    static func urlsafeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
