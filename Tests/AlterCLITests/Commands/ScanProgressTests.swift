import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The live progress line: on a terminal's stderr only, redrawn in place, erased before results, never with
/// `--quiet`, never when stderr is a file or a pipe.
@Suite struct ScanProgressTests {
    static func run(_ arguments: [String], home: URL, terminal: Bool) async -> DBCommandTests.Run {
        await DBCommandTests.run(arguments, home: home, terminal: terminal)
    }

    /// Twelve pinned packages, four of them with one advisory each (so four records are fetched).
    static func world() throws -> (home: URL, osv: OSVDouble, arguments: [String]) {
        let home = try TestPaths.temporaryDirectory()
        let records = (0..<4).map { index in
            OSVRecords.record(
                "PYSEC-2099-\(index)", package: "pkg\(index)",
                ranges: [OSVRecords.range([("introduced", "0"), ("fixed", "2.0")])], label: "LOW")
        }
        let osv = try OSVDouble(records: records)
        let requirements = (0..<12).map { "pkg\($0)==1.0" }.joined(separator: "\n") + "\n"
        try Data(requirements.utf8).write(to: home.appendingPathComponent("requirements.txt"))
        try Data("osv_url = \"\(osv.baseURL)\"\nmax_offline_age = \"36500d\"\n".utf8).write(
            to: home.appendingPathComponent("alterks.toml"))
        let arguments = [
            "scan", "--no-deps", "--config", home.appendingPathComponent("alterks.toml").path, "-r",
            home.appendingPathComponent("requirements.txt").path, "--no-heuristics", "--format", "json",
        ]
        return (home, osv, arguments)
    }

    @Test func aTerminalSeesEachStageRedrawnInPlaceAndErasedBeforeTheResult() async throws {
        let (home, osv, arguments) = try Self.world()
        defer { try? FileManager.default.removeItem(at: home) }
        let run = await Self.run(arguments, home: home, terminal: true)
        #expect(run.code == 0, "\(run.err)")
        #expect(osv.detailRequests == 4)
        let erase = "\r\u{1B}[K"
        #expect(run.err.contains(erase + "alterks: packages resolved 12"))
        #expect(run.err.contains(erase + "alterks: packages queried 12"))
        for done in 1...3 { #expect(run.err.contains(erase + "alterks: advisory records fetched \(done)/4")) }
        #expect(run.err.contains(erase + "alterks: advisory records fetched 4"))
        // Erased at the end: the last thing on stderr is the erase sequence, and no line feed mixes with it.
        #expect(run.err.hasSuffix(erase))
        #expect(!run.err.contains("\n"))
        // The result on stdout is untouched by it.
        #expect(!run.out.contains("\u{1B}"))
        #expect(run.out.contains("\"pkg3\""))
    }

    @Test func noProgressWhenQuietOrWhenStderrIsNotATerminal() async throws {
        let (home, _, arguments) = try Self.world()
        defer { try? FileManager.default.removeItem(at: home) }
        let quiet = await Self.run(["scan", "--quiet"] + arguments.dropFirst(), home: home, terminal: true)
        #expect(quiet.code == 0, "\(quiet.err)")
        #expect(quiet.err.isEmpty)
        let piped = await Self.run(arguments, home: home, terminal: false)
        #expect(piped.code == 0, "\(piped.err)")
        #expect(!piped.err.contains("packages resolved"))
        #expect(!piped.err.contains("\u{1B}"))
    }

    @Test func aLongStageIsCutToTheTerminalWidth() {
        let stream = BufferStream(terminal: true, columns: 20)
        let line = ProgressLine()
        line.show("alterks: advisory records fetched 1000/2000", on: stream)
        line.show("alterks: advisory records fetched 1000/2000", on: stream)
        line.clear(on: stream)
        line.clear(on: stream)
        let drawn = stream.text.replacingOccurrences(of: "\r\u{1B}[K", with: "|")
        #expect(drawn == "|alterks: advisory …|")
    }
}
