import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// The structural pre-check keeps toml++ (inside TOMLKit) away from the malformed documents it asserts on, and
/// never refuses a document Python's tomllib accepts.
@Suite struct TOMLDocumentTests {
    static func parse(_ text: String) throws(InventoryError) -> Inventory {
        try InventoryLoader.parse(text: text, path: "uv.lock", format: .uvLock, context: InventoryContext())
    }

    /// Each of these aborts toml++ 3.4.0 in a debug build (undefined behaviour in release).
    @Test(arguments: [
        "[#a]\n", "[[=\n", "[[[1]]]\n", "[{a=1}]\n", "[.\"a\"]\n", "a = 1\n[ #x]\n", "a = [}\n", "a = [1,}\n",
        "a = [1, }\n", "a = [\n}\n", "a = [ # c\n}\n", "a = [[}]]\n", "a = {b = [}]}\n",
        "[dependency-groups]\ndev = [{include-group = \"missing\"},} \"ruff==0.3.0\"]\n",
    ])
    func documentsThatCrashTomlPlusPlusAreRefused(text: String) {
        let error = InventoryFixtures.error { () throws(InventoryError) in try Self.parse(text) }
        InventoryFixtures.expectOneLineError(error, file: "uv.lock", mentions: ["not valid TOML"])
    }

    struct Snippet: CustomTestStringConvertible, Sendable {
        var text: String
        var testDescription: String { String(text.prefix(60)).debugDescription }
    }

    static let valid: [Snippet] = {
        let data = try! Data(contentsOf: TestPaths.fixture("inventory/toml/valid.json"))
        return try! JSONDecoder().decode([String].self, from: data).map(Snippet.init)
    }()

    @Test(arguments: valid)
    func everyDocumentTomllibAcceptsGetsPastThePreCheck(snippet: Snippet) {
        // The lockfile reading may reject the content, but never as "not valid TOML".
        if let error = InventoryFixtures.error({ () throws(InventoryError) in try Self.parse(snippet.text) }) {
            #expect(!error.description.contains("not valid TOML"), "\(error)")
        }
    }

    @Test func errorsCarryTheLine() {
        let error = InventoryFixtures.error { () throws(InventoryError) in
            try Self.parse("version = 1\n\n[[package]]\nname = \"x\"\nversion = [1, }\n")
        }
        InventoryFixtures.expectOneLineError(error, file: "uv.lock:5", mentions: ["not valid TOML", "column"])
    }
}
