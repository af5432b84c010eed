import Foundation

/// One entry of a zip's central directory.
package struct ZipEntry: Sendable, Hashable {
    /// The name as stored ("requests/__init__.py", "requests-2.32.3.dist-info/METADATA"); directories end in "/".
    package var name: String
    package var compressedSize: Int
    package var uncompressedSize: Int
    package var crc32: UInt32
    /// 0 stored, 8 deflate; anything else is refused on extraction.
    package var method: UInt16
    /// General-purpose flags (bit 0: encrypted, bit 11: UTF-8 name).
    package var flags: UInt16
    /// Where the entry's local header starts.
    package var localHeaderOffset: Int
    /// Unix mode bits when the archive was made on Unix, else 0.
    package var unixMode: UInt32

    package var isDirectory: Bool { name.hasSuffix("/") }
    package var isSymlink: Bool { unixMode & 0o170000 == 0o120000 }
    package var isEncrypted: Bool { flags & 1 != 0 }
}

/// A zip file (wheels, the OSV database) read from its central directory, ZIP64 included. Opening validates every
/// entry against `ArchiveLimits` — declared sizes, total, ratio, count, unsafe paths, links — and throws
/// `ArchiveError` naming the first offender; extraction re-checks the actual bytes (size, CRC-32) so a lying
/// directory cannot get past. The file is memory-mapped, not read into memory.
package struct ZipArchive: Sendable {
    /// The name used in errors (the path, or what the caller passed).
    package let name: String
    /// Every entry, in central-directory order.
    package let entries: [ZipEntry]
    private let data: Data
    private let limits: ArchiveLimits
    private let index: [String: Int]

    /// Opens the zip at `path`.
    package init(path: String, limits: ArchiveLimits = .standard) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error)"
            throw ArchiveError.unreadable(archive: path, reason: reason)
        }
        try self.init(data: data, name: path, limits: limits)
    }

    /// Reads a zip held in memory; `name` appears in errors.
    package init(data: Data, name: String, limits: ArchiveLimits = .standard) throws {
        self.name = name
        self.limits = limits
        self.data = data
        let reader = ByteReader(data: data, archive: name)
        let directory = try Self.locateCentralDirectory(reader)
        if directory.count > limits.maxEntries {
            throw ArchiveError.tooManyEntries(archive: name, limit: limits.maxEntries)
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(directory.count)
        var offset = directory.offset
        var total = 0
        for _ in 0..<directory.count {
            let entry = try Self.readCentralEntry(reader, at: &offset)
            try Self.validate(entry, archive: name, limits: limits)
            total += entry.uncompressedSize
            if total > limits.maxTotalSize {
                throw ArchiveError.totalTooLarge(archive: name, limit: limits.maxTotalSize)
            }
            entries.append(entry)
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where index[entry.name] == nil { index[entry.name] = position }
        self.index = index
    }

    /// The first entry called `name`, if any.
    package func entry(named name: String) -> ZipEntry? {
        index[name].map { entries[$0] }
    }

    /// The uncompressed bytes of the entry called `name`.
    package func contents(named entryName: String) throws -> Data {
        guard let entry = entry(named: entryName) else {
            throw ArchiveError.entryNotFound(archive: name, entry: entryName)
        }
        return try contents(of: entry)
    }

    /// The uncompressed bytes of `entry`, checked against its declared size and CRC-32.
    package func contents(of entry: ZipEntry) throws -> Data {
        let reader = ByteReader(data: data, archive: name)
        let header = entry.localHeaderOffset
        guard try reader.u32(header) == 0x0403_4b50 else {
            throw ArchiveError.corruptEntry(archive: name, entry: entry.name, reason: "no local header at its offset")
        }
        if entry.isEncrypted {
            throw ArchiveError.unsupported(archive: name, entry: entry.name, reason: "encrypted entries are not read")
        }
        let start = header + 30 + Int(try reader.u16(header + 26)) + Int(try reader.u16(header + 28))
        guard start >= 0, entry.compressedSize >= 0, start + entry.compressedSize <= data.count else {
            throw ArchiveError.corruptEntry(
                archive: name, entry: entry.name, reason: "data runs past the end of the file")
        }
        let compressed = data[(data.startIndex + start)..<(data.startIndex + start + entry.compressedSize)]
        let output: Data
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ArchiveError.corruptEntry(archive: name, entry: entry.name, reason: "stored sizes disagree")
            }
            output = Data(compressed)
        case 8:
            output = try inflate(compressed, entry: entry)
        default:
            throw ArchiveError.unsupported(
                archive: name, entry: entry.name, reason: "compression method \(entry.method) is not supported")
        }
        if Zlib.crc32(output) != entry.crc32 {
            throw ArchiveError.crcMismatch(archive: name, entry: entry.name)
        }
        return output
    }

    private func inflate(_ compressed: Data, entry: ZipEntry) throws -> Data {
        guard let stream = InflateStream(format: .raw) else {
            throw ArchiveError.corruptEntry(archive: name, entry: entry.name, reason: "zlib would not start")
        }
        // One spare byte reveals data that inflates past its declared size.
        var output = Data(count: entry.uncompressedSize + 1)
        var consumedTotal = 0
        var producedTotal = 0
        var ended = false
        try compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            try output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                while !ended {
                    let step = stream.inflate(
                        UnsafeRawBufferPointer(rebasing: input[consumedTotal...]),
                        into: UnsafeMutableRawBufferPointer(rebasing: out[producedTotal...]))
                    consumedTotal += step.consumed
                    producedTotal += step.produced
                    if let error = step.error {
                        throw ArchiveError.corruptEntry(
                            archive: name, entry: entry.name, reason: "bad deflate data: \(error)")
                    }
                    if producedTotal > entry.uncompressedSize {
                        throw ArchiveError.corruptEntry(
                            archive: name, entry: entry.name, reason: "inflates past its declared size")
                    }
                    ended = step.ended
                    if !ended && step.consumed == 0 && step.produced == 0 {
                        throw ArchiveError.corruptEntry(
                            archive: name, entry: entry.name, reason: "deflate data is truncated")
                    }
                }
            }
        }
        if producedTotal != entry.uncompressedSize {
            throw ArchiveError.corruptEntry(archive: name, entry: entry.name, reason: "shorter than its declared size")
        }
        return output.prefix(producedTotal)
    }

    // MARK: - Central directory

    private struct Directory {
        var offset: Int
        var size: Int
        var count: Int
    }

    private static func locateCentralDirectory(_ reader: ByteReader) throws -> Directory {
        let archive = reader.archive
        let size = reader.data.count
        guard size >= 22 else { throw ArchiveError.malformed(archive: archive, reason: "too short for a zip") }
        var eocd = -1
        var position = size - 22
        let lowest = max(0, size - 22 - 0xffff)
        while position >= lowest {
            if try reader.u32(position) == 0x0605_4b50 {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else {
            throw ArchiveError.malformed(archive: archive, reason: "no end-of-central-directory record")
        }
        var count = Int(try reader.u16(eocd + 10))
        var directorySize = Int(try reader.u32(eocd + 12))
        var offset = Int(try reader.u32(eocd + 16))
        if count == 0xffff || directorySize == 0xffff_ffff || offset == 0xffff_ffff {
            // ZIP64: the locator sits just before the classic record and points at the ZIP64 record.
            guard eocd >= 20, try reader.u32(eocd - 20) == 0x0706_4b50 else {
                throw ArchiveError.malformed(archive: archive, reason: "ZIP64 fields without a ZIP64 locator")
            }
            let record = try reader.int64(eocd - 20 + 8)
            guard try reader.u32(record) == 0x0606_4b50 else {
                throw ArchiveError.malformed(archive: archive, reason: "ZIP64 locator points at no ZIP64 record")
            }
            count = try reader.int64(record + 32)
            directorySize = try reader.int64(record + 40)
            offset = try reader.int64(record + 48)
        }
        guard offset >= 0, directorySize >= 0, offset <= size, directorySize <= size - offset else {
            throw ArchiveError.malformed(archive: archive, reason: "central directory lies outside the file")
        }
        // Each central record takes at least 46 bytes: a count that cannot fit is a lie.
        guard count >= 0, count <= directorySize / 46 + 1 else {
            throw ArchiveError.malformed(archive: archive, reason: "entry count does not fit the central directory")
        }
        return Directory(offset: offset, size: directorySize, count: count)
    }

    private static func readCentralEntry(_ reader: ByteReader, at offset: inout Int) throws -> ZipEntry {
        let archive = reader.archive
        guard try reader.u32(offset) == 0x0201_4b50 else {
            throw ArchiveError.malformed(archive: archive, reason: "bad central directory record at offset \(offset)")
        }
        let madeBy = try reader.u16(offset + 4)
        let flags = try reader.u16(offset + 8)
        let method = try reader.u16(offset + 10)
        let crc = try reader.u32(offset + 16)
        var compressed = Int(try reader.u32(offset + 20))
        var uncompressed = Int(try reader.u32(offset + 24))
        let nameLength = Int(try reader.u16(offset + 28))
        let extraLength = Int(try reader.u16(offset + 30))
        let commentLength = Int(try reader.u16(offset + 32))
        let external = try reader.u32(offset + 38)
        var localOffset = Int(try reader.u32(offset + 42))
        let nameBytes = try reader.bytes(offset + 46, nameLength)
        let name = String(decoding: nameBytes, as: UTF8.self)

        // ZIP64 extra field: the 64-bit values, in this order, for each classic field set to 0xffffffff.
        var extra = offset + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = try reader.u16(extra)
            let length = Int(try reader.u16(extra + 2))
            if id == 0x0001 {
                var field = extra + 4
                if uncompressed == 0xffff_ffff {
                    uncompressed = try reader.int64(field)
                    field += 8
                }
                if compressed == 0xffff_ffff {
                    compressed = try reader.int64(field)
                    field += 8
                }
                if localOffset == 0xffff_ffff {
                    localOffset = try reader.int64(field)
                }
            }
            extra += 4 + length
        }
        offset = extraEnd + commentLength
        guard offset <= reader.data.count else {
            throw ArchiveError.malformed(archive: archive, reason: "central directory runs past the end of the file")
        }
        guard localOffset >= 0, localOffset < reader.data.count, compressed >= 0, uncompressed >= 0 else {
            throw ArchiveError.corruptEntry(archive: archive, entry: name, reason: "sizes or offset out of range")
        }
        let unixMode = (madeBy >> 8) == 3 ? external >> 16 : 0
        return ZipEntry(
            name: name, compressedSize: compressed, uncompressedSize: uncompressed, crc32: crc, method: method,
            flags: flags, localHeaderOffset: localOffset, unixMode: unixMode)
    }

    private static func validate(_ entry: ZipEntry, archive: String, limits: ArchiveLimits) throws {
        guard isSafeArchivePath(entry.name) else { throw ArchiveError.unsafePath(archive: archive, entry: entry.name) }
        if entry.isSymlink && !limits.allowLinks { throw ArchiveError.link(archive: archive, entry: entry.name) }
        if entry.uncompressedSize > limits.maxEntrySize {
            throw ArchiveError.entryTooLarge(archive: archive, entry: entry.name, limit: limits.maxEntrySize)
        }
        if limits.isBomb(uncompressed: entry.uncompressedSize, compressed: entry.compressedSize) {
            throw ArchiveError.suspiciousRatio(
                archive: archive, entry: entry.name, ratio: entry.uncompressedSize / max(entry.compressedSize, 1))
        }
    }
}

