import CZlib
import Foundation

/// zlib, wrapped: CRC-32, one-shot compression (tests build archives with it), and a resumable inflater that the
/// archive readers drive with bounded output.
package enum Zlib {
    /// The container around deflate data.
    package enum Format: Sendable {
        /// Bare deflate (zip entries).
        case raw
        /// zlib header and Adler-32.
        case zlib
        /// gzip header and CRC-32 (.gz, .tar.gz).
        case gzip

        var windowBits: Int32 {
            switch self {
            case .raw: -15
            case .zlib: 15
            case .gzip: 31
            }
        }
    }

    /// CRC-32 (the zip and gzip checksum) of `data`, continuing from `previous`.
    package static func crc32(_ data: Data, previous: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { crc32(UnsafeRawBufferPointer($0), previous: previous) }
    }

    package static func crc32(_ bytes: UnsafeRawBufferPointer, previous: UInt32 = 0) -> UInt32 {
        var crc = UInt(previous)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(
                crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Compresses `data` in one go.
    package static func deflate(_ data: Data, format: Format = .raw, level: Int32 = 6) -> Data {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard alterks_deflateInit2(stream, level, format.windowBits) == Z_OK else { return Data() }
        var output = Data(count: Int(deflateBound(stream, uLong(data.count))) + 64)
        var input = data
        let produced = input.withUnsafeMutableBytes { (inRaw: UnsafeMutableRawBufferPointer) -> Int in
            output.withUnsafeMutableBytes { (outRaw: UnsafeMutableRawBufferPointer) -> Int in
                stream.pointee.next_in = inRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(inRaw.count)
                stream.pointee.next_out = outRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(outRaw.count)
                _ = CZlib.deflate(stream, Z_FINISH)
                return Int(stream.pointee.total_out)
            }
        }
        return output.prefix(produced)
    }
}

/// A resumable inflater. Keeps its `z_stream` at a fixed address (zlib stores a back-pointer to it).
final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    let format: Zlib.Format

    init?(format: Zlib.Format) {
        self.format = format
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard alterks_inflateInit2(stream, format.windowBits) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The result of one `inflate` step.
    struct Step {
        var consumed: Int
        var produced: Int
        var ended: Bool
        /// zlib's complaint, if the data is bad.
        var error: String?
    }

    /// Inflates from `input` into `output` as far as either allows.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Step {
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let rc = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch rc {
        case Z_OK: return Step(consumed: consumed, produced: produced, ended: false)
        case Z_STREAM_END: return Step(consumed: consumed, produced: produced, ended: true)
        case Z_BUF_ERROR: return Step(consumed: consumed, produced: produced, ended: false)
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            return Step(consumed: consumed, produced: produced, ended: false, error: message)
        }
    }

    /// Starts over for a following gzip member.
    func reset() {
        inflateReset(stream)
    }
}
