import Foundation

/// The engine's answer for one distribution pip would install.
package struct GateDecision: Sendable, Hashable {
    /// The distribution as the gate asked about it (name, exact version, hashes, URL, requested or not).
    package var dependency: Dependency
    package var verdict: Verdict
    /// When this release was uploaded to its index, when known: the minimum release age is measured from it.
    package var uploadTime: Date?
    /// The vulnerabilities found (fixed versions and severities, for the one-line message); may be empty.
    package var vulnerabilities: [VulnerabilityFinding]

    package init(
        dependency: Dependency, verdict: Verdict, uploadTime: Date? = nil, vulnerabilities: [VulnerabilityFinding] = []
    ) {
        self.dependency = dependency
        self.verdict = verdict
        self.uploadTime = uploadTime
        self.vulnerabilities = vulnerabilities
    }

    /// The verdict at a glance, for the gate's one-line messages.
    package var glance: VerdictGlance {
        VerdictGlance(dependency: dependency, verdict: verdict, vulnerabilities: vulnerabilities)
    }
}

/// What the gate needs from the engine: a decision for every distribution of pip's resolution, and the policy's
/// minimum release age. The engine (vulnerabilities, heuristics, policy, verdict cache) supplies it; the gate
/// never reads a missing decision or a thrown error as clean.
package struct GateDecider: Sendable {
    /// One decision per dependency (any order; matched by name and version). Throwing stops the install.
    package var decide: @Sendable ([Dependency]) async throws -> [GateDecision]
    /// Releases younger than this many hours are not installed (0 turns the check off).
    package var minReleaseAgeHours: Double
    /// Where the verified files live (the engine's artifact store, so that what it fetched and inspected is what
    /// pip installs); nil: a store private to the gate run.
    package var artifactStore: ArtifactStore?
    /// The configuration lets pip build source distributions during the dry run (`allow_source_builds`).
    package var allowSourceBuilds: Bool

    package init(
        minReleaseAgeHours: Double = 48, allowSourceBuilds: Bool = false, artifactStore: ArtifactStore? = nil,
        decide: @escaping @Sendable ([Dependency]) async throws -> [GateDecision]
    ) {
        self.decide = decide
        self.artifactStore = artifactStore
        self.minReleaseAgeHours = minReleaseAgeHours
        self.allowSourceBuilds = allowSourceBuilds
    }
}

/// Why the gate stopped without installing. Every case means "nothing was installed by the gate".
package enum GateError: AlterKSError, Equatable {
    /// The command line is not a `pip install`.
    case notAnInstall([String])
    /// A user argument was refused before anything ran.
    case unsafeArgument(String, reason: String)
    /// pip's report names a value that cannot safely go on a command line or into a requirements file.
    case unsafeReportValue(name: String, key: String, value: String)
    /// pip's dry-run report could not be read.
    case reportUnreadable(String)
    /// The engine gave no decision for a distribution pip would install.
    case missingDecision(name: String, version: String)
    /// The engine could not answer.
    case engineFailed(String)
    /// No engine is connected to the gate in this build.
    case engineNotWired
    /// The minimum release age kept excluding releases past the bound on re-resolutions.
    case tooManyReResolutions(Int)
    /// The gate's private working files could not be made.
    case workspace(String)
    /// A quarantine step failed.
    case quarantineFailed(name: String, version: String, reason: String)
    /// A requirements file could not be read before pip runs (so the gate cannot tell whether it makes pip build
    /// from source).
    case requirementsUnreadable(path: String, message: String)
    /// The user's options cannot be told apart from their requirements by whole arguments (`-Ur FILE`).
    case unsplittableOptions
    /// A verified file for the final install could not be fetched (or found) again.
    case artifactUnavailable(name: String, message: String)
    /// A file of the artifact store no longer has the bytes that were verified: something changed it.
    case verifiedFileChanged(name: String, path: String, expected: String, actual: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .notAnInstall, .unsafeArgument, .requirementsUnreadable: .usage
        case .tooManyReResolutions: .findings
        default: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .notAnInstall(let arguments):
            "not a pip install command: pip \(arguments.joined(separator: " "))"
        case .unsafeArgument(let argument, let reason):
            "refusing \(argument.debugDescription): \(reason); nothing was run"
        case .unsafeReportValue(let name, let key, let value):
            "pip's resolution names \(name.debugDescription) with an unsafe \(key) \(value.debugDescription); "
                + "nothing was installed"
        case .reportUnreadable(let message):
            "cannot read pip's dry-run report: \(message); nothing was installed"
        case .missingDecision(let name, let version):
            "the engine gave no verdict for \(name) \(version); nothing was installed"
        case .engineFailed(let message):
            "could not check the packages: \(message); nothing was installed"
        case .engineNotWired:
            "the install gate's engine is not wired yet in this build; nothing was installed "
                + "(ALTERKS_BYPASS=1 skips the gate for one command)"
        case .tooManyReResolutions(let rounds):
            "gave up after \(rounds) re-resolutions excluding too-young releases; nothing was installed"
        case .workspace(let message):
            "cannot prepare the gate's working files: \(message); nothing was installed"
        case .quarantineFailed(let name, let version, let reason):
            "could not quarantine \(name) \(version): \(reason); nothing was installed"
        case .requirementsUnreadable(let path, let message):
            "cannot read requirements file \(path) (\(message)): the gate reads it before pip runs, to be sure it "
                + "makes pip build nothing from source; nothing was run"
        case .unsplittableOptions:
            "cannot separate your pip options from your requirements with certainty (a short-option cluster such as "
                + "-Ur FILE? write the options apart); nothing was installed"
        case .artifactUnavailable(let name, let message):
            "cannot place the verified file of \(name) for the install: \(message); nothing was installed"
        case .verifiedFileChanged(let name, let path, let expected, let actual):
            "the verified file of \(name) changed after it was checked (\(path): sha256 \(actual), verified "
                + "\(expected)); refused and dropped from the cache; nothing was installed"
        }
    }
}
