import Foundation
import PythonPackaging

/// How one distribution of the final install reaches pip.
package enum InstallPath: String, Sendable, Hashable {
    /// The file the gate fetched, checked against the report's sha256 and inspected, installed by pip from a
    /// private `--find-links` folder (`--no-index --no-deps --require-hashes`, pinned `==`).
    case verifiedFile = "verified file"
    /// What pip must build itself (a local directory, an editable, a VCS checkout): pip takes it from where the
    /// user named it, with `--no-deps`, after every scanned dependency was installed from its verified file.
    case build = "built by pip"
}

/// The final install's plan: which distributions come from verified files and which pip builds.
struct FinalInstallPlan {
    var verified: [PipReportItem] = []
    var built: [PipReportItem] = []

    /// An index file or a direct archive with a sha256 and a URL the store fetches is installed from its verified
    /// copy; everything else is built by pip.
    init(_ items: [PipReportItem]) {
        for item in items {
            if Self.isVerifiable(item) { verified.append(item) } else { built.append(item) }
        }
    }

    static func isVerifiable(_ item: PipReportItem) -> Bool {
        guard item.kind == .index || item.kind == .directArchive, item.sha256 != nil, !item.dependency.editable
        else { return false }
        return ArtifactCodeAssessor.archiveURL(of: item.dependency) != nil && item.artifactFileName != nil
    }

    func path(of item: PipReportItem) -> InstallPath {
        verified.contains(item) ? .verifiedFile : .build
    }
}

/// The private folder (0700) the final install finds its files in: each verified file under its index file name,
/// hard-linked (or copied) from the artifact store and hashed again once it is in place.
struct VerifiedFolder {
    let path: String

