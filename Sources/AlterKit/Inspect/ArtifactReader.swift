import Foundation

/// A reading limit the archive broke, as the inspector reports it.
package struct ArtifactLimitHit: ArtifactLimitViolation, Equatable {
    package var limitDescription: String
    package var limitSeverity: Severity

    /// The limit an archive error stands for, or nil when the error is a plain failure to read.
    package init?(_ error: ArchiveError) {
        switch error {
        case .unsafePath, .suspiciousRatio:
            limitSeverity = .critical
        case .tooManyEntries, .entryTooLarge, .totalTooLarge, .link:
            limitSeverity = .high
        case .malformed, .corruptEntry, .crcMismatch, .unsupported, .entryNotFound, .unreadable:
            return nil
        }
        limitDescription = error.description
    }
}

/// Errors of inspection that are not findings.
package enum InspectError: AlterKSError, Equatable {
    /// Neither a wheel nor an sdist by name or content.
    case unknownFormat(String)
    case unreadable(path: String, reason: String)

    package var exitStatus: ExitStatus { .usage }

    package var description: String {
        switch self {
        case .unknownFormat(let name): "\(name): not a wheel (.whl) or an sdist (.tar.gz, .zip)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}

/// Reads wheels and sdists as streams of members for the inspector: zip through `ZipArchive`, tar and tar.gz
/// through `TarReader`, within `ArchiveLimits` (links are read so that the inspector can judge them). Nothing is
/// extracted to disk.
package enum ArtifactReader {
    /// The limits artifacts are read under: the standard ones, with links returned for judging.
    package static let limits = ArchiveLimits(allowLinks: true)

    enum Container { case zip, tar }

    /// The format and container of an artifact, from its name and first bytes.
    static func classify(name: String, head: Data) throws -> (ArtifactFormat, Container) {
        let lower = name.lowercased()
        let isZip = head.starts(with: [0x50, 0x4B])
        if lower.hasSuffix(".whl") { return (.wheel, .zip) }
        if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") || lower.hasSuffix(".tar") { return (.sdist, .tar) }
        if lower.hasSuffix(".zip") || lower.hasSuffix(".egg") { return (.sdist, .zip) }
        if isZip { return (.sdist, .zip) }
        if head.starts(with: [0x1F, 0x8B]) || (head.count > 262 && head[head.startIndex + 257] == UInt8(ascii: "u")) {
            return (.sdist, .tar)
        }
        throw InspectError.unknownFormat(name)
    }

    /// Inspects an artifact held in memory. `name` is its file name (it decides wheel or sdist).
    package static func inspect(
        data: Data, name: String, sha256: String? = nil, inspector: ArtifactInspector = ArtifactInspector()
    ) throws -> ArtifactInspection {
        let (format, container) = try classify(name: name, head: data.prefix(512))
        switch container {
        case .zip:
            return try inspectZip(
                { try ZipArchive(data: data, name: name, limits: limits) }, name, format, sha256, inspector)
        case .tar:
            return try inspectTar(
                { try TarReader(data: data, name: name, limits: limits) }, name, format, sha256, inspector)
        }
    }

    /// Inspects the artifact file at `path` (memory-mapped or streamed, never extracted).
    package static func inspect(
        path: String, sha256: String? = nil, inspector: ArtifactInspector = ArtifactInspector()
    ) throws -> ArtifactInspection {
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            head = try handle.read(upToCount: 512) ?? Data()
        } catch {
            throw InspectError.unreadable(path: path, reason: (error as NSError).localizedFailureReason ?? "\(error)")
        }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        let (format, container) = try classify(name: name, head: head)
        switch container {
        case .zip:
            return try inspectZip({ try ZipArchive(path: path, limits: limits) }, name, format, sha256, inspector)
        case .tar:
            return try inspectTar({ try TarReader(path: path, limits: limits) }, name, format, sha256, inspector)
        }
    }

    /// Runs `body`, turning an archive error that is a limit into a thrown `ArtifactLimitHit`.
    static func limited<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ArchiveError {
            if let hit = ArtifactLimitHit(error) { throw hit }
            throw error
        }
    }

    static func inspectZip(
        _ open: () throws -> ZipArchive, _ name: String, _ format: ArtifactFormat, _ sha256: String?,
        _ inspector: ArtifactInspector
    ) throws -> ArtifactInspection {
        var archive: ZipArchive?
        var index = 0
        return try inspector.inspect(artifact: name, format: format, sha256: sha256) {
            let zip = try archive ?? limited(open)
            archive = zip
            guard index < zip.entries.count else { return nil }
            let entry = zip.entries[index]
            index += 1
            if entry.isDirectory { return ArtifactMember(path: entry.name, kind: .directory, mode: entry.unixMode) }
            let data = try limited { try zip.contents(of: entry) }
            if entry.isSymlink {
                return ArtifactMember(
                    path: entry.name, kind: .symlink(target: String(decoding: data, as: UTF8.self)),
                    mode: entry.unixMode)
            }
            return ArtifactMember(path: entry.name, kind: .file, mode: entry.unixMode, data: data)
        }
    }

    static func inspectTar(
        _ open: () throws -> TarReader, _ name: String, _ format: ArtifactFormat, _ sha256: String?,
        _ inspector: ArtifactInspector
    ) throws -> ArtifactInspection {
        var reader: TarReader?
        return try inspector.inspect(artifact: name, format: format, sha256: sha256) {
            let tar = try reader ?? limited(open)
            reader = tar
            guard let entry = try limited({ try tar.next() }) else { return nil }
            let kind: ArtifactMember.Kind =
                switch entry.kind {
                case .file: .file
                case .directory: .directory
                case .symlink(let target): .symlink(target: target)
                case .hardlink(let target): .hardlink(target: target)
                }
            return ArtifactMember(path: entry.name, kind: kind, mode: entry.mode, data: entry.data)
        }
    }
}

extension ArtifactReader {
    /// Largest installed file read for hashing and analysis.
    static let maxInstalledFile = 512 << 20

    /// Inspects an installed distribution: the files its RECORD lists (relative to `sitePackages`), hashes checked
    /// against RECORD (a mismatch means the installed code changed after installation), `.pth` files, code and
    /// entry points analysed as for a wheel. Files RECORD places outside the environment are not read.
    package static func inspectInstalled(
        distInfo: String, sitePackages: String, inspector: ArtifactInspector = ArtifactInspector()
    ) throws -> ArtifactInspection {
        let distName = String(distInfo.split(separator: "/").last ?? Substring(distInfo))
        let recordPath = sitePackages + "/" + distName + "/RECORD"
        let record: Data
        do {
            record = try FileIO.read(recordPath, limit: 64 << 20)
        } catch {
            throw InspectError.unreadable(path: recordPath, reason: "\(error)")
        }
        let site = URL(fileURLWithPath: sitePackages).standardizedFileURL.path
        // The environment's prefix: site-packages sits in lib/pythonX.Y/ (POSIX) or Lib/ (Windows).
        var prefix = URL(fileURLWithPath: site).deletingLastPathComponent()
        if prefix.lastPathComponent.hasPrefix("python") { prefix.deleteLastPathComponent() }
        prefix.deleteLastPathComponent()
        let prefixPath = prefix.path.hasSuffix("/") ? prefix.path : prefix.path + "/"
        var entries = WheelMetadata.parseRecord(record).makeIterator()
        var outside: [String] = []
        var inspection = try inspector.inspect(artifact: distName, format: .installed) {
            while let entry = entries.next() {
                if entry.path.hasSuffix(".pyc") { continue }
                let absolute = URL(fileURLWithPath: site + "/" + entry.path).standardizedFileURL.path
                guard absolute.hasPrefix(prefixPath) else {
                    outside.append(entry.path)
                    continue
                }
                guard let data = try? FileIO.read(absolute, limit: maxInstalledFile) else { continue }
                return ArtifactMember(path: entry.path, data: data)
            }
            return nil
        }
        for path in outside {
            inspection.findings.append(
                InspectionFinding(
                    kind: .recordMissing, severity: .low, file: path,
                    evidence: "RECORD lists a file outside the environment; not read"))
        }
        inspection.findings = inspection.findings.normalized()
        return inspection
    }
}
