import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One member of a tar archive.
package struct TarEntry: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case file
        case directory
        /// Only returned when `ArchiveLimits.allowLinks` is set.
        case symlink(target: String)
        /// Only returned when `ArchiveLimits.allowLinks` is set.
        case hardlink(target: String)
    }

    /// The full name, after pax `path` and GNU long-name records and the ustar prefix are applied.
    package var name: String
    package var kind: Kind
    /// Permission bits.
    package var mode: UInt32
    /// The file's bytes (empty for anything but `.file`).
    package var data: Data
}

/// Reads a tar archive — ustar, pax (`path`, `linkpath`, `size`) and GNU long names — plain or gzip-compressed
/// (detected from the magic bytes; concatenated gzip members too), as a stream of entries: `next()` until nil.
/// Input is read and decompressed in 64 KiB pieces, so memory stays at one entry. `ArchiveLimits` are enforced
/// on the way: entry count, per-entry size (before reading it), total uncompressed size, compression ratio, unsafe
/// paths, links, device files. Every violation or malformation is an `ArchiveError` naming the entry.
package final class TarReader {
    /// The name used in errors.
    package let name: String
    private let limits: ArchiveLimits
    private let source: ByteSource
    private var entryCount = 0
    private var finished = false

    /// Opens the (optionally gzipped) tar file at `path`.
    package convenience init(path: String, limits: ArchiveLimits = .standard) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ArchiveError.unreadable(archive: path, reason: systemErrorMessage(errno)) }
        try self.init(source: FileSource(fd: fd, archive: path), name: path, limits: limits)
    }

    /// Reads an (optionally gzipped) tar held in memory; `name` appears in errors.
    package convenience init(data: Data, name: String, limits: ArchiveLimits = .standard) throws {
        try self.init(source: MemorySource(data: data), name: name, limits: limits)
    }

    private init(source raw: any RawSource, name: String, limits: ArchiveLimits) throws {
        self.name = name
        self.limits = limits
        self.source = try ByteSource(raw: raw, archive: name, limits: limits)
    }

    /// The next entry, or nil at the end of the archive.
    package func next() throws -> TarEntry? {
        if finished { return nil }
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            guard let header = try source.read(512, entry: "(header)", allowEOF: true) else {
                // EOF without the two zero blocks: accepted at a block boundary (many tools omit them).
                finished = true
                return nil
            }
            if header.allSatisfy({ $0 == 0 }) {
                finished = true
                return nil
            }
            let block = [UInt8](header)
            let rawName = Self.string(block, 0, 100)
            try verifyChecksum(block, entry: rawName)
            let type = block[156]
            let size = try Self.number(block, 124, 12, archive: name, entry: rawName)
            let isUstar = block[257..<262].elementsEqual(Array("ustar".utf8))
            let isGNU = block[257..<265].elementsEqual(Array("ustar  \0".utf8))
            var entryName = rawName
            if isUstar && !isGNU {
                let prefix = Self.string(block, 345, 155)
                if !prefix.isEmpty { entryName = prefix + "/" + rawName }
            }

            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                // Metadata for the next entry: bounded, it is held in memory.
                guard size <= 1 << 20 else {
                    throw ArchiveError.corruptEntry(archive: name, entry: rawName, reason: "oversized metadata record")
                }
                let payload = try readPadded(size, entry: rawName)
                switch type {
                case UInt8(ascii: "x"): pax.merge(try parsePax(payload, entry: rawName)) { $1 }
                case UInt8(ascii: "L"): longName = Self.cString(payload)
                case UInt8(ascii: "K"): longLink = Self.cString(payload)
                default: break  // global pax headers: nothing we use
                }
                continue
            default:
                break
            }

            entryCount += 1
            if entryCount > limits.maxEntries {
                throw ArchiveError.tooManyEntries(archive: name, limit: limits.maxEntries)
            }
            entryName = pax["path"] ?? longName ?? entryName
            let linkTarget = pax["linkpath"] ?? longLink ?? Self.string(block, 157, 100)
            var entrySize = size
            if let paxSize = pax["size"] {
                guard let parsed = Int(paxSize), parsed >= 0 else {
                    throw ArchiveError.corruptEntry(archive: name, entry: entryName, reason: "bad pax size")
                }
                entrySize = parsed
            }
            let mode = UInt32(
                truncatingIfNeeded: (try? Self.number(block, 100, 8, archive: name, entry: entryName)) ?? 0)
            guard isSafeArchivePath(entryName) else { throw ArchiveError.unsafePath(archive: name, entry: entryName) }

            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                if entryName.hasSuffix("/") && entrySize == 0 {
                    return TarEntry(name: entryName, kind: .directory, mode: mode, data: Data())
                }
                if entrySize > limits.maxEntrySize {
                    throw ArchiveError.entryTooLarge(archive: name, entry: entryName, limit: limits.maxEntrySize)
                }
                let data = try readPadded(entrySize, entry: entryName)
                try checkTotals(entry: entryName)
                return TarEntry(name: entryName, kind: .file, mode: mode, data: data)
            case UInt8(ascii: "5"):
                _ = try readPadded(entrySize, entry: entryName)
                return TarEntry(name: entryName, kind: .directory, mode: mode, data: Data())
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                guard limits.allowLinks else { throw ArchiveError.link(archive: name, entry: entryName) }
                _ = try readPadded(entrySize, entry: entryName)
                let kind: TarEntry.Kind =
                    type == UInt8(ascii: "2") ? .symlink(target: linkTarget) : .hardlink(target: linkTarget)
                return TarEntry(name: entryName, kind: kind, mode: mode, data: Data())
            default:
                let description: String
                switch type {
                case UInt8(ascii: "3"): description = "character device"
                case UInt8(ascii: "4"): description = "block device"
                case UInt8(ascii: "6"): description = "FIFO"
                default: description = "entry type \(Character(Unicode.Scalar(type)).debugDescription)"
                }
                throw ArchiveError.unsupported(archive: name, entry: entryName, reason: "\(description) refused")
            }
        }
    }

    /// Every remaining entry (convenient for small archives; bounded by the limits).
    package func readAll() throws -> [TarEntry] {
        var entries: [TarEntry] = []
        while let entry = try next() { entries.append(entry) }
        return entries
    }

    // MARK: - Pieces

    private func readPadded(_ size: Int, entry: String) throws -> Data {
        guard size >= 0, size <= limits.maxTotalSize else {
            throw ArchiveError.entryTooLarge(archive: name, entry: entry, limit: limits.maxTotalSize)
        }
        let data = try source.read(size, entry: entry, allowEOF: false) ?? Data()
        let padding = (512 - size % 512) % 512
        if padding > 0 { _ = try source.read(padding, entry: entry, allowEOF: false) }
        try checkTotals(entry: entry)
        return data
    }

    private func checkTotals(entry: String) throws {
        if source.produced > limits.maxTotalSize + 1 << 20 {
            throw ArchiveError.totalTooLarge(archive: name, limit: limits.maxTotalSize)
        }
        if source.isCompressed && limits.isBomb(uncompressed: source.produced, compressed: source.consumed) {
            throw ArchiveError.suspiciousRatio(
                archive: name, entry: entry, ratio: source.produced / max(source.consumed, 1))
        }
    }

    private func verifyChecksum(_ block: [UInt8], entry: String) throws {
        let stored = try Self.number(block, 148, 8, archive: name, entry: entry)
        var unsigned = 0
        var signed = 0
        for (i, byte) in block.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw ArchiveError.corruptEntry(archive: name, entry: entry, reason: "header checksum mismatch")
        }
    }

    private func parsePax(_ payload: Data, entry: String) throws -> [String: String] {
        var records: [String: String] = [:]
        let bytes = [UInt8](payload)
        var position = 0
        while position < bytes.count {
            guard let space = bytes[position...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: bytes[position..<space], as: UTF8.self)),
                length > space - position, position + length <= bytes.count
            else {
                throw ArchiveError.corruptEntry(archive: name, entry: entry, reason: "malformed pax record")
            }
            let record = bytes[(space + 1)..<(position + length - 1)]  // without the trailing newline
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                let value = String(decoding: record[(equals + 1)...], as: UTF8.self)
                records[key] = value
            }
            position += length
        }
        return records
    }

    private static func string(_ block: [UInt8], _ offset: Int, _ length: Int) -> String {
        let field = block[offset..<(offset + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[offset..<end], as: UTF8.self)
    }

    private static func cString(_ data: Data) -> String {
        let end = data.firstIndex(of: 0) ?? data.endIndex
        return String(decoding: data[data.startIndex..<end], as: UTF8.self)
    }

    /// An octal field (NUL/space padded), or base-256 when the high bit of the first byte is set.
    private static func number(_ block: [UInt8], _ offset: Int, _ length: Int, archive: String, entry: String) throws
        -> Int
    {
        let field = block[offset..<(offset + length)]
        if field.first! & 0x80 != 0 {
            var value = Int(field.first! & 0x7f)
            for byte in field.dropFirst() {
                guard value <= (Int.max >> 8) else {
                    throw ArchiveError.corruptEntry(archive: archive, entry: entry, reason: "numeric field overflows")
                }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let text = String(decoding: field, as: UTF8.self)
            .trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        if text.isEmpty { return 0 }
        guard let value = Int(text, radix: 8), value >= 0 else {
            throw ArchiveError.corruptEntry(
                archive: archive, entry: entry, reason: "bad numeric field \(text.debugDescription)")
        }
        return value
    }
}

/// Where compressed or plain bytes come from.
private protocol RawSource: AnyObject {
    /// Up to `count` bytes; empty at EOF.
    func read(upTo count: Int) throws -> Data
}

private final class FileSource: RawSource {
    let fd: Int32
    let archive: String
    init(fd: Int32, archive: String) {
        self.fd = fd
        self.archive = archive
    }
    deinit { close(fd) }
    func read(upTo count: Int) throws -> Data {
        var buffer = Data(count: count)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw ArchiveError.unreadable(archive: archive, reason: systemErrorMessage(errno)) }
            return buffer.prefix(n)
        }
    }
}