    /// Fetches (or finds in the store) every item's artifact, verified against the report's sha256, and places it in
    /// `path`. A store file whose bytes changed after it was verified is refused (and dropped from the store), never
    /// fetched again behind the user's back.
    static func prepare(
        _ items: [PipReportItem], store: ArtifactStore, at path: String, concurrency: Int
    ) async throws -> VerifiedFolder {
        do {
            try FileIO.ensurePrivateDirectory(path)
        } catch {
            throw GateError.workspace("\(path): \(error)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = items.makeIterator()
            func launch() {
                guard let item = pending.next() else { return }
                group.addTask { try await place(item, store: store, folder: path) }
            }
            for _ in 0..<max(1, concurrency) { launch() }
            while try await group.next() != nil { launch() }
        }
        return VerifiedFolder(path: path)
    }

    static func place(_ item: PipReportItem, store: ArtifactStore, folder: String) async throws {
        let name = item.dependency.name
        guard let sha = item.sha256, let url = ArtifactCodeAssessor.archiveURL(of: item.dependency),
            let fileName = item.artifactFileName
        else { throw GateError.unsafeReportValue(name: name, key: "download_info", value: item.artifactURL) }
        let expected = try ArgumentSafety.safeSHA256(sha, of: name)
        let indexName: String
        do {
            indexName = try ArtifactStore.fileName(of: fileName)
        } catch {
            throw GateError.unsafeReportValue(name: name, key: "file name", value: fileName)
        }
        let source: String
        if let stored = store.storedPath(sha256: expected) {
            source = stored
        } else {
            do {
                source = try await store.fetch(url: url, sha256: expected).path
            } catch {
                throw GateError.artifactUnavailable(
                    name: name, message: (error as? any AlterKSError)?.description ?? "\(error)")
            }
        }
        let target = folder + "/" + indexName
        if link(source, target) != 0 {
            do {
                try FileManager().copyItem(atPath: source, toPath: target)
                chmod(target, 0o600)
            } catch {
                throw GateError.workspace("\(target): \(error)")
            }
        }
        // The bytes pip is given are the bytes that were verified: hashed again where pip will read them.
        let actual = (try? hexString(SHA256.hash(fileAt: target))) ?? "unreadable"
        guard actual == expected else {
            unlink(target)
            unlink(source)
            throw GateError.verifiedFileChanged(name: name, path: source, expected: expected, actual: actual)
        }
    }
}

extension VerifiedFolder {
    /// Starts fetching into `store`, at most `concurrency` at a time, every verifiable file of `items` it does not
    /// hold yet: the files arrive while the engine looks the distributions up (its own fetches of the same files
    /// join these instead of asking again). Failures are left to whoever needs the file (the engine, `prepare`).
    static func prefetch(_ items: [PipReportItem], store: ArtifactStore, concurrency: Int) -> Task<Void, Never> {
        let wanted = FinalInstallPlan(items).verified.compactMap { item -> (url: String, sha256: String)? in
            guard let sha = item.sha256.flatMap({ try? ArtifactStore.validHash($0) }),
                let url = ArtifactCodeAssessor.archiveURL(of: item.dependency), store.storedPath(sha256: sha) == nil
            else { return nil }
            return (url, sha)
        }
        return Task {
            await withTaskGroup(of: Void.self) { group in
                var pending = wanted.makeIterator()
                func launch() {
                    guard !Task.isCancelled, let next = pending.next() else { return }
                    group.addTask { _ = try? await store.fetch(url: next.url, sha256: next.sha256) }
                }
                for _ in 0..<max(1, concurrency) { launch() }
                while await group.next() != nil { launch() }
            }
        }
    }
}

extension InstallGate {
    /// The store the verified files come from (the engine's, else one private to this run), set to fetch each URL
    /// the way pip reaches it: the user's `--cert`, `--proxy`, `--trusted-host` and index credentials.
    func verifiedFileStore(
        decider: GateDecider, invocation: PipInvocation, pip: PipCommand, files: UserRequirementFiles?,
        workspace: Workspace
    ) -> ArtifactStore {
        let store = decider.artifactStore ?? ArtifactStore(directory: workspace.path("store"), http: services.http)
        let executable = URL(fileURLWithPath: pip.executable)
        let access = PipNetworkAccess(
            invocation: invocation, fileOptions: files?.optionPairs ?? [], environment: pipEnvironment,
            pipPrefix: executable.deletingLastPathComponent().deletingLastPathComponent().path)
        store.fetches.use { access.access(for: $0) }
        return store
    }
}

extension ArtifactStore {
    /// The stored file with this hash, without reading it (the caller hashes what it links); nil when there is none.
    func storedPath(sha256: String) -> String? {
        let dir = entryDirectory(sha256)
        guard let names = try? FileManager().contentsOfDirectory(atPath: dir) else { return nil }
        return names.sorted().first { !$0.hasPrefix(".") && !$0.hasSuffix(".inspection.json") }.map { dir + "/" + $0 }
    }
}

extension FinalInstallPlan {
    /// The verified files split for pip 26.0+: what the user asked for (a requirement) and its dependencies (hash
    /// constraints, which pip installs as dependencies). Nil when every verified file must be a requirement with
    /// `--no-deps`: an older pip (which refuses a dependency pinned only in a constraints file in hash-checking
    /// mode), the user's own `--no-deps`, nothing requested, or something pip builds after (which may need a
    /// dependency no requested file does).
    func requestedAndDependencies(pipVersion: Version?, noDeps: Bool) -> (
        requested: [PipReportItem], dependencies: [PipReportItem]
    )? {
        guard let pipVersion, pipVersion >= PipVersionProbe.hashedConstraintsSince, !noDeps, built.isEmpty else {
            return nil
        }
        let requested = verified.filter { $0.dependency.direct == true }
        guard !requested.isEmpty else { return nil }
        return (requested, verified.filter { $0.dependency.direct != true })
    }
}

extension PipInvocation {
    /// Options that say where pip looks for distributions: the final install from verified files drops them
    /// (`--no-index` and the private folder say it instead).
    static let indexOptionNames: Set<String> = ["--index-url", "--extra-index-url", "--no-index", "--find-links"]
    /// Where the user's requirements come from: the final runs name the scanned distributions instead.
    static let requirementSourceNames: Set<String> = ["--requirement", "--editable", "--requirements-from-script"]
    /// Options that change the resolution the dry run already made (the final runs set `--no-deps` themselves).
    static let resolutionOptionNames: Set<String> = ["--no-deps", "--only-deps", "--uploaded-prior-to"]

    /// The user's install options without requirement sources, index options, `--no-deps` and `--require-hashes`
    /// (the final install sets those itself). Nil when the arguments cannot be split with certainty.
    var optionsForVerifiedInstall: [String]? {
        guard isCertain else { return nil }
        return installArguments { token in
            switch token.kind {
            case .positional, .endOfOptions: return true
            case .option(let option, _):
                return Self.requirementSourceNames.contains(option.name)
                    || Self.indexOptionNames.contains(option.name) || Self.resolutionOptionNames.contains(option.name)
                    || option.name == "--require-hashes" || option.name == "--no-require-hashes"
            case .invalid: return false
            }
        }
    }

