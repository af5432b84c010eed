import Foundation
import PythonPackaging

/// Which pip a `PipCommand` runs, read from the file system without starting it: the `pip-X.dist-info` folder in
/// `PREFIX/lib/pythonX.Y/site-packages`, PREFIX being the folder above the executable's `bin/` (a venv, a pyenv
/// version, `/usr/local`). Nil when that cannot be told with certainty (no such folder, or two different pips).
///
/// The gate uses it only to offer pip an option it may understand (`--uploaded-prior-to`, pip 26.0+): a wrong answer
/// costs a retry without the option, never a check.
package struct PipVersionProbe: Sendable {
    /// Lists a folder's entries (nil when it cannot be read).
    package var listDirectory: @Sendable (String) -> [String]?

    package init(listDirectory: @escaping @Sendable (String) -> [String]?) {
        self.listDirectory = listDirectory
    }

    /// Reads the real file system.
    package static let live = PipVersionProbe { try? FileManager().contentsOfDirectory(atPath: $0) }

    /// The version of the pip `pip` runs, or nil.
    package func version(of pip: PipCommand) -> Version? {
        let bin = (pip.executable as NSString).deletingLastPathComponent
        guard (bin as NSString).lastPathComponent == "bin" else { return nil }
        let lib = (bin as NSString).deletingLastPathComponent + "/lib"
        var found = Set<Version>()
        for python in listDirectory(lib) ?? [] where python.hasPrefix("python") {
            for entry in listDirectory(lib + "/" + python + "/site-packages") ?? [] {
                guard entry.hasPrefix("pip-"), entry.hasSuffix(".dist-info") else { continue }
                guard let version = try? Version(String(entry.dropFirst(4).dropLast(10))) else { return nil }
                found.insert(version)
            }
        }
        return found.count == 1 ? found.first : nil
    }

    /// The first pip with `--uploaded-prior-to`.
    package static let uploadedPriorToSince = try! Version("26.0")
    /// The first pip the gate lets take dependency hashes from a constraints file in hash-checking mode (pip 23
    /// refuses a dependency pinned only there: "all requirements must have their versions pinned"; pip 26.3 does
    /// not; pip's issue 9243).
    package static let hashedConstraintsSince = try! Version("26.0")

    /// Whether `pip` understands `--uploaded-prior-to` (as far as the file system tells).
    package func supportsUploadedPriorTo(_ pip: PipCommand) -> Bool {
        version(of: pip).map { $0 >= Self.uploadedPriorToSince } ?? false
    }
}
