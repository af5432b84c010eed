import Foundation
import PythonCodeAnalysis

#if canImport(Glibc)
    import Glibc
#endif

/// Reading limits for an installed distribution's files.
package struct InstalledLimits: Sendable, Hashable {
    /// A larger file is not read (nor hash-checked): a low finding says so.
    package var maxFileBytes: Int
    /// Once this much has been read, the rest is not: a finding says so and the inspection is incomplete.
    package var maxTotalBytes: Int

    package init(maxFileBytes: Int = 64 << 20, maxTotalBytes: Int = 1 << 30) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
    }
}

/// Where an installed distribution lives: its site-packages directory and the environment prefix around it.
struct InstalledLayout {
    /// site-packages, symlinks resolved.
    var site: String
    /// The environment's prefix (`PREFIX/lib/pythonX.Y/site-packages`), symlinks resolved; site-packages itself
    /// when the layout is not a known one (a `--target` directory): nothing outside it is read then.
    var prefix: String

    init(sitePackages: String) {
        site = Self.realPath(sitePackages) ?? URL(fileURLWithPath: sitePackages).standardizedFileURL.path
        let parts = site.split(separator: "/").map(String.init)
        let n = parts.count
        if n >= 3, parts[n - 1] == "site-packages" || parts[n - 1] == "dist-packages",
            parts[n - 2].hasPrefix("python"), parts[n - 3] == "lib" || parts[n - 3] == "lib64"
        {
            prefix = "/" + parts.dropLast(3).joined(separator: "/")
        } else if n >= 2, parts[n - 1] == "site-packages", parts[n - 2] == "Lib" {
            prefix = "/" + parts.dropLast(2).joined(separator: "/")
        } else {
            prefix = site
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }

    /// Where a RECORD path leads: inside the environment (the resolved path), outside it, or nowhere (missing).
    enum Place: Equatable {
        case inside(String)
        case outside(String)
        case missing
    }

    func place(_ recordPath: String) -> Place {
        let lexical = URL(fileURLWithPath: site + "/" + recordPath).standardizedFileURL.path
        guard Self.isInside(lexical, prefix) else { return .outside("RECORD places it at \(lexical)") }
        guard let real = Self.realPath(lexical) else { return .missing }
        guard Self.isInside(real, prefix) else { return .outside("a link to \(real)") }
        return .inside(real)
    }
}

extension ArtifactReader {
    /// Inspects an installed distribution: the files its RECORD lists, hashes checked against RECORD (a mismatch
    /// means the installed code changed after installation), `.pth` files, code and entry points analysed as for a
    /// wheel. Files in the environment outside site-packages (scripts in `bin/`, data) are read too; a RECORD path
    /// that leads outside the environment (`../` beyond the prefix, or a link out of it) is a finding and is never
    /// read. Within `limits`: a file over the per-file size is not read, and reading stops at the total.
    package static func inspectInstalled(
        distInfo: String, sitePackages: String, inspector: ArtifactInspector = ArtifactInspector(),
        limits: InstalledLimits = InstalledLimits()
    ) throws -> ArtifactInspection {
        let distName = String(distInfo.split(separator: "/").last ?? Substring(distInfo))
        let recordPath = sitePackages + "/" + distName + "/RECORD"
        let record: Data
        do {
            record = try FileIO.read(recordPath, limit: 64 << 20)
        } catch {
            throw InspectError.unreadable(path: recordPath, reason: "\(error)")
        }
        let layout = InstalledLayout(sitePackages: sitePackages)
        var entries = WheelMetadata.parseRecord(record).makeIterator()
        var extra: [InspectionFinding] = []
        var total = 0
        var stopped = false
        var inspection = try inspector.inspect(artifact: distName, format: .installed) {
            while !stopped, let entry = entries.next() {
                if entry.path.hasSuffix(".pyc") { continue }
                let absolute: String
                switch layout.place(entry.path) {
                case .missing: continue
                case .outside(let whereTo):
                    extra.append(
                        InspectionFinding(
                            kind: .archiveLimit, severity: .medium, file: entry.path,
                            evidence: "RECORD lists a file outside the environment (\(whereTo)); not read"))
                    continue
                case .inside(let path): absolute = path
                }
                var info = stat()
                guard stat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let size = Int(info.st_size)
                if size > limits.maxFileBytes {
                    extra.append(
                        InspectionFinding(
                            kind: .unanalyzed, severity: .low, file: entry.path,
                            evidence: "\(size) bytes, over the per-file limit of \(limits.maxFileBytes): not read, "
                                + "not hash-checked"))
                    continue
                }
                if total + size > limits.maxTotalBytes {
                    stopped = true
                    extra.append(
                        InspectionFinding(
                            kind: .archiveLimit, severity: .medium, file: entry.path,
                            evidence: "installed files over \(limits.maxTotalBytes) bytes in all: the rest of "
                                + "RECORD was not read"))
                    return nil
                }
                guard let data = try? FileIO.read(absolute, limit: limits.maxFileBytes) else { continue }
                total += data.count
                return ArtifactMember(path: entry.path, data: data)
            }
            return nil
        }
        if stopped { inspection.complete = false }
        inspection.findings = (inspection.findings + extra).normalized()
        return inspection
    }
}

extension ArtifactStore {
    /// What an installed distribution's inspection depends on, as one hex digest: the rules' version, the limits,
    /// the RECORD's bytes and the size, change time and inode of every file it lists (a `stat` each, nothing read).
    /// A file changed after installation changes its change time, so the cached inspection is not reused for it.
    /// Nil when the RECORD cannot be read.
    package static func installedFingerprint(
        distInfo: String, sitePackages: String, limits: InstalledLimits = InstalledLimits()
    ) -> String? {
        let distName = String(distInfo.split(separator: "/").last ?? Substring(distInfo))
        guard let record = try? FileIO.read(sitePackages + "/" + distName + "/RECORD", limit: 64 << 20) else {
            return nil
        }
        let layout = InstalledLayout(sitePackages: sitePackages)
        var text =
            "installed v\(CodeAnalyzer.rulesVersion) \(limits.maxFileBytes) \(limits.maxTotalBytes) \(distName)\n"
        for entry in WheelMetadata.parseRecord(record) where !entry.path.hasSuffix(".pyc") {
            var info = stat()
            if case .inside(let path) = layout.place(entry.path), lstat(path, &info) == 0 {
                text += "\(entry.path)\t\(info.st_size)\t\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
                text += "\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\t\(info.st_ino)\n"
            } else {
                text += "\(entry.path)\t-\n"
            }
        }
        var bytes = Data(text.utf8)
        bytes.append(record)
        return hexString(SHA256.hash(bytes))
    }

