import Foundation

/// One member of an artifact as the inspector sees it: a path inside the wheel or sdist (or, for an installed
/// distribution, relative to site-packages) and its bytes. Never written to disk.
package struct ArtifactMember: Sendable {
    package enum Kind: Sendable, Hashable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
    }

    package var path: String
    package var kind: Kind
    /// Permission bits, when the archive records them (0 otherwise).
    package var mode: UInt32
    package var data: Data

    package init(path: String, kind: Kind = .file, mode: UInt32 = 0o644, data: Data = Data()) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.data = data
    }
}

/// Recognises executables by their first bytes.
package enum BinaryKind {
    /// "ELF", "Mach-O", "PE" or nil.
    package static func native(_ data: Data) -> String? {
        guard data.count >= 8 else { return nil }
        let b = [UInt8](data.prefix(8))
        if b.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return "ELF" }
        let machO: [[UInt8]] = [
            [0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE], [0xCF, 0xFA, 0xED, 0xFE],
        ]
        if machO.contains(where: { b.starts(with: $0) }) { return "Mach-O" }
        // 0xCAFEBABE is both a universal Mach-O and a Java class; universal binaries hold few architectures.
        if b.starts(with: [0xCA, 0xFE, 0xBA, 0xBE]) {
            let count = UInt32(b[4]) << 24 | UInt32(b[5]) << 16 | UInt32(b[6]) << 8 | UInt32(b[7])
            return count > 0 && count < 20 ? "Mach-O" : nil
        }
        if b[0] == 0x4D && b[1] == 0x5A, data.count >= 0x40 {
            let bytes = [UInt8](data.prefix(0x40))
            let offset = Int(bytes[0x3C]) | Int(bytes[0x3D]) << 8 | Int(bytes[0x3E]) << 16 | Int(bytes[0x3F]) << 24
            if offset >= 0x40, offset + 4 <= data.count {
                let signature = [UInt8](data[data.startIndex + offset..<data.startIndex + offset + 4])
                if signature == [0x50, 0x45, 0, 0] { return "PE" }
            }
        }
        return nil
    }

    /// The interpreter of a `#!` line, or nil when the file has none.
    package static func shebang(_ data: Data) -> String? {
        guard data.count > 2, data[data.startIndex] == 0x23, data[data.startIndex + 1] == 0x21 else { return nil }
        let line = data.prefix(200).split(separator: 0x0A, maxSplits: 1).first ?? Data()
        let text = String(decoding: line.dropFirst(2), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let words = text.split(separator: " ")
        guard let program = words.first else { return "" }
        let base = program.split(separator: "/").last.map(String.init) ?? String(program)
        if base == "env", words.count > 1 { return String(words[words[1] == "-S" && words.count > 2 ? 2 : 1]) }
        return base
    }
}