private final class MemorySource: RawSource {
    let data: Data
    var offset = 0
    init(data: Data) { self.data = data }
    func read(upTo count: Int) throws -> Data {
        let n = min(count, data.count - offset)
        defer { offset += n }
        return data[(data.startIndex + offset)..<(data.startIndex + offset + n)]
    }
}

/// Decompressed (or passed-through) bytes, with counters for the ratio check.
private final class ByteSource {
    let raw: any RawSource
    let archive: String
    let limits: ArchiveLimits
    let inflater: InflateStream?
    private var input = Data()
    private var inputOffset = 0
    private var output = Data()
    private var outputOffset = 0
    private var inputEOF = false
    private var streamEnded = false
    /// Compressed bytes read so far.
    private(set) var consumed = 0
    /// Uncompressed bytes handed out so far.
    private(set) var produced = 0
    var isCompressed: Bool { inflater != nil }

    /// Uncompressed bytes inflated so far (checked against the limits as they appear, not after an entry).
    private var inflated = 0

    init(raw: any RawSource, archive: String, limits: ArchiveLimits) throws {
        self.raw = raw
        self.archive = archive
        self.limits = limits
        input = try raw.read(upTo: 1 << 16)
        consumed = input.count
        if input.count >= 2 && input[input.startIndex] == 0x1f && input[input.startIndex + 1] == 0x8b {
            guard let stream = InflateStream(format: .gzip) else {
                throw ArchiveError.malformed(archive: archive, reason: "zlib would not start")
            }
            inflater = stream
        } else {
            inflater = nil
        }
    }