/// Bounds-checked little-endian reads; every out-of-range read is an `ArchiveError.malformed`.
struct ByteReader {
    let data: Data
    let archive: String

    private func check(_ offset: Int, _ count: Int) throws {
        guard offset >= 0, count >= 0, offset <= data.count - count else {
            throw ArchiveError.malformed(archive: archive, reason: "truncated (read past the end at offset \(offset))")
        }
    }

    func u16(_ offset: Int) throws -> UInt16 {
        try check(offset, 2)
        let base = data.startIndex + offset
        return UInt16(data[base]) | UInt16(data[base + 1]) << 8
    }

    func u32(_ offset: Int) throws -> UInt32 {
        try check(offset, 4)
        let base = data.startIndex + offset
        return UInt32(data[base]) | UInt32(data[base + 1]) << 8 | UInt32(data[base + 2]) << 16
            | UInt32(data[base + 3]) << 24
    }

    /// A 64-bit field as Int; values beyond Int.max are malformed.
    func int64(_ offset: Int) throws -> Int {
        let low = UInt64(try u32(offset))
        let high = UInt64(try u32(offset + 4))
        let value = high << 32 | low
        guard value <= UInt64(Int.max) else {
            throw ArchiveError.malformed(archive: archive, reason: "64-bit field out of range at offset \(offset)")
        }
        return Int(value)
    }

    func bytes(_ offset: Int, _ count: Int) throws -> Data {
        try check(offset, count)
        return data[(data.startIndex + offset)..<(data.startIndex + offset + count)]
    }
}
