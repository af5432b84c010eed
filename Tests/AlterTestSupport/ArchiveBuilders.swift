import AlterKit
import Foundation

/// Builds zip files in memory for tests: wheels (`.add("pkg/__init__.py", text: "")`,
/// `.add("pkg-1.0.dist-info/METADATA", text: …)`) and deliberately broken archives (overrides for CRC, declared size,
/// Unix mode).
///
///     var zip = ZipBuilder()
///     zip.add("demo/__init__.py", text: "print('hi')\n")
///     zip.add("demo-1.0.dist-info/METADATA", text: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
///     try zip.build().write(to: wheelURL)
public struct ZipBuilder {
    public enum Method: Sendable { case stored, deflate }

    public struct Entry: Sendable {
        public var name: String
        public var data: Data
        public var method: Method
        /// Unix mode stored in the external attributes (0o120777 makes a symlink).
        public var unixMode: UInt32?
        /// Lie about the CRC-32.
        public var crcOverride: UInt32?
        /// Lie about the uncompressed size.
        public var declaredSizeOverride: Int?
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public mutating func add(
        _ name: String, _ data: Data, method: Method = .deflate, unixMode: UInt32? = nil, crcOverride: UInt32? = nil,
        declaredSizeOverride: Int? = nil
    ) {
        entries.append(
            Entry(
                name: name, data: data, method: method, unixMode: unixMode, crcOverride: crcOverride,
                declaredSizeOverride: declaredSizeOverride))
    }

    public mutating func add(_ name: String, text: String, method: Method = .deflate) {
        add(name, Data(text.utf8), method: method)
    }

    /// The zip's bytes.
    public func build() -> Data {
        var out = Data()
        var central = Data()
        for entry in entries {
            let nameBytes = Data(entry.name.utf8)
            let payload = entry.method == .deflate ? Zlib.deflate(entry.data) : entry.data
            let crc = entry.crcOverride ?? Zlib.crc32(entry.data)
            let size = UInt32(entry.declaredSizeOverride ?? entry.data.count)
            let method: UInt16 = entry.method == .deflate ? 8 : 0
            let offset = UInt32(out.count)
            out.appendLE(UInt32(0x0403_4b50))
            out.appendLE(UInt16(20))
            out.appendLE(UInt16(0x0800))
            out.appendLE(method)
            out.appendLE(UInt32(0))  // time, date
            out.appendLE(crc)
            out.appendLE(UInt32(payload.count))
            out.appendLE(size)
            out.appendLE(UInt16(nameBytes.count))
            out.appendLE(UInt16(0))
            out.append(nameBytes)
            out.append(payload)

            central.appendLE(UInt32(0x0201_4b50))
            central.appendLE(UInt16(entry.unixMode == nil ? 20 : 0x0314))  // made by: Unix when a mode is given
            central.appendLE(UInt16(20))
            central.appendLE(UInt16(0x0800))
            central.appendLE(method)
            central.appendLE(UInt32(0))
            central.appendLE(crc)
            central.appendLE(UInt32(payload.count))
            central.appendLE(size)
            central.appendLE(UInt16(nameBytes.count))
            central.appendLE(UInt16(0))  // extra
            central.appendLE(UInt16(0))  // comment
            central.appendLE(UInt16(0))  // disk
            central.appendLE(UInt16(0))  // internal attributes
            central.appendLE((entry.unixMode ?? 0) << 16)
            central.appendLE(offset)
            central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.appendLE(UInt32(0x0605_4b50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(entries.count))
        out.appendLE(UInt16(entries.count))
        out.appendLE(UInt32(central.count))
        out.appendLE(centralOffset)
        out.appendLE(UInt16(0))
        return out
    }
}

/// Builds tar archives (optionally gzipped) in memory for tests: sdists, and hostile archives (links, traversal,
/// devices, pax and GNU long names).
public struct TarBuilder {
    private var blocks = Data()

    public init() {}

    /// A regular file. Names longer than 100 bytes get a pax `path` record.
    public mutating func addFile(_ name: String, _ data: Data, mode: UInt32 = 0o644) {
        if name.utf8.count > 100 { addPax(["path": name]) }
        appendHeader(name: String(name.prefix(100)), type: "0", size: data.count, mode: mode)
        appendPadded(data)
    }

    public mutating func addFile(_ name: String, text: String) { addFile(name, Data(text.utf8)) }

    public mutating func addDirectory(_ name: String) {
        appendHeader(name: name.hasSuffix("/") ? name : name + "/", type: "5", size: 0, mode: 0o755)
    }

    public mutating func addSymlink(_ name: String, target: String) {
        appendHeader(name: name, type: "2", size: 0, mode: 0o777, link: target)
    }

    public mutating func addHardlink(_ name: String, target: String) {
        appendHeader(name: name, type: "1", size: 0, mode: 0o644, link: target)
    }

    /// A raw entry of any type flag ("3" character device, "6" FIFO…).
    public mutating func addEntry(_ name: String, type: Character, data: Data = Data()) {
        appendHeader(name: name, type: type, size: data.count, mode: 0o644)
        appendPadded(data)
    }

    /// A file whose long name travels in a GNU `L` record.
    public mutating func addGNULongNameFile(_ name: String, _ data: Data) {
        var payload = Data(name.utf8)
        payload.append(0)
        appendHeader(name: "././@LongLink", type: "L", size: payload.count, mode: 0, gnu: true)
        appendPadded(payload)
        appendHeader(name: String(name.prefix(100)), type: "0", size: data.count, mode: 0o644, gnu: true)
        appendPadded(data)
    }

    /// A pax extended header applying to the next entry.
    public mutating func addPax(_ records: [String: String]) {
        var payload = Data()
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = " \(key)=\(value)\n"
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length += 1 }
            payload.append(Data("\(length)\(body)".utf8))
        }
        appendHeader(name: "PaxHeader", type: "x", size: payload.count, mode: 0o644)
        appendPadded(payload)
    }

    /// The archive: entries, two zero blocks, gzip-compressed unless `gzip` is false.
    public func build(gzip: Bool = true) -> Data {
        var tar = blocks
        tar.append(Data(count: 1024))
        return gzip ? Zlib.deflate(tar, format: .gzip) : tar
    }

    private mutating func appendPadded(_ data: Data) {
        blocks.append(data)
        let padding = (512 - data.count % 512) % 512
        blocks.append(Data(count: padding))
    }

    private mutating func appendHeader(
        name: String, type: Character, size: Int, mode: UInt32, link: String = "", gnu: Bool = false
    ) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int, _ length: Int) {
            for (i, byte) in text.utf8.prefix(length).enumerated() { header[offset + i] = byte }
        }
        func octal(_ value: Int, _ offset: Int, _ length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, offset, length - 1)
        }
        put(name, 0, 100)
        octal(Int(mode), 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(0, 136, 12)
        header[156] = type.asciiValue!
        put(link, 157, 100)
        put(gnu ? "ustar  " : "ustar", 257, gnu ? 8 : 6)
        if !gnu { put("00", 263, 2) }
        for i in 148..<156 { header[i] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        let digits = String(sum, radix: 8)
        put(String(repeating: "0", count: 6 - digits.count) + digits, 148, 6)
        header[154] = 0
        header[155] = 0x20
        blocks.append(contentsOf: header)
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
