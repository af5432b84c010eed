import AlterKit
import AlterTestSupport
import Foundation
import Testing

/// Helpers shared by the inventory tests.
enum InventoryFixtures {
    static func path(_ format: String, _ name: String) -> String {
        TestPaths.fixture("inventory/\(format)/\(name)").path
    }

    static func context(
        environment: [String: String] = [:], diagnostics: any DiagnosticSink = NullDiagnostics()
    ) -> InventoryContext {
        InventoryContext(environment: environment, diagnostics: diagnostics)
    }

    /// `name==version` (or `name` when unpinned) for each dependency, in order.
    static func pins(_ dependencies: [Dependency]) -> [String] {
        dependencies.map { d in d.version.map { "\(d.name)==\($0)" } ?? d.name }
    }

    /// The error a load throws, or nil when it succeeds.
    static func error(_ body: () throws(InventoryError) -> Inventory) -> InventoryError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    /// A malformed input fails with one line that names the file and the line or key.
    static func expectOneLineError(
        _ error: InventoryError?, file: String, mentions: [String],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        guard let error else {
            Issue.record("expected an error for \(file)", sourceLocation: sourceLocation)
            return
        }
        let text = error.description
        #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
        #expect(text.contains(file), "does not name \(file): \(text)", sourceLocation: sourceLocation)
        for fragment in mentions {
            #expect(
                text.contains(fragment), "\(text.debugDescription) lacks \(fragment.debugDescription)",
                sourceLocation: sourceLocation)
        }
        #expect(error.exitStatus == .usage, sourceLocation: sourceLocation)
    }
}

extension InventoryFixtures {
    /// Reads fixture `name` of `directory` and parses it as `format` (fixture names are not the real file names).
    static func parse(
        _ directory: String, _ name: String, as format: InventoryLoader.Format,
        diagnostics: any DiagnosticSink = NullDiagnostics()
    ) throws(InventoryError) -> Inventory {
        let path = Self.path(directory, name)
        let context = Self.context(diagnostics: diagnostics)
        return try InventoryLoader.parse(text: context.readText(path), path: path, format: format, context: context)
    }
}
