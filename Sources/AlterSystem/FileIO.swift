import AlterCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Failures reading or writing files and directories. Each names the path and the system's reason.
package enum FileIOError: AlterKSError, Equatable {
    /// A directory could not be created (permission denied, read-only file system, a file in the way…).
    case cannotCreateDirectory(path: String, reason: String)
    /// A file could not be written or renamed into place.
    case cannotWrite(path: String, reason: String)
    /// A file could not be opened or read.
    case cannotRead(path: String, reason: String)
    /// A file is larger than the caller accepts.
    case tooLarge(path: String, limit: Int)
    /// Neither the XDG variable nor `HOME` says where a directory goes.
    case noHomeDirectory(variable: String)

    /// Reading an input file is the user's business (2); failing to write our own state means we could not do
    /// the job (3), never "clean".
    package var exitStatus: ExitStatus {
        switch self {
        case .cannotRead, .tooLarge: .usage
        case .cannotCreateDirectory, .cannotWrite, .noHomeDirectory: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): "cannot create directory \(path): \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .tooLarge(let path, let limit): "\(path): file larger than the limit of \(limit) bytes"
        case .noHomeDirectory(let variable): "neither \(variable) nor HOME is set to an absolute path"
        }
    }
}

/// The system's message for an errno value ("Permission denied", "Read-only file system"…).
package func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// File-system primitives with the project's rules: files 0600, directories 0700, writes atomic,
/// reads bounded, and never a chmod on a directory we did not create.
package enum FileIO {
    /// Creates `path` and any missing parents (`mkdir -p`), each new one with mode 0700.
    /// Directories that already exist are left exactly as they are.
    package static func ensurePrivateDirectory(_ path: String) throws {
        precondition(!path.isEmpty, "empty directory path")
        var isDirectory = stat()
        if stat(path, &isDirectory) == 0 {
            if (isDirectory.st_mode & S_IFMT) == S_IFDIR { return }
            throw FileIOError.cannotCreateDirectory(path: path, reason: "a file is in the way")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path {
            try ensurePrivateDirectory(parent)
        }
        if mkdir(path, 0o700) != 0 {
            let code = errno
            if code == EEXIST, stat(path, &isDirectory) == 0, (isDirectory.st_mode & S_IFMT) == S_IFDIR { return }
            throw FileIOError.cannotCreateDirectory(path: path, reason: systemErrorMessage(code))
        }
        // mkdir honours the umask; a umask can only remove bits, so 0700 stays 0700 or less. Set it exactly,
        // on the directory we just created.
        _ = chmod(path, 0o700)
    }

    /// Creates `path` like `ensurePrivateDirectory` and proves a file can be made in it (a read-only mount, a
    /// folder of another user): the error names the folder and the system's reason.
    package static func ensureWritableDirectory(_ path: String) throws {
        try ensurePrivateDirectory(path)
        var template = Array((path + "/.alterks-write-probe-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno)) }
        Glibc.close(fd)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    /// Writes `data` to `path` atomically: a temporary file in the same directory (mode `permissions`,
    /// default 0600), fsync, rename over the target, fsync of the directory. Readers see the old file or the
    /// new one, never a mix. The parent directory must exist (see `ensurePrivateDirectory`).
    ///
    /// A target that exists and is not a regular file (`/dev/stdout`, `/dev/null`, a FIFO) is written in place:
    /// renaming over it would replace the device or pipe with a file (as root, even `/dev/null`).
    package static func writeAtomically(_ data: Data, to path: String, permissions: mode_t = 0o600) throws {
        var existing = stat()
        if stat(path, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG, (existing.st_mode & S_IFMT) != S_IFDIR {
            try writeInPlace(data, to: path)
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let base = (path as NSString).lastPathComponent
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 {
            throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
        }
        // Close-on-exec at once (mkostemp is not exposed to Swift): a process spawned by another thread meanwhile
        // must not keep the half-written file open (an executable still open for writing cannot run: ETXTBSY).
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let tempPath = String(
            decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var committed = false
        defer {
            if !committed { unlink(tempPath) }
        }
        do {
            defer { close(fd) }
            if fchmod(fd, permissions) != 0 {
                throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
            }
            try writeAll(fd: fd, data: data, path: path)
            if fsync(fd) != 0 {
                throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
            }
        }
        if rename(tempPath, path) != 0 {
            throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
        }
        committed = true
        let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Writes `data` to an existing device or pipe, no temporary file, no rename.
    private static func writeInPlace(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
        }
        defer { close(fd) }
        try writeAll(fd: fd, data: data, path: path)
    }

    /// Reads the whole file at `path`, refusing one larger than `limit` bytes (checked before and while
    /// reading, so a growing file cannot slip past).
    package static func read(_ path: String, limit: Int) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw FileIOError.cannotRead(path: path, reason: systemErrorMessage(errno))
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            throw FileIOError.cannotRead(path: path, reason: systemErrorMessage(errno))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileIOError.cannotRead(path: path, reason: systemErrorMessage(EISDIR))
        }
        if info.st_size > limit {
            throw FileIOError.tooLarge(path: path, limit: limit)
        }
        var result = Data()
        result.reserveCapacity(Int(info.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError.cannotRead(path: path, reason: systemErrorMessage(errno))
            }
            if n == 0 { break }
            if result.count + n > limit {
                throw FileIOError.tooLarge(path: path, limit: limit)
            }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// Whether something (file, directory, link) exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func writeAll(fd: Int32, data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileIOError.cannotWrite(path: path, reason: systemErrorMessage(errno))
                }
                offset += n
            }
        }
    }
}

/// Where AlterKS keeps its files, from the environment (XDG Base Directory rules):
/// `$XDG_CACHE_HOME/alterks` (else `$HOME/.cache/alterks`), `$XDG_DATA_HOME/alterks` (else
/// `$HOME/.local/share/alterks`), `$XDG_STATE_HOME/alterks` (else `$HOME/.local/state/alterks`).
/// `ALTERKS_CACHE_DIR` and `ALTERKS_DATA_DIR` override the first two outright. Relative XDG values are
/// ignored, as the specification says. Nothing is created here: call `FileIO.ensurePrivateDirectory`.
package struct AlterKSPaths: Sendable, Hashable {
    /// Disposable data: HTTP caches, verdict cache.
    package var cacheDir: String
    /// Data worth keeping: the offline advisory database, quarantine manifest.
    package var dataDir: String
    /// State between runs: monitor state, logs.
    package var stateDir: String

    package init(cacheDir: String, dataDir: String, stateDir: String) {
        self.cacheDir = cacheDir
        self.dataDir = dataDir
        self.stateDir = stateDir
    }

    /// Reads the variables above from `environment`; throws when a directory has no absolute source at all.
    package init(environment: [String: String]) throws {
        func absolute(_ key: String) -> String? {
            guard var value = environment[key], value.hasPrefix("/") else { return nil }
            while value.count > 1 && value.hasSuffix("/") { value.removeLast() }
            return value
        }
        func resolve(override: String?, xdg: String, homeSuffix: String) throws -> String {
            if let override, let value = absolute(override) { return value }
            if let base = absolute(xdg) { return base + "/alterks" }
            guard let home = absolute("HOME") else { throw FileIOError.noHomeDirectory(variable: xdg) }
            return home + "/" + homeSuffix + "/alterks"
        }
        cacheDir = try resolve(override: "ALTERKS_CACHE_DIR", xdg: "XDG_CACHE_HOME", homeSuffix: ".cache")
        dataDir = try resolve(override: "ALTERKS_DATA_DIR", xdg: "XDG_DATA_HOME", homeSuffix: ".local/share")
        stateDir = try resolve(override: nil, xdg: "XDG_STATE_HOME", homeSuffix: ".local/state")
    }
}
