import AlterCLI
import AlterKit
import AlterTestSupport
import Foundation
import Testing

@Suite struct TyposquatCommandTests {
    func run(_ arguments: [String], directory: String = "/") async -> (code: Int32, out: String, err: String) {
        let out = BufferStream()
        let err = BufferStream()
        var context = CLIContext.live
        context.stdout = out
        context.stderr = err
        context.currentDirectory = directory
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(["typosquat"] + arguments) }
        return (code, out.text, err.text)
    }

    func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func flagsSquatsAndExitsOne() async throws {
        let result = await run(["reqeusts", "flask-cors"])
        #expect(result.code == 1)
        let rows = try lines(result.out)
        #expect(rows.count == 2)
        #expect(rows[0]["name"] as? String == "reqeusts")
        #expect(rows[0]["verdict"] as? String == "squat")
        #expect(rows[0]["target"] as? String == "requests")
        #expect(rows[0]["kind"] as? String == "transposition")
        #expect(rows[0]["distance"] as? Int == 1)
        #expect((rows[0]["score"] as? Double ?? 0) >= 0.5)
        #expect(rows[1]["verdict"] as? String == "clean")
    }

    @Test func cleanNamesExitZero() async throws {
        let result = await run(["requests", "mekong"])
        #expect(result.code == 0)
        #expect(try lines(result.out).allSatisfy { $0["verdict"] as? String == "clean" })
    }

    @Test func readsAFileWithComments() async throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "# new dependencies\nrequestss\n\n  numpy  \n".write(
            to: dir.appendingPathComponent("names.txt"), atomically: true, encoding: .utf8)
        let result = await run(["--file", "names.txt"], directory: dir.path)
        #expect(result.code == 1)
        let rows = try lines(result.out)
        #expect(rows.map { $0["name"] as? String } == ["requestss", "numpy"])
    }

    @Test func usageErrors() async {
        #expect(await run([]).code == 2)
        #expect(await run(["-", "requests"]).code == 2)
        #expect(await run(["--file", "/nonexistent/names.txt"]).code == 2)
    }

    @Test func jsonEscapesOddNames() throws {
        let verdict = TyposquatVerdict(name: "a\"b\\c\u{1}", normalizedName: "x", isSquat: false, match: nil, note: nil)
        let line = TyposquatScreening.jsonLine(verdict)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "a\"b\\c\u{1}")
        #expect(object["target"] is NSNull)
    }
}
