import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct PosixProcessRunnerTests {
    let runner = PosixProcessRunner()

    @Test func capturesStdoutStderrAndExitCode() async throws {
        let result = try await runner.run(
            "/bin/sh", ["-c", "printf out; printf err >&2; exit 3"], environment: nil, currentDirectory: nil,
            stdin: nil)
        #expect(result.exitCode == 3)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "out")
        #expect(String(decoding: result.stderr, as: UTF8.self) == "err")
    }

    @Test func argumentsAreNotInterpretedByAShell() async throws {
        let tricky = "a b; echo injected $(id) `id` 'q' \"d\" *"
        let result = try await runner.run("/bin/echo", [tricky])
        #expect(String(decoding: result.stdout, as: UTF8.self) == tricky + "\n")
    }

    @Test func environmentIsExactlyAsGiven() async throws {
        let result = try await runner.run("/usr/bin/env", [], environment: ["ONLY": "this", "EMPTY": ""])
        let lines = Set(String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(lines == ["ONLY=this", "EMPTY="])
    }

    @Test func inheritsEnvironmentWhenNil() async throws {
        let result = try await runner.run("/usr/bin/env", [])
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("PATH="))
    }

    @Test func runsInTheGivenDirectory() async throws {
        let dir = try TestPaths.temporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await runner.run("/bin/pwd", [], environment: [:], currentDirectory: dir.path, stdin: nil)
        let printed = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(URL(fileURLWithPath: printed).resolvingSymlinksInPath().path == dir.resolvingSymlinksInPath().path)
    }

    @Test func foundationFallbackBehavesTheSame() async throws {
        let fallback = PosixProcessRunner(forceFoundationProcess: true)
        let dir = try TestPaths.temporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Data(repeating: 0x62, count: 1 << 20)
        let result = try await fallback.run(
            "/bin/sh", ["-c", "cat; pwd >&2; exit 4"], environment: ["A": "1"], currentDirectory: dir.path,
            stdin: input)
        #expect(result.exitCode == 4)
        #expect(result.stdout == input)
        let printed = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(URL(fileURLWithPath: printed).resolvingSymlinksInPath().path == dir.resolvingSymlinksInPath().path)
        let env = try await fallback.run(
            "/usr/bin/env", [], environment: ["ONLY": "x"], currentDirectory: nil, stdin: nil)
        #expect(String(decoding: env.stdout, as: UTF8.self) == "ONLY=x\n")
    }

    @Test func largeStdinAndOutputsDoNotDeadlock() async throws {
        // 4 MiB through cat both ways plus 4 MiB on stderr: far beyond any pipe buffer.
        let input = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let result = try await runner.run(
            "/bin/sh", ["-c", "cat; head -c 4194304 /dev/zero >&2"], environment: nil, currentDirectory: nil,
            stdin: input)
        #expect(result.exitCode == 0)
        #expect(result.stdout == input)
        #expect(result.stderr.count == 4 << 20)
    }

    @Test func childThatIgnoresStdinDoesNotKillUs() async throws {
        let input = Data(repeating: 0x61, count: 1 << 20)
        let result = try await runner.run("/bin/true", [], environment: nil, currentDirectory: nil, stdin: input)
        #expect(result.exitCode == 0)
    }

    @Test func signalledChildReports128PlusSignal() async throws {
        let result = try await runner.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(result.exitCode == 128 + 9)
    }

    @Test func refusesRelativeOrMissingExecutablesAndNULs() async throws {
        await #expect(throws: ProcessError.unsafeArgument("sh")) { try await runner.run("sh", []) }
        await #expect(throws: ProcessError.notFound("/nonexistent/tool")) {
            try await runner.run("/nonexistent/tool", [])
        }
        await #expect(throws: ProcessError.unsafeArgument("a\u{0}b")) { try await runner.run("/bin/echo", ["a\u{0}b"]) }
    }

    @Test func manyConcurrentChildren() async throws {
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                group.addTask { String(decoding: try await runner.run("/bin/echo", ["\(i)"]).stdout, as: UTF8.self) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(results == Set((0..<40).map { "\($0)\n" }))
    }

    @Test func cancellationKillsTheChild() async throws {
        let task = Task { try await runner.run("/bin/sleep", ["30"]) }
        // Give the child a moment to start; the assertion does not depend on timing.
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func whichSearchesOnlyAbsoluteDirectories() throws {
        let dir = try TestPaths.temporaryDirectory("which")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tool = dir.path + "/mytool"
        FileManager.default.createFile(atPath: tool, contents: Data("#!/bin/sh\n".utf8))
        chmod(tool, 0o755)
        let plain = dir.path + "/notexec"
        FileManager.default.createFile(atPath: plain, contents: Data())
        #expect(which("mytool", path: "/nonexistent::relative:\(dir.path)") == tool)
        #expect(which("notexec", path: dir.path) == nil)
        #expect(which("mytool", path: "relative:") == nil)
        #expect(which("sh", path: "/usr/bin:/bin") != nil)
        #expect(which(tool, path: "") == tool)
        #expect(which("./mytool", path: dir.path) == nil)
    }
}
