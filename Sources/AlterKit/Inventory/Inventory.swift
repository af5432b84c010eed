import Foundation
import PythonPackaging

#if canImport(Glibc)
    import Glibc
#endif

/// What one input (a file with its includes, or an installed environment) says should be checked.
package struct Inventory: Sendable, Hashable {
    /// The packages, in the order the source lists them.
    package var dependencies: [Dependency]
    /// pip options the source carries, each option followed by its value when it takes one
    /// (`["--index-url", "https://…", "--pre"]`), in the order written.
    package var options: [String]
    /// Every file read, in the order read (the top file first, then its includes).
    package var sources: [String]
    /// Entries that name no package we can check (an unnamed URL or local path, a local editable project),
    /// each with the reason. Reported, never dropped.
    package var skipped: [SkippedDependency]
    /// Entries of constraint files (`-c`): they restrict versions but do not ask for anything to be installed.
    package var constraints: [Dependency]

    package init(
        dependencies: [Dependency] = [], options: [String] = [], sources: [String] = [],
        skipped: [SkippedDependency] = [], constraints: [Dependency] = []
    ) {
        self.dependencies = dependencies
        self.options = options
        self.sources = sources
        self.skipped = skipped
        self.constraints = constraints
    }
}

/// What the parsers share: how to read a file, the process environment (for `${VAR}` in requirements files) and
/// where warnings go.
package struct InventoryContext: Sendable {
    /// Input files larger than this are refused with a clear error rather than read (16 MB: far above any real
    /// requirements file or lockfile, and small enough that a hostile file cannot exhaust memory).
    package static let defaultSizeLimit = 16 << 20

    package var environment: [String: String]
    package var diagnostics: any DiagnosticSink
    package var sizeLimit: Int

    package init(
        environment: [String: String] = [:], diagnostics: any DiagnosticSink = NullDiagnostics(),
        sizeLimit: Int = InventoryContext.defaultSizeLimit
    ) {
        self.environment = environment
        self.diagnostics = diagnostics
        self.sizeLimit = sizeLimit
    }

    /// Reads `path` whole, bounded by `sizeLimit`. Only regular files: a FIFO or a device (`-r /dev/stdin`)
    /// could block or never end.
    package func read(_ path: String) throws(InventoryError) -> Data {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG, (info.st_mode & S_IFMT) != S_IFDIR {
            throw .unreadable(file: path, reason: "not a regular file")
        }
        do {
            return try FileIO.read(path, limit: sizeLimit)
        } catch FileIOError.tooLarge {
            throw .tooLarge(file: path, limit: sizeLimit)
        } catch FileIOError.cannotRead(_, let reason) {
            throw .unreadable(file: path, reason: reason)
        } catch {
            throw .unreadable(file: path, reason: "\(error)")
        }
    }

    /// Reads `path` as UTF-8 text (a UTF-8 byte-order mark is dropped; UTF-16 with a BOM is decoded).
    /// Invalid UTF-8 is an error naming the line, and so is a NUL byte (no text format we read allows one).
    package func readText(_ path: String) throws(InventoryError) -> String {
        try Self.decodeText(read(path), file: path)
    }

    package static func decodeText(_ data: Data, file: String) throws(InventoryError) -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
        } else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            guard let text = String(data: data, encoding: .utf16) else {
                throw .invalid(location: SourceLocation(file: file), message: "not valid UTF-16 text")
            }
            bytes = Array(text.utf8)
        }
        var line = 1
        var index = 0
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x0A { line += 1 }
            if b == 0 {
                throw .invalid(location: SourceLocation(file: file, line: line), message: "NUL byte in text file")
            }
            if b < 0x80 {
                index += 1
                continue
            }
            let length = utf8SequenceLength(bytes, at: index)
            guard length > 0 else {
                throw .invalid(location: SourceLocation(file: file, line: line), message: "not valid UTF-8 text")
            }
            index += length
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The length of the well-formed UTF-8 sequence starting at `i` (lead byte ≥ 0x80), or 0.
    private static func utf8SequenceLength(_ b: [UInt8], at i: Int) -> Int {
        func cont(_ k: Int) -> Bool { i + k < b.count && b[i + k] & 0xC0 == 0x80 }
        let lead = b[i]
        switch lead {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { return 0 }
            if lead == 0xE0 && b[i + 1] < 0xA0 { return 0 }
            if lead == 0xED && b[i + 1] > 0x9F { return 0 }
            return 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { return 0 }
            if lead == 0xF0 && b[i + 1] < 0x90 { return 0 }
            if lead == 0xF4 && b[i + 1] > 0x8F { return 0 }
            return 4
        default:
            return 0
        }
    }
}

/// Turning a PEP 508 requirement into the shared `Dependency` model.
extension Dependency {
    /// A dependency from a parsed requirement: pinned (`version` set) only when the specifier names exactly one
    /// version (`==1.2.3` without a wildcard, or `===x`) that the rest of the specifier also allows.
    package init(
        requirement: Requirement, marker: Marker? = nil, editable: Bool = false, hashes: [String] = [],
        location: SourceLocation?, direct: Bool?
    ) {
        self.init(
            name: requirement.name, version: Self.pinnedVersion(of: requirement),
            specifier: requirement.specifierText, extras: Self.normalizedExtras(requirement.extras),
            marker: (marker ?? requirement.marker)?.description, url: requirement.url, editable: editable,
            hashes: hashes, location: location, direct: direct)
    }

    /// Extras normalised (PEP 685), each once, sorted.
    package static func normalizedExtras(_ extras: [String]) -> [String] {
        Array(Set(extras.map(PackageName.normalize))).sorted()
    }

    /// The one version `requirement` pins, or nil.
    package static func pinnedVersion(of requirement: Requirement) -> String? {
        let clauses = requirement.specifierText.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var pinned: [String] = []
        for clause in clauses {
            if clause.hasPrefix("===") {
                pinned.append(clause.dropFirst(3).trimmingCharacters(in: .whitespaces))
            } else if clause.hasPrefix("==") {
                let version = clause.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if version.hasSuffix(".*") { return nil }
                pinned.append((try? Version(version))?.description ?? version)
            }
        }
        guard pinned.count == 1, let version = pinned.first, !version.isEmpty else { return nil }
        if clauses.count > 1 && !requirement.specifier.contains(version, prereleases: true) { return nil }
        return version
    }
}
