import AlterKit
import ArgumentParser

/// Commands whose engine is not built yet say so and exit non-zero; none pretends to work.
struct NotBuiltYet: Error, CustomStringConvertible {
    var command: String
    var description: String { "`alterks \(command)` is not built yet in this version" }
}
