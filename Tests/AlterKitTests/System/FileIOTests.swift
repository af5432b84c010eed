import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct FileIOTests {
    func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func atomicWriteReplacesWithPrivateMode() throws {
        let dir = try TestPaths.temporaryDirectory("fileio")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/state.json"
        try FileIO.writeAtomically(Data("one".utf8), to: path)
        #expect(try FileIO.read(path, limit: 100) == Data("one".utf8))
        #expect(mode(path) == 0o600)
        try FileIO.writeAtomically(Data("two".utf8), to: path)
        #expect(try FileIO.read(path, limit: 100) == Data("two".utf8))
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["state.json"])
        #expect(throws: FileIOError.self) { try FileIO.writeAtomically(Data(), to: dir.path + "/missing/x") }
    }

    @Test func ensurePrivateDirectoryCreatesOnlyWhatIsMissing() throws {
        let dir = try TestPaths.temporaryDirectory("fileio")
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o751)
        try FileIO.ensurePrivateDirectory(dir.path + "/a/b/c")
        #expect(mode(dir.path) == 0o751)
        #expect(mode(dir.path + "/a") == 0o700)
        #expect(mode(dir.path + "/a/b/c") == 0o700)
        try FileIO.ensurePrivateDirectory(dir.path + "/a/b/c")
        FileManager.default.createFile(atPath: dir.path + "/file", contents: Data())
        #expect(throws: FileIOError.cannotCreateDirectory(path: dir.path + "/file", reason: "a file is in the way")) {
            try FileIO.ensurePrivateDirectory(dir.path + "/file")
        }
    }

    @Test func readRefusesOversizedFiles() throws {
        let dir = try TestPaths.temporaryDirectory("fileio")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/big"
        try FileIO.writeAtomically(Data(repeating: 1, count: 1001), to: path)
        #expect(throws: FileIOError.tooLarge(path: path, limit: 1000)) { try FileIO.read(path, limit: 1000) }
        #expect(try FileIO.read(path, limit: 1001).count == 1001)
        #expect(FileIOError.tooLarge(path: path, limit: 1000).exitStatus == .usage)
        do {
            _ = try FileIO.read(dir.path + "/absent", limit: 10)
            Issue.record("read a missing file")
        } catch let error as FileIOError {
            #expect(error.description == "cannot read \(dir.path)/absent: No such file or directory")
        }
    }

    @Test func xdgPathsWithFallbacksAndOverrides() throws {
        let xdg = try AlterKSPaths(environment: [
            "HOME": "/home/u", "XDG_CACHE_HOME": "/c/", "XDG_DATA_HOME": "/d", "XDG_STATE_HOME": "/s",
        ])
        #expect(xdg == AlterKSPaths(cacheDir: "/c/alterks", dataDir: "/d/alterks", stateDir: "/s/alterks"))
        let home = try AlterKSPaths(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "relative"])
        #expect(
            home
                == AlterKSPaths(
                    cacheDir: "/home/u/.cache/alterks", dataDir: "/home/u/.local/share/alterks",
                    stateDir: "/home/u/.local/state/alterks"))
        let overridden = try AlterKSPaths(environment: [
            "HOME": "/home/u", "XDG_CACHE_HOME": "/c", "ALTERKS_CACHE_DIR": "/tmp/ac", "ALTERKS_DATA_DIR": "/tmp/ad",
        ])
        #expect(overridden.cacheDir == "/tmp/ac")
        #expect(overridden.dataDir == "/tmp/ad")
        #expect(overridden.stateDir == "/home/u/.local/state/alterks")
        #expect(throws: FileIOError.noHomeDirectory(variable: "XDG_CACHE_HOME")) {
            try AlterKSPaths(environment: [:])
        }
    }
}
