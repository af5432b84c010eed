import AlterKit
import Foundation

/// Builds wheels and sdists for the inspection tests: the members (what the inspector reads) with a correct
/// RECORD, and ways to break it (unlisted files, tampered bytes).
package struct ArtifactBuilder: Sendable {
    package var name: String
    package var version: String
    /// Package files in order: path inside the wheel (or below the sdist's top directory) and contents.
    package var files: [(path: String, data: Data)] = []
    /// WHEEL's `Root-Is-Purelib`.
    package var purelib = true
    package var entryPoints: String?
    /// Files added to the wheel after RECORD was written (so not listed in it).
    package var unlisted: [(path: String, data: Data)] = []
    /// Files whose bytes are replaced after RECORD was written.
    package var tampered: [String: Data] = [:]
    package var writeRecord = true

    package init(name: String = "demo", version: String = "1.0") {
        self.name = name
        self.version = version
    }

    package mutating func add(_ path: String, _ text: String) { files.append((path, Data(text.utf8))) }

    package mutating func add(_ path: String, bytes: [UInt8]) { files.append((path, Data(bytes))) }

    package var distInfo: String { "\(name)-\(version).dist-info" }

    package var wheelFileName: String { "\(name)-\(version)-py3-none-any.whl" }

    package var sdistFileName: String { "\(name)-\(version).tar.gz" }

    /// The wheel's members, dist-info last as wheel builders write them.
    package func wheelMembers() -> [ArtifactMember] {
        var all = files
        all.append(("\(distInfo)/METADATA", Data("Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n".utf8)))
        all.append(
            (
                "\(distInfo)/WHEEL",
                Data("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: \(purelib)\nTag: py3-none-any\n".utf8)
            ))
        if let entryPoints { all.append(("\(distInfo)/entry_points.txt", Data(entryPoints.utf8))) }
        if writeRecord {
            var record = ""
            for (path, data) in all { record += "\(path),\(WheelMetadata.recordHash(data)),\(data.count)\n" }
            record += "\(distInfo)/RECORD,,\n"
            all.append(("\(distInfo)/RECORD", Data(record.utf8)))
        }
        all += unlisted
        return all.map { ArtifactMember(path: $0.path, data: tampered[$0.path] ?? $0.data) }
    }

    /// The sdist's members, under `name-version/`, with a PKG-INFO.
    package func sdistMembers() -> [ArtifactMember] {
        let root = "\(name)-\(version)/"
        var all = [("PKG-INFO", Data("Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n".utf8))] + files
        all += unlisted
        return [ArtifactMember(path: root, kind: .directory)]
            + all.map { ArtifactMember(path: root + $0.0, data: tampered[$0.0] ?? $0.1) }
    }

    /// The wheel as zip bytes (through the shared `ZipBuilder`).
    package func wheelData() -> Data {
        var zip = ZipBuilder()
        for member in wheelMembers() { zip.add(member.path, member.data) }
        return zip.build()
    }

    /// The sdist as tar.gz bytes (through the shared `TarBuilder`).
    package func sdistData() -> Data {
        var tar = TarBuilder()
        for member in sdistMembers() {
            if case .directory = member.kind {
                tar.addDirectory(member.path)
            } else {
                tar.addFile(member.path, member.data)
            }
        }
        return tar.build(gzip: true)
    }
}
