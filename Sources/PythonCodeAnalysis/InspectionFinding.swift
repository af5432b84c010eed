import AlterCore

/// When a piece of code runs, which decides how much a capability in it matters.
package enum CodePhase: String, Sendable, Hashable, Codable {
    /// While pip builds or installs the package: `setup.py`, an in-tree build backend, what they import or exec.
    case install
    /// At every interpreter start: an `import` line of a `.pth` file and what it imports.
    case startup
    /// At import of the package: module-level statements of library code.
    case importTime = "import"
    /// Inside a function of library code: runs only when called.
    case callTime = "call"
}

/// One thing found in an artifact, with where it came from. Findings are values: a failure to read is an error.
package struct InspectionFinding: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A `.pth` line that runs code at interpreter start.
        case pthCode = "pth-code"
        /// A `.pth` line that is neither a path, a comment nor an import.
        case pthOddLine = "pth-odd-line"
        case network
        case process
        /// Reading credentials: key files, cloud metadata, token environment variables.
        case credentials
        /// Writing outside the build directory (home, system or site-packages paths).
        case writeOutside = "write-outside"
        /// `exec`/`eval`/`compile` of decoded, decompressed or downloaded data.
        case execDecoded = "exec-decoded"
        /// `exec` of the contents of a file that is not Python source.
        case execDataFile = "exec-data-file"
        /// `exec` of a value not known statically.
        case execDynamic = "exec-dynamic"
        /// Names of dangerous functions or modules built from pieces, strings assembled to hide what they say.
        case obfuscation
        /// A long base64 or hex string literal.
        case encodedBlob = "encoded-blob"
        /// Code that runs at install time (setup.py with custom commands, an in-tree build backend).
        case installHook = "install-hook"
        /// A native executable or library in a pure-Python distribution, or a script outside `.data/scripts`.
        case nativeBinary = "native-binary"
        case unlistedFile = "unlisted-file"
        case recordMismatch = "record-mismatch"
        /// A wheel without a RECORD, or a RECORD entry whose file is missing.
        case recordMissing = "record-missing"
        case entryPointShadow = "entry-point-shadow"
        /// An archive limit was hit (size, count, ratio, traversal, links): the artifact was not fully read.
        case archiveLimit = "archive-limit"
        /// A Python file that could not be analysed (too large, not UTF-8 …).
        case unanalyzed
        /// Something the previous release of the project did not have (see `ReleaseDiff`).
        case newInRelease = "new-in-release"
    }

    package var kind: Kind
    package var severity: Severity
    /// Path inside the artifact (or the installed file).
    package var file: String
    package var line: Int?
    /// One line of evidence: the source line, or what was seen.
    package var evidence: String
    package var phase: CodePhase?

    package init(
        kind: Kind, severity: Severity, file: String, line: Int? = nil, evidence: String, phase: CodePhase? = nil
    ) {
        self.kind = kind
        self.severity = severity
        self.file = file
        self.line = line
        self.evidence = evidence
        self.phase = phase
    }

    /// `file:line`.
    package var location: String { line.map { "\(file):\($0)" } ?? file }
}

extension Array where Element == InspectionFinding {
    /// Sorted most severe first, then by file and line; exact duplicates removed.
    package func normalized() -> [InspectionFinding] {
        var seen = Set<InspectionFinding>()
        return filter { seen.insert($0).inserted }.sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            if $0.file != $1.file { return $0.file < $1.file }
            if ($0.line ?? 0) != ($1.line ?? 0) { return ($0.line ?? 0) < ($1.line ?? 0) }
            return $0.kind.rawValue < $1.kind.rawValue
        }
    }

    /// The most severe finding's severity, nil when there are none.
    package var maxSeverity: Severity? { map(\.severity).max() }
}
