import Foundation
import PythonPackaging

/// The heuristic risk engine as the scan engine sees it.
/// With `offline`, metadata comes only from the cache: what is not cached leaves its factors unknown (said in
/// each factor's reason) without counting as a failed source, since no source was asked.
package struct HeuristicRiskAssessor: RiskAssessor {
    package var engine: RiskEngine
    package var location: String
    package var offline: Bool

    package func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
        let answer = await engine.assess(dependencies)
        guard offline else { return answer }
        return answer.mapValues { assessment in
            var out = assessment
            out.failures = []
            return out
        }
    }

    package var assessmentTag: String { offline ? "heuristics-offline" : "heuristics" }

    package var sourceInfo: SourceInfo? {
        offline
            ? SourceInfo(name: "pypi-metadata", location: "cache only", note: "offline: uncached metadata not fetched")
            : SourceInfo(name: "pypi-metadata", location: location)
    }
}

extension ArtifactCodeAssessor {
    /// The code factor over what `inner` assesses.
    package var assessmentTag: String { "code+" + (inner?.assessmentTag ?? "none") }
}

/// Metadata from the cache alone, for `--offline`: never a network call.
struct CachedMetadataOnly: PackageMetadataSource {
    var cache: MetadataCache?
    var clock: any WallClock

    func project(_ name: String) async throws -> MetadataLookup {
        let key = PackageName.normalize(name)
        if let hit = try? cache?.lookup(key, now: clock.now()) { return hit }
        throw PyPIMetadataError.transport(url: key, message: "offline: no cached metadata")
    }

    func provenance(name: String, version: String, file: PyPIProject.ReleaseFile) async throws -> ProvenanceLookup {
        throw PyPIMetadataError.transport(url: name, message: "offline: provenance not fetched")
    }
}

extension EngineBuilder {
    /// PyPI's JSON API with the SQLite metadata cache (or none, with a warning, when it cannot be opened);
    /// with `offline`, the cache alone.
    package func metadataSource(offline: Bool = false) -> any PackageMetadataSource {
        var cache: MetadataCache?
        do {
            try FileIO.ensurePrivateDirectory(cacheDirectory)
            cache = try MetadataCache(
                path: cacheDirectory + "/" + MetadataCache.fileName, diagnostics: services.diagnostics,
                clock: services.clock)
        } catch {
            services.diagnostics.warning("metadata cache unavailable, asking the index every time: \(error)")
        }
        if offline { return CachedMetadataOnly(cache: cache, clock: services.clock) }
        return PyPIMetadataClient(
            http: http, baseURL: configuration.pypiURL, cache: cache, clock: services.clock,
            ttl: configuration.metadataTTL, diagnostics: services.diagnostics)
    }

    /// The heuristic risk engine over `metadataSource()` and the bundled typosquat index. When the index cannot be
    /// read, every package's assessment is a source failure (`on_source_error`, never cached): without the
    /// typosquat screen nothing about a name is known, and that is not "clean".
    package func riskAssessor(
        offline: Bool = false, loadIndex: () throws -> TyposquatIndex = { try TyposquatIndex.bundled() }
    ) -> (any RiskAssessor)? {
        let index: TyposquatIndex
        do {
            index = try loadIndex()
        } catch {
            services.diagnostics.warning(
                "heuristic risk engine unavailable, every package counts as unchecked: \(error)")
            return UnavailableRiskAssessor(message: "heuristic risk engine unavailable: \(error)")
        }
        let engine = RiskEngine(
            metadata: metadataSource(offline: offline), typosquat: index,
            weights: configuration.heuristicWeights, internalPackages: Set(configuration.internalPackages),
            clock: services.clock, concurrency: configuration.maxConcurrency, diagnostics: services.diagnostics)
        return HeuristicRiskAssessor(engine: engine, location: configuration.pypiURL, offline: offline)
    }
}

/// The risk assessor when the heuristics cannot run at all: each package's assessment is one source failure.
struct UnavailableRiskAssessor: RiskAssessor {
    let message: String

    func assess(_ dependencies: [Dependency], mode: PolicyMode) async -> [String: RiskAssessment] {
        var answers: [String: RiskAssessment] = [:]
        for dependency in dependencies {
            answers[RiskKey.of(dependency)] = RiskAssessment(
                factors: [], composite: nil, failures: [SourceFailure(source: "heuristics", message: message)])
        }
        return answers
    }

    var sourceInfo: SourceInfo? { SourceInfo(name: "heuristics", location: "bundled typosquat index", note: message) }
    var assessmentTag: String { "heuristics-unavailable" }
}