    /// `pip GLOBALS install --no-index --no-deps --require-hashes [--only-binary=:all:] [--find-links FOLDER]
    /// -r REQUIREMENTS OPTIONS…`: exactly the verified files. With `constraints` (pip 26.0+, which takes hashes
    /// from a constraints file), `-c CONSTRAINTS` replaces `--no-deps`: REQUIREMENTS names what the user asked for,
    /// CONSTRAINTS pins every dependency by hash, and pip installs the dependencies as dependencies (no `REQUESTED`
    /// marker), as a plain install does. The folder goes on the command line only under `--isolated` (which ignores
    /// the environment); otherwise `PIP_FIND_LINKS` names it, replacing the find-links of pip's configuration files
    /// instead of adding to them.
    func verifiedInstallArguments(requirements: String, constraints: String? = nil, folder: String, onlyBinary: Bool)
        -> [String]?
    {
        guard let options = optionsForVerifiedInstall else { return nil }
        let isolated = globalArguments.contains("--isolated")
        return globalArguments + [command, "--no-index"] + (constraints == nil ? ["--no-deps"] : [])
            + ["--require-hashes"] + (onlyBinary ? [SourceBuilds.onlyBinaryAll] : [])
            + (isolated ? ["--find-links", folder] : []) + ["--requirement", requirements]
            + (constraints.map { ["--constraint", $0] } ?? []) + options
    }

    /// The user's `--no-deps`.
    var asksNoDeps: Bool { tokens.contains { $0.option?.name == "--no-deps" } }

    /// `pip GLOBALS install --no-deps [--only-binary=:all:] -r BUILT OPTIONS…`: what pip builds itself, with the
    /// user's options (index options included: a build backend may need them) but no dependency resolution.
    func builtInstallArguments(requirements: String, onlyBinary: Bool) -> [String]? {
        guard isCertain,
            let options = installArguments(dropping: { token in
                switch token.kind {
                case .positional, .endOfOptions: return true
                case .option(let option, _):
                    return Self.requirementSourceNames.contains(option.name)
                        || Self.resolutionOptionNames.contains(option.name)
                case .invalid: return false
                }
            })
        else { return nil }
        return globalArguments + [command, "--no-deps"] + (onlyBinary ? [SourceBuilds.onlyBinaryAll] : [])
            + ["--requirement", requirements] + options
    }
}

extension ArgumentSafety {
    /// The requirements-file line that names a distribution pip builds itself: `-e file:///dir` for an editable,
    /// `name @ file:///dir` for a local directory, `name @ vcs+URL@commit` for the scanned commit of a checkout.
    static func builtRequirementLine(_ item: PipReportItem) throws(GateError) -> String {
        let name = try safeName(item.dependency.name)
        let url = item.artifactURL
        guard looksLikeURL(url), !hasControlCharacters(url), !url.contains(" "), !url.contains(";"),
            !url.contains("#")
        else { throw .unsafeReportValue(name: name, key: "url", value: url) }
        switch item.kind {
        case .directory:
            return item.dependency.editable ? "-e \(url)" : "\(name) @ \(url)"
        case .vcs:
            guard let vcs = item.vcs, vcs.allSatisfy({ $0.isLetter }), let commit = item.vcsCommit,
                commit.allSatisfy({ $0.isHexDigit })
            else { throw .unsafeReportValue(name: name, key: "vcs_info", value: item.vcsCommit ?? "") }
            let prefixed = url.lowercased().hasPrefix(vcs.lowercased() + "+") ? url : vcs + "+" + url
            return item.dependency.editable ? "-e \(prefixed)@\(commit)#egg=\(name)" : "\(name) @ \(prefixed)@\(commit)"
        case .index, .directArchive:
            return "\(name) @ \(url)"
        }
    }

    /// `name==version --hash=sha256:…` for the final install from verified files; `name[extras]==…` with
    /// `extras` (when pip resolves the dependencies from the constraints, the requested extras select them).
    static func verifiedRequirementLine(_ item: PipReportItem, extras: Bool = false) throws(GateError) -> String {
        let name = try safeName(item.dependency.name)
        let version = try safeVersion(item.dependency.version ?? "", of: name)
        guard let sha = item.sha256 else { throw .unsafeReportValue(name: name, key: "sha256", value: "") }
        var selected = ""
        if extras, !item.dependency.extras.isEmpty {
            var names: [String] = []
            for extra in item.dependency.extras { names.append(try safeName(extra)) }
            selected = "[" + names.joined(separator: ",") + "]"
        }
        return "\(name)\(selected)==\(version) --hash=sha256:\(try safeSHA256(sha, of: name))"
    }
}
