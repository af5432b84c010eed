import PythonCodeAnalysis

/// What kind of artifact was inspected.
package enum ArtifactFormat: String, Sendable, Hashable, Codable {
    case wheel, sdist, installed
}

/// The result of inspecting one artifact: findings, plus what the release diff compares.
package struct ArtifactInspection: Sendable, Hashable, Codable {
    /// File name (or URL, or installed dist-info directory) of what was inspected.
    package var artifact: String
    package var format: ArtifactFormat
    package var project: String?
    package var version: String?
    /// Hex sha256 of the artifact's bytes, when the caller knows it.
    package var sha256: String?
    package var fileCount: Int
    /// Uncompressed bytes of all members.
    package var totalBytes: Int
    /// Most severe first.
    package var findings: [InspectionFinding]
    /// False when a limit stopped the reading: the findings cover only what was read.
    package var complete: Bool
    /// Code that runs at install time or at interpreter start: `setup.py`, `setup.py cmdclass`,
    /// `build backend x (in-tree)`, `pth NAME (code)`, `pth NAME (paths)`.
    package var hooks: [String]

    package init(
        artifact: String, format: ArtifactFormat, project: String? = nil, version: String? = nil,
        sha256: String? = nil, fileCount: Int = 0, totalBytes: Int = 0, findings: [InspectionFinding] = [],
        complete: Bool = true, hooks: [String] = []
    ) {
        self.artifact = artifact
        self.format = format
        self.project = project
        self.version = version
        self.sha256 = sha256
        self.fileCount = fileCount
        self.totalBytes = totalBytes
        self.findings = findings
        self.complete = complete
        self.hooks = hooks
    }

    /// The most severe finding's severity; nil when nothing was found.
    package var maxSeverity: Severity? { findings.maxSeverity }

    /// A critical finding: maps to QUARANTINE by default.
    package var hasCritical: Bool { findings.contains { $0.severity == .critical } }
}
