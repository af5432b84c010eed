import Foundation

/// The user's `-r` requirements files, read by the gate before pip runs: to know whether they ask pip to build from
/// source (`--no-binary`, a remote sdist URL), and whether the final install can pin every artifact by hash with
/// the files' index options carried over.
package struct UserRequirementFiles: Sendable {
    /// Everything the files (and their includes) hold.
    package var inventory: Inventory

    /// Options of option-only lines that take a value (the others are flags).
    static let valued: Set<String> = [
        "--index-url", "--extra-index-url", "--find-links", "--no-binary", "--only-binary", "--trusted-host",
        "--use-feature",
    ]

    /// Reads `paths` (relative ones against the process's working directory, as pip does). Nil when there are none
    /// or a top-level file does not exist (pip then fails with its own message before building anything).
    package static func load(_ paths: [String], environment: [String: String], diagnostics: any DiagnosticSink)
        throws(GateError) -> UserRequirementFiles?
    {
        guard !paths.isEmpty else { return nil }
        let context = InventoryContext(environment: environment, diagnostics: diagnostics)
        var merged = Inventory()
        for path in paths {
            if !RequirementLine.isURL(path), !FileManager().fileExists(atPath: path) { return nil }
            do {
                let inventory = try RequirementsFile.load(path: path, context: context)
                merged.dependencies += inventory.dependencies
                merged.options += inventory.options
                merged.sources += inventory.sources
                merged.skipped += inventory.skipped
                merged.constraints += inventory.constraints
            } catch {
                throw .requirementsUnreadable(path: path, message: error.description)
            }
        }
        return UserRequirementFiles(inventory: merged)
    }

    /// The files' carried options as (name, value) pairs, in order (value "" for flags).
    package var optionPairs: [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var index = 0
        let options = inventory.options
        while index < options.count {
            let name = options[index]
            if Self.valued.contains(name), index + 1 < options.count {
                pairs.append((name, options[index + 1]))
                index += 2
            } else {
                pairs.append((name, ""))
                index += 1
            }
        }
        return pairs
    }

    /// Remote source archives the files name (`https://…/x.tar.gz`, `name @ https://…`): pip would build them.
    package var remoteSourceArchives: [String] {
        (inventory.dependencies + inventory.skipped.map(\.dependency)).compactMap { dependency in
            guard let url = dependency.url, SourceBuilds.isRemoteSourceArchive(url) else { return nil }
            return url
        }
    }

    /// Why the files' requirements cannot be replaced by a hash-pinned requirements file, or nil when they can:
    /// every entry is a plain named requirement (no path, URL or editable), and every carried option means the
    /// same on the command line as in the file.
    package var hashPinningObstacle: String? {
        if let skipped = inventory.skipped.first {
            return "\(skipped.dependency.location?.description ?? "a requirements file") names a path or URL"
        }
        if let odd = inventory.dependencies.first(where: { $0.url != nil || $0.editable }) {
            return "\(odd.location?.description ?? "a requirements file") names a path, URL or editable"
        }
        for (name, value) in optionPairs where name == "--find-links" {
            if !value.hasPrefix("/") && !RequirementLine.isURL(value) {
                return "a relative --find-links \(value) (pip resolves it against the file's folder)"
            }
        }
        return nil
    }
}