    /// The inspection of an installed distribution, from the cache when the fingerprint (RECORD and the listed
    /// files' metadata) is unchanged; else inspected and cached (0600 under `DIR/installed/`).
    package func inspectInstalled(
        distInfo: String, sitePackages: String, inspector: ArtifactInspector = ArtifactInspector(),
        limits: InstalledLimits = InstalledLimits()
    ) throws -> ArtifactInspection {
        struct Saved: Codable {
            var fingerprint: String
            var inspection: ArtifactInspection
        }
        let key = Self.installedFingerprint(distInfo: distInfo, sitePackages: sitePackages, limits: limits)
        let path = key.map { directory + "/installed/" + String($0.prefix(2)) + "/" + $0 + ".json" }
        if let path, let data = try? FileIO.read(path, limit: 64 << 20),
            let saved = try? JSONDecoder().decode(Saved.self, from: data), saved.fingerprint == key
        {
            return saved.inspection
        }
        let inspection = try ArtifactReader.inspectInstalled(
            distInfo: distInfo, sitePackages: sitePackages, inspector: inspector, limits: limits)
        if let key, let path, let data = try? JSONEncoder().encode(Saved(fingerprint: key, inspection: inspection)) {
            try? FileIO.ensurePrivateDirectory((path as NSString).deletingLastPathComponent)
            try? FileIO.writeAtomically(data, to: path)
        }
        return inspection
    }
}
