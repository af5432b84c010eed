import CZlib

/// Decoders the analyzer applies to constants it can see, so that `exec(b64decode('…'))` is read as the code it
/// runs. Pure functions with bounded output; they never execute anything.
package enum StaticDecoders {
    /// Largest decoded payload kept.
    package static let maxOutput = 8 << 20

    /// Standard or URL-safe base64; padding optional, whitespace ignored. Nil when the text is not base64.
    package static func base64(_ text: some Sequence<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for c in text {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case 0x2B, 0x2D: v = 62  // + -
            case 0x2F, 0x5F: v = 63  // / _
            case 0x3D:
                sawPadding = true
                continue
            case 0x20, 0x0A, 0x0D, 0x09: continue
            default: return nil
            }
            if sawPadding { return nil }
            buffer = (buffer << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
                if out.count > maxOutput { return nil }
            }
        }
        return out
    }

    /// Hexadecimal (whitespace ignored, as `bytes.fromhex` does). Nil when not hex or of odd length.
    package static func hex(_ text: some Sequence<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8?
        for c in text {
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { continue }
            guard let v = hexValue(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
                if out.count > maxOutput { return nil }
            } else {
                high = v
            }
        }
        return high == nil ? out : nil
    }

    /// ROT13 of ASCII letters.
    package static func rot13(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { s -> Unicode.Scalar in
                    switch s.value {
                    case 0x41...0x5A: Unicode.Scalar((s.value - 0x41 + 13) % 26 + 0x41)!
                    case 0x61...0x7A: Unicode.Scalar((s.value - 0x61 + 13) % 26 + 0x61)!
                    default: s
                    }
                }))
    }

    /// zlib, gzip or raw deflate data inflated, at most `maxOutput` bytes. Nil when it is not valid.
    package static func inflate(_ input: [UInt8], raw: Bool = false) -> [UInt8]? {
        guard !input.isEmpty else { return nil }
        // zlib keeps a pointer back to its stream: the stream must not move between calls.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // 15 + 32: zlib or gzip header, detected; -15: raw deflate.
        guard alterks_inflateInit2(stream, raw ? -15 : 15 + 32) == Z_OK else { return nil }
        defer { inflateEnd(stream) }
        var out: [UInt8] = []
        var status: Int32 = Z_OK
        let chunkSize = 64 << 10
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        input.withUnsafeBufferPointer { src in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
            stream.pointee.avail_in = uInt(src.count)
            while status == Z_OK {
                stream.pointee.next_out = chunk
                stream.pointee.avail_out = uInt(chunkSize)
                status = CZlib.inflate(stream, Z_NO_FLUSH)
                out.append(
                    contentsOf: UnsafeBufferPointer(start: chunk, count: chunkSize - Int(stream.pointee.avail_out)))
                if out.count > maxOutput { status = Z_MEM_ERROR }
                if status == Z_BUF_ERROR && stream.pointee.avail_in == 0 { break }
            }
        }
        return status == Z_STREAM_END ? out : nil
    }

    /// A compression format recognised by its magic bytes, or nil.
    package static func compressionFormat(_ bytes: [UInt8]) -> String? {
        if bytes.count >= 2 && bytes[0] == 0x78 && [0x01, 0x5E, 0x9C, 0xDA].contains(bytes[1]) { return "zlib" }
        if bytes.starts(with: [0x1F, 0x8B]) { return "gzip" }
        if bytes.starts(with: Array("BZh".utf8)) { return "bz2" }
        if bytes.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return "xz" }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "zip" }
        return nil
    }

    /// Whether decoded bytes read as Python source: valid UTF-8, mostly printable, with Python statement shapes.
    package static func looksLikePython(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8, let text = String(validating: bytes.prefix(4096), as: UTF8.self) else {
            return false
        }
        let printable = text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard printable.count * 10 >= text.unicodeScalars.count * 9 else { return false }
        let markers = [
            "import ", "exec(", "eval(", "def ", "subprocess", "os.system", "__import__", "socket", "print(",
        ]
        return markers.contains { text.contains($0) }
    }

    /// Whether a string literal has the shape of an encoded blob: at least `minimum` characters of base64 or hex
    /// with no spaces, in long lines as encoders write them (one line, or lines of 40 characters and more; a list
    /// of short words one per line is not a blob). Returns the encoding's name.
    package static func blobEncoding(_ text: String, minimum: Int) -> String? {
        let utf8 = text.utf8
        guard utf8.count >= minimum else { return nil }
        var isHex = true
        var upper = false
        var lower = false
        var digit = false
        var count = 0
        var lineLength = 0
        var longestLine = 0
        var shortLines = 0
        var lines = 0
        func endLine() {
            if lineLength > 0 {
                lines += 1
                longestLine = max(longestLine, lineLength)
                if lineLength < 40 { shortLines += 1 }
            }
            lineLength = 0
        }
        for c in utf8 {
            switch c {
            case 0x0A, 0x0D:
                endLine()
                continue
            case 0x30...0x39: digit = true
            case 0x41...0x5A:
                upper = true
                if c > 0x46 { isHex = false }
            case 0x61...0x7A:
                lower = true
                if c > 0x66 { isHex = false }
            case 0x2B, 0x2F, 0x3D, 0x2D, 0x5F: isHex = false
            default: return nil
            }
            count += 1
            lineLength += 1
        }
        endLine()
        // Only the last line of an encoder's output may be short.
        guard count >= minimum, longestLine >= 60, shortLines <= 1 else { return nil }
        if isHex && digit { return "hex" }
        return upper && lower && digit ? "base64" : nil
    }
}
