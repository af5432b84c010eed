import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Appends monitor reports to a JSON Lines file: each line written with one `write` under an exclusive
/// `flock`, then fsynced. The file is created 0600; its directory's permissions are never touched.
package enum JSONLinesFile {
    /// Appends `line` (without its newline) unless the file already ends with exactly that line — a report
    /// re-delivered after a crash between the write and the outbox update is not written twice.
    package static func append(_ line: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MonitorError.output(path: path, message: systemErrorMessage(errno)) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw MonitorError.output(path: path, message: systemErrorMessage(errno)) }
        defer { flock(fd, LOCK_UN) }
        var record = line
        record.append(0x0A)
        if try endsWith(record, path: path) { return }
        // A full disk can take part of the line: cut it off again, or every later line would follow a fragment.
        let sizeBefore = lseek(fd, 0, SEEK_END)
        let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == record.count else {
            let message = written < 0 ? systemErrorMessage(errno) : "short write (\(written) of \(record.count) bytes)"
            if sizeBefore >= 0 { _ = ftruncate(fd, sizeBefore) }
            throw MonitorError.output(path: path, message: message)
        }
        guard fsync(fd) == 0 else { throw MonitorError.output(path: path, message: systemErrorMessage(errno)) }
    }

    private static func endsWith(_ record: Data, path: String) throws -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= record.count else { return false }
        var tail = [UInt8](repeating: 0, count: record.count)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, record.count, size - off_t(record.count)) }
        return n == record.count && Data(tail) == record
    }
}

/// Failures of the monitor's own outputs and setup.
package enum MonitorError: AlterKSError, Equatable {
    case output(path: String, message: String)
    case webhook(url: String, message: String)
    case noTargets

    package var exitStatus: ExitStatus {
        switch self {
        case .noTargets: .usage
        case .output, .webhook: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .output(let path, let message): "cannot write monitor report to \(path): \(message)"
        case .webhook(let url, let message): "webhook \(url): \(message)"
        case .noTargets: "nothing to monitor: give --python PATH or -r FILE (or run inside a virtualenv)"
        }
    }
}
