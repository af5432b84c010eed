import Foundation
import PythonCodeAnalysis

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
    /// The limits artifacts are read under: the standard sizes and counts, links returned for judging, and a
    /// compression ratio of 1,000 (deflate's ceiling is about 1,032): real wheels hold shared libraries padded with
    /// zeros that compress 200-fold, and a bomb needs the ceiling to be one.
    package static let limits = ArchiveLimits(maxCompressionRatio: 1000, allowLinks: true)

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
    /// `.pth`, `sitecustomize.py` and `usercustomize.py` files in `sitePackages` that no installed distribution's
    /// RECORD lists — what an install-time script leaves behind — inspected as start-up code. Modules their
    /// `import` lines name are read too, so that what they run is judged.
    package static func inspectUnownedStartupFiles(
        sitePackages: String, inspector: ArtifactInspector = ArtifactInspector()
    ) throws -> ArtifactInspection {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: sitePackages).sorted()
        } catch {
            throw InspectError.unreadable(path: sitePackages, reason: "\(error)")
        }
        var owned = Set<String>()
        for name in names where name.hasSuffix(".dist-info") {
            guard let record = try? FileIO.read(sitePackages + "/" + name + "/RECORD", limit: 64 << 20) else {
                continue
            }
            for entry in WheelMetadata.parseRecord(record) { owned.insert(entry.path) }
        }
        var members: [ArtifactMember] = []
        for name in names where !owned.contains(name) {
            let lower = name.lowercased()
            guard lower.hasSuffix(".pth") || lower == "sitecustomize.py" || lower == "usercustomize.py",
                let data = try? FileIO.read(sitePackages + "/" + name, limit: 4 << 20)
            else { continue }
            members.append(ArtifactMember(path: name, data: data))
            guard lower.hasSuffix(".pth") else { continue }
            // The modules the import lines name, from site-packages.
            for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            where line.hasPrefix("import ") || line.hasPrefix("import\t") {
                for word in line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "." }) {
                    let module = String(word.split(separator: ".").first ?? "")
                    for candidate in [module + ".py", module + "/__init__.py"]
                    where !module.isEmpty && !members.contains(where: { $0.path == candidate }) {
                        if let code = try? FileIO.read(sitePackages + "/" + candidate, limit: 8 << 20) {
                            members.append(ArtifactMember(path: candidate, data: code))
                        }
                    }
                }
            }
        }
        var inspection = inspector.inspect(artifact: "site-packages", format: .installed, members: members)
        let startupNames = Set(members.map(\.path).filter { !$0.hasSuffix(".py") || $0.hasSuffix("customize.py") })
        inspection.findings = inspection.findings.filter { $0.kind != .recordMissing }.map { finding in
            var f = finding
            if startupNames.contains(f.file) {
                f.evidence = Evidence.clip("not listed by any installed distribution: " + f.evidence)
            }
            return f
        }
        // sitecustomize/usercustomize run at every start: their code is start-up code.
        for name in startupNames where name.hasSuffix("customize.py") {
            guard let member = members.first(where: { $0.path == name }) else { continue }
            let analysis = inspector.analyzer.analyze(
                source: [UInt8](member.data), file: name, topPhase: .startup, functionPhase: .callTime)
            inspection.findings += analysis.findings
            inspection.findings.append(
                InspectionFinding(
                    kind: .pthCode,
                    severity: analysis.findings.contains { $0.severity >= .high } ? .critical : .medium,
                    file: name, line: nil,
                    evidence: "\(name) runs at every interpreter start and no installed distribution lists it"))
        }
        inspection.findings = inspection.findings.normalized()
        return inspection
    }
}
