import AlterKit
import Foundation

/// Writes tiny distributions straight into a folder that pip reads with `--no-index --find-links DIR`: wheels (a zip
/// holding the module and `NAME-VER.dist-info/{METADATA,WHEEL,RECORD}`) and sdists (a `.tar.gz` with `PKG-INFO`).
/// Nothing is built; nothing runs.
public struct WheelBuilder: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes `NAME-VERSION-py3-none-any.whl` and returns its URL. `requires` become `Requires-Dist` lines;
    /// `extraFiles` are added as given (path in the archive → contents), e.g. a `.pth` file.
    @discardableResult
    public func wheel(
        name: String, version: String, requires: [String] = [], extraFiles: [String: String] = [:]
    ) throws -> URL {
        let module = name.replacingOccurrences(of: "-", with: "_").lowercased()
        let distInfo = "\(name.replacingOccurrences(of: "-", with: "_"))-\(version).dist-info"
        var files: [(String, Data)] = [
            ("\(module)/__init__.py", Data("__version__ = \"\(version)\"\n".utf8)),
            (
                "\(distInfo)/METADATA",
                Data(
                    (["Metadata-Version: 2.1", "Name: \(name)", "Version: \(version)", "Summary: test package \(name)"]
                        + requires.map { "Requires-Dist: \($0)" }).joined(separator: "\n").appending("\n").utf8)
            ),
            (
                "\(distInfo)/WHEEL",
                Data("Wheel-Version: 1.0\nGenerator: alterks-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".utf8)
            ),
        ]
        for (path, contents) in extraFiles.sorted(by: { $0.key < $1.key }) { files.append((path, Data(contents.utf8))) }
        var record = files.map { path, data in
            "\(path),sha256=\(Self.urlsafeBase64(SHA256.hash(data))),\(data.count)"
        }
        record.append("\(distInfo)/RECORD,,")
        files.append(("\(distInfo)/RECORD", Data((record.joined(separator: "\n") + "\n").utf8)))
        let url = directory.appendingPathComponent(
            "\(name.replacingOccurrences(of: "-", with: "_"))-\(version)-py3-none-any.whl")
        try ZipWriter.archive(files).write(to: url)
        return url
    }

    /// Writes `NAME-VERSION.tar.gz` (PKG-INFO and a setup.py that must never run) and returns its URL.
    @discardableResult
    public func sdist(name: String, version: String) throws -> URL {
        let root = "\(name)-\(version)"
        let files: [(String, Data)] = [
            ("\(root)/PKG-INFO", Data("Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n".utf8)),
            ("\(root)/setup.py", Data("raise SystemExit('this setup.py must never run')\n".utf8)),
        ]
        let url = directory.appendingPathComponent("\(root).tar.gz")
        try Gzip.stored(TarWriter.archive(files)).write(to: url)
        return url
    }

    /// The file's sha256, lowercase hex.
    public static func sha256(of url: URL) throws -> String {
        hexString(try SHA256.hash(fileAt: url.path))
    }

    static func urlsafeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// CRC-32 (IEEE), for zip and gzip.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Data {
    mutating func appendLE(_ value: UInt16) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func appendLE(_ value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
}

/// A zip archive with stored (uncompressed) entries.
enum ZipWriter {
    static func archive(_ files: [(String, Data)]) -> Data {
        var out = Data()
        var central = Data()
        for (name, contents) in files {
            let offset = UInt32(out.count)
            let crc = CRC32.checksum(contents)
            let nameBytes = Data(name.utf8)
            out.appendLE(UInt32(0x0403_4B50))
            out.appendLE(UInt16(20))
            out.appendLE(UInt16(0))
            out.appendLE(UInt16(0))  // stored
            out.appendLE(UInt16(0))  // time
            out.appendLE(UInt16(0x21))  // date: 1980-01-01
            out.appendLE(crc)
            out.appendLE(UInt32(contents.count))
            out.appendLE(UInt32(contents.count))
            out.appendLE(UInt16(nameBytes.count))
            out.appendLE(UInt16(0))
            out.append(nameBytes)
            out.append(contents)

            central.appendLE(UInt32(0x0201_4B50))
            central.appendLE(UInt16(0x0314))  // made by: unix, 2.0
            central.appendLE(UInt16(20))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0x21))
            central.appendLE(crc)
            central.appendLE(UInt32(contents.count))
            central.appendLE(UInt32(contents.count))
            central.appendLE(UInt16(nameBytes.count))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt32(0o100644) << 16)
            central.appendLE(offset)
            central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.appendLE(UInt32(0x0605_4B50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(files.count))
        out.appendLE(UInt16(files.count))
        out.appendLE(UInt32(central.count))
        out.appendLE(centralOffset)
        out.appendLE(UInt16(0))
        return out
    }
}

/// A ustar archive of regular files.
enum TarWriter {
    static func archive(_ files: [(String, Data)]) -> Data {
        var out = Data()
        for (name, contents) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) {
                for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
            }
            func octal(_ value: Int, width: Int) -> String {
                let digits = String(value, radix: 8)
                return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            }
            put(name, at: 0)
            put(octal(0o644, width: 8), at: 100)
            put(octal(0, width: 8), at: 108)
            put(octal(0, width: 8), at: 116)
            put(octal(contents.count, width: 12), at: 124)
            put(octal(0, width: 12), at: 136)
            put("        ", at: 148)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257)
            put("00", at: 263)
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, width: 7), at: 148)
            header[154] = 0
            header[155] = UInt8(ascii: " ")
            out.append(contentsOf: header)
            out.append(contents)
            let padding = (512 - contents.count % 512) % 512
            out.append(contentsOf: [UInt8](repeating: 0, count: padding))
        }
        out.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return out
    }
}

/// gzip with stored deflate blocks (valid, uncompressed).
enum Gzip {
    static func stored(_ data: Data) -> Data {
        var out = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let final = offset + length >= data.count
            out.append(final ? 0x01 : 0x00)
            out.appendLE(UInt16(length))
            out.appendLE(~UInt16(length))
            out.append(data.subdata(in: offset..<offset + length))
            offset += length
        } while offset < data.count
        out.appendLE(CRC32.checksum(data))
        out.appendLE(UInt32(truncatingIfNeeded: data.count))
        return out
    }
}
