import Foundation

/// What the local index needs from the engine: the gate's decision on one exact file (the same checks, the same
/// verdict cache), the release upload times of a project (for the minimum release age of its pages), and the
/// policy's switches.
package struct IndexGate: Sendable {
    /// The install gate's decider: one decision per dependency, never a thrown error read as clean.
    package var decider: GateDecider
    /// Upload time per version (the earliest file of each release), from the metadata source; empty when unknown.
    package var uploadTimes: @Sendable (_ project: String) async -> [String: Date]

    package init(
        decider: GateDecider,
        uploadTimes: @escaping @Sendable (_ project: String) async -> [String: Date] = { _ in [:] }
    ) {
        self.decider = decider
        self.uploadTimes = uploadTimes
    }
}

extension EngineBuilder {
    /// The local index's gate: the install gate's decider (engine, verdict cache, artifact store), built on the first
    /// file asked for (so that the index answers at once when a shell starts it), and the release upload times from
    /// the same cached PyPI metadata.
    package func indexGate() -> IndexGate {
        let builder = self
        let engine = LazyDecider { try builder.gateDecider() }
        let metadata = metadataSource()
        let decider = GateDecider(
            minReleaseAgeHours: configuration.minReleaseAge / 3600,
            allowSourceBuilds: configuration.allowSourceBuilds, artifactStore: artifactStore
        ) { dependencies in
            try await engine.get().decide(dependencies)
        }
        return IndexGate(decider: decider) { project in
            guard case .found(let found)? = try? await metadata.project(project) else { return [:] }
            var times: [String: Date] = [:]
            for (version, files) in found.releases {
                if let earliest = files.compactMap(\.uploadTime).min() { times[version] = earliest }
            }
            return times
        }
    }
}

/// A decider made once, on first use (a failure is kept and thrown again: the engine stays unavailable).
private final class LazyDecider: @unchecked Sendable {
    private let lock = NSLock()
    private let make: @Sendable () throws -> GateDecider
    private var made: Result<GateDecider, any Error>?

    init(_ make: @escaping @Sendable () throws -> GateDecider) { self.make = make }

    func get() throws -> GateDecider {
        lock.lock()
        defer { lock.unlock() }
        if let made { return try made.get() }
        let result = Result { try make() }
        made = result
        return try result.get()
    }
}
