import AlterCore
import Foundation

/// Why an archive (wheel, sdist, the OSV database zip) could not be read safely. Names the archive and, where
/// there is one, the entry. Malformed or hostile input always ends here, never in a crash.
package enum ArchiveError: AlterKSError, Equatable {
    /// The archive's structure is broken (not a zip, truncated, offsets out of bounds).
    case malformed(archive: String, reason: String)
    /// One entry is broken (bad compressed data, wrong size, truncated).
    case corruptEntry(archive: String, entry: String, reason: String)
    /// The entry's data does not match its CRC-32.
    case crcMismatch(archive: String, entry: String)
    /// More entries than `ArchiveLimits.maxEntries`.
    case tooManyEntries(archive: String, limit: Int)
    /// One entry larger than `ArchiveLimits.maxEntrySize` once uncompressed.
    case entryTooLarge(archive: String, entry: String, limit: Int)
    /// All entries together larger than `ArchiveLimits.maxTotalSize` once uncompressed.
    case totalTooLarge(archive: String, limit: Int)
    /// Compressed far better than real files are: a decompression bomb.
    case suspiciousRatio(archive: String, entry: String, ratio: Int)
    /// An absolute name, a `..` component, a drive letter or a NUL: it would land outside the target directory.
    case unsafePath(archive: String, entry: String)
    /// A symbolic or hard link (refused unless `ArchiveLimits.allowLinks`).
    case link(archive: String, entry: String)
    /// A feature we do not read (encryption, a compression method other than stored/deflate, device files).
    case unsupported(archive: String, entry: String, reason: String)
    /// No entry by that name.
    case entryNotFound(archive: String, entry: String)
    /// The archive file could not be read.
    case unreadable(archive: String, reason: String)

    /// We could not inspect the artifact or data: a source failure (3), never "clean".
    package var exitStatus: ExitStatus { .sourceFailure }

    package var description: String {
        switch self {
        case .malformed(let archive, let reason): "\(archive): not a readable archive: \(reason)"
        case .corruptEntry(let archive, let entry, let reason): "\(archive): entry \(entry.debugDescription): \(reason)"
        case .crcMismatch(let archive, let entry): "\(archive): entry \(entry.debugDescription): CRC-32 mismatch"
        case .tooManyEntries(let archive, let limit): "\(archive): more than \(limit) entries"
        case .entryTooLarge(let archive, let entry, let limit):
            "\(archive): entry \(entry.debugDescription) is larger than \(limit) bytes uncompressed"
        case .totalTooLarge(let archive, let limit): "\(archive): more than \(limit) bytes uncompressed in total"
        case .suspiciousRatio(let archive, let entry, let ratio):
            "\(archive): entry \(entry.debugDescription) expands \(ratio)x: looks like a decompression bomb"
        case .unsafePath(let archive, let entry):
            "\(archive): entry \(entry.debugDescription) has an unsafe path (absolute or escaping with ..)"
        case .link(let archive, let entry): "\(archive): entry \(entry.debugDescription) is a link"
        case .unsupported(let archive, let entry, let reason): "\(archive): entry \(entry.debugDescription): \(reason)"
        case .entryNotFound(let archive, let entry): "\(archive): no entry \(entry.debugDescription)"
        case .unreadable(let archive, let reason): "cannot read \(archive): \(reason)"
        }
    }
}

/// Bounds every archive reader enforces, on declared sizes up front and on actual bytes while decompressing.
package struct ArchiveLimits: Sendable, Hashable {
    /// Entries in one archive.
    package var maxEntries: Int
    /// Uncompressed bytes of one entry.
    package var maxEntrySize: Int
    /// Uncompressed bytes of all entries together.
    package var maxTotalSize: Int
    /// Largest uncompressed/compressed ratio accepted for anything bigger than `ratioThreshold`.
    package var maxCompressionRatio: Int
    /// Below this many uncompressed bytes the ratio is not checked (small files of one repeated byte are normal).
    package var ratioThreshold: Int
    /// Whether symbolic and hard links are returned as entries instead of refused.
    package var allowLinks: Bool

    package init(
        maxEntries: Int = 100_000, maxEntrySize: Int = 512 << 20, maxTotalSize: Int = 2 << 30,
        maxCompressionRatio: Int = 200, ratioThreshold: Int = 1 << 20, allowLinks: Bool = false
    ) {
        self.maxEntries = maxEntries
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioThreshold = ratioThreshold
        self.allowLinks = allowLinks
    }

    /// 100,000 entries, 512 MiB per entry, 2 GiB in total, ratio 200 above 1 MiB, no links.
    package static let standard = ArchiveLimits()

    /// Whether `uncompressed` bytes from `compressed` bytes breaks the ratio rule.
    func isBomb(uncompressed: Int, compressed: Int) -> Bool {
        uncompressed > ratioThreshold && uncompressed / max(compressed, 1) > maxCompressionRatio
    }
}

/// Whether an entry name is safe to use as a relative path: not empty, not absolute, no `..` component, no drive
/// letter, no NUL. Backslashes count as separators (Windows tools write them).
package func isSafeArchivePath(_ name: String) -> Bool {
    if name.isEmpty || name.utf8.contains(0) { return false }
    if name.hasPrefix("/") || name.hasPrefix("\\") { return false }
    let scalars = Array(name.unicodeScalars.prefix(2))
    if scalars.count == 2 && scalars[1] == ":" && scalars[0].properties.isAlphabetic { return false }
    for component in name.split(whereSeparator: { $0 == "/" || $0 == "\\" }) where component == ".." {
        return false
    }
    return true
}
