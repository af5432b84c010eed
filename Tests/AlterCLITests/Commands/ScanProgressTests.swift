import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The live progress line: on a terminal's stderr only, redrawn in place, erased before results, never with
/// `--quiet`, never when stderr is a file or a pipe.
@Suite struct ScanProgressTests {
    struct Run {
        var code: Int32
        var out: String
        var err: String
    }

    /// `alterks ARGUMENTS` in-process, stderr a terminal (or not), sources at the OSV double.
    static func run(_ arguments: [String], home: URL, terminal: Bool) async -> Run {
        let out = BufferStream()
        let err = BufferStream(terminal: terminal, columns: 60)
        let context = CLIContext(
            stdout: out, stderr: err,
            environment: [
                "HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                "XDG_CACHE_HOME": home.appendingPathComponent("cache").path,
            ],
            currentDirectory: home.path,
            makeServices: { diagnostics in
                Services(
                    http: TestHTTP.client(), clock: FixedClock(Date(timeIntervalSince1970: 1_800_000_000)),
                    processes: PosixProcessRunner(), environment: [:], diagnostics: diagnostics)
            })
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(arguments) }
        return Run(code: code, out: out.text, err: err.text)
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
        try Data("osv_url = \"\(osv.baseURL)\"\n".utf8).write(to: home.appendingPathComponent("alterks.toml"))
        let arguments = [
            "scan", "--config", home.appendingPathComponent("alterks.toml").path, "-r",
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
