import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Writes that hit a full device, and targets that are not files.
@Suite struct FileIOFaultTests {
    static func isCharacterDevice(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR
    }

    /// `/dev/full` answers every write with ENOSPC: the error names the path and the reason, and the device is
    /// still a device afterwards (a rename over it would have replaced it with a file).
    @Test func fullDeviceIsAClearWriteError() throws {
        #expect(Self.isCharacterDevice("/dev/full"))
        do {
            try FileIO.writeAtomically(Data("report\n".utf8), to: "/dev/full")
            Issue.record("a write to /dev/full succeeded")
        } catch let error as FileIOError {
            #expect(error == .cannotWrite(path: "/dev/full", reason: systemErrorMessage(ENOSPC)))
            #expect(error.description == "cannot write /dev/full: No space left on device")
            #expect(error.exitStatus == .sourceFailure)
        }
        #expect(Self.isCharacterDevice("/dev/full"), "/dev/full was replaced")
    }

    /// `-o /dev/null` (or `/dev/stdout`) writes through the device instead of renaming a file over it.
    @Test func deviceTargetIsWrittenInPlace() throws {
        try FileIO.writeAtomically(Data("report\n".utf8), to: "/dev/null")
        #expect(Self.isCharacterDevice("/dev/null"), "/dev/null was replaced")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/dev").filter { $0.hasPrefix(".null.tmp") }
        #expect(leftovers.isEmpty)
    }

    /// A FIFO target receives the bytes; no temporary file appears next to it. The reading end is opened first,
    /// non-blocking, so the writer's open returns at once (no thread waits on the other).
    @Test func fifoTargetIsWrittenInPlace() throws {
        let dir = try TestPaths.temporaryDirectory("alterks-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("report.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }

        try FileIO.writeAtomically(Data("through the pipe\n".utf8), to: fifo)

        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "through the pipe\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.fifo"])
    }
}