    private var bufferedInput: Int { input.count - inputOffset }

    private func refillInput() throws {
        if bufferedInput > 0 || inputEOF { return }
        input = try raw.read(upTo: 1 << 16)
        inputOffset = 0
        consumed += input.count
        if input.isEmpty { inputEOF = true }
    }

    /// Produces more output; false at the end of the data.
    private func produce(entry: String) throws -> Bool {
        guard let inflater else {
            try refillInput()
            if bufferedInput == 0 { return false }
            output = Data(input[(input.startIndex + inputOffset)...])
            outputOffset = 0
            inputOffset = input.count
            return true
        }
        while true {
            if streamEnded {
                // Another gzip member may follow; anything else after the end is ignored.
                try refillInput()
                guard bufferedInput >= 2, input[input.startIndex + inputOffset] == 0x1f,
                    input[input.startIndex + inputOffset + 1] == 0x8b
                else { return false }
                inflater.reset()
                streamEnded = false
            }
            try refillInput()
            if bufferedInput == 0 {
                throw ArchiveError.malformed(archive: archive, reason: "gzip data is truncated")
            }
            var chunk = Data(count: 1 << 16)
            let step = input.withUnsafeBytes { (inRaw: UnsafeRawBufferPointer) in
                chunk.withUnsafeMutableBytes { (outRaw: UnsafeMutableRawBufferPointer) in
                    inflater.inflate(UnsafeRawBufferPointer(rebasing: inRaw[inputOffset...]), into: outRaw)
                }
            }
            inputOffset += step.consumed
            if let error = step.error {
                throw ArchiveError.malformed(archive: archive, reason: "bad gzip data: \(error)")
            }
            streamEnded = step.ended
            if step.produced > 0 {
                inflated += step.produced
                if inflated > limits.maxTotalSize + (1 << 20) {
                    throw ArchiveError.totalTooLarge(archive: archive, limit: limits.maxTotalSize)
                }
                if limits.isBomb(uncompressed: inflated, compressed: consumed) {
                    throw ArchiveError.suspiciousRatio(
                        archive: archive, entry: entry, ratio: inflated / max(consumed, 1))
                }
                output = chunk.prefix(step.produced)
                outputOffset = 0
                return true
            }
            if !step.ended && step.consumed == 0 {
                throw ArchiveError.malformed(archive: archive, reason: "gzip data makes no progress")
            }
        }
    }

    /// Exactly `count` bytes; nil at a clean EOF before the first byte when `allowEOF`.
    func read(_ count: Int, entry: String, allowEOF: Bool) throws -> Data? {
        var result = Data()
        result.reserveCapacity(min(count, 1 << 24))
        while result.count < count {
            if outputOffset >= output.count {
                if try !produce(entry: entry) {
                    if allowEOF && result.isEmpty { return nil }
                    throw ArchiveError.corruptEntry(archive: archive, entry: entry, reason: "archive ends mid-entry")
                }
                continue
            }
            let take = min(count - result.count, output.count - outputOffset)
            result.append(output[(output.startIndex + outputOffset)..<(output.startIndex + outputOffset + take)])
            outputOffset += take
            produced += take
        }
        return result
    }
}
