import Foundation

/// The files the user has trusted with `alterks trust`: each real path with the SHA-256 of the bytes trusted.
/// A project file's loosening settings apply only while its bytes still hash to the recorded value (the pattern of
/// direnv's `allow`): an edited file needs trusting again. Kept in `<data dir>/trusted-policies.json`, 0600.
package struct TrustStore: Sendable {
    package static let fileName = "trusted-policies.json"
    /// The store file.
    package let path: String

    package init(path: String) { self.path = path }

    /// The store of the user whose environment this is; nil when no data directory can be named (no `HOME`).
    package init?(environment: [String: String]) {
        guard let paths = try? AlterKSPaths(environment: environment) else { return nil }
        self.init(path: paths.dataDir + "/" + Self.fileName)
    }

    /// The canonical name of a file: symlinks resolved, so that one file has one entry however it is reached.
    package static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// Lowercase hex SHA-256 of `data`.
    package static func digest(_ data: Data) -> String { PolicyDigest.sha256Hex(data) }

    /// Path → digest. A missing store is empty; an unreadable or malformed one is an error (never "trusted").
    package func entries() throws(ConfigError) -> [String: String] {
        guard FileManager().fileExists(atPath: path) else { return [:] }
        let data: Data
        do {
            data = try FileIO.read(path, limit: 4 << 20)
        } catch {
            throw .unreadable(file: path, message: "\(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let trusted = object["trusted"] as? [String: String]
        else { throw .unreadable(file: path, message: "not a trust store (expected {\"trusted\": {path: sha256}})") }
        return trusted
    }

    /// Whether the file at `path` whose bytes are `data` is trusted. Never throws: a store that cannot be read
    /// trusts nothing.
    package func isTrusted(path: String, data: Data) -> Bool {
        guard let entries = try? entries() else { return false }
        return entries[Self.canonicalPath(path)] == Self.digest(data)
    }

    /// Records `data` as the trusted content of `path` (replacing an older record of it).
    package func trust(path file: String, data: Data) throws {
        var all = try entries()
        all[Self.canonicalPath(file)] = Self.digest(data)
        try save(all)
    }

    /// Forgets `path`; whether it was recorded.
    @discardableResult
    package func revoke(path file: String) throws -> Bool {
        var all = try entries()
        guard all.removeValue(forKey: Self.canonicalPath(file)) != nil else { return false }
        try save(all)
        return true
    }

    private func save(_ entries: [String: String]) throws {
        try FileIO.ensurePrivateDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        let data = try JSONSerialization.data(
            withJSONObject: ["version": 1, "trusted": entries], options: [.sortedKeys, .prettyPrinted])
        try FileIO.writeAtomically(data, to: path, permissions: 0o600)
    }
}

extension Configuration {
    /// This configuration (a root configuration with an untrusted project file read over it) with every setting
    /// that is looser than `root` put back to the root's value, and the dotted keys that were put back.
    /// Tightening always applies: stricter actions, a lower threshold, more blocklist entries and internal
    /// packages, a longer release age, `osv` alone instead of `auto`, shorter TTLs, stricter `fail_on`.
    package func tightened(toward root: Configuration) -> (Configuration, [String]) {
        var out = self
        var ignored: [String] = []
        for severity in Severity.allCases where action(for: severity) < root.action(for: severity) {
            out.severityActions[severity] = root.action(for: severity)
            ignored.append("severity_actions.\(severity.rawValue)")
        }
        if riskThreshold > root.riskThreshold {
            out.riskThreshold = root.riskThreshold
            ignored.append("risk_threshold")
        }
        for mode in PolicyMode.allCases where riskAction(for: mode) < root.riskAction(for: mode) {
            out.riskActions[mode] = root.riskAction(for: mode)
            ignored.append("risk_action.\(mode.rawValue)")
        }
        for signal in Signal.allCases {
            let mine = signalActions[signal] ?? .block
            let theirs = root.signalActions[signal] ?? .block
            if mine < theirs {
                out.signalActions[signal] = theirs
                ignored.append("signal_actions.\(signal.rawValue)")
            }
        }
        if trustedRebuildIndexes.contains(where: { !root.trustedRebuildIndexes.contains($0) }) {
            out.trustedRebuildIndexes = root.trustedRebuildIndexes
            ignored.append("trusted_rebuild_indexes")
        }
        if maliciousAction < root.maliciousAction {
            out.maliciousAction = root.maliciousAction
            ignored.append("malicious_action")
        }
        let rootAllowed = Set(root.allowlist.map(\.description))
        if allowlist.contains(where: { !rootAllowed.contains($0.description) }) {
            out.allowlist = root.allowlist
            ignored.append("allowlist")
        }
        let blocked = Set(blocklist.map(\.description))
        out.blocklist = blocklist + root.blocklist.filter { !blocked.contains($0.description) }
        if heuristicWeights != root.heuristicWeights {
            // A weight changes the composite in either direction: only the user may move them.
            out.heuristicWeights = root.heuristicWeights
            ignored.append("heuristic_weights")
        }
        let rootIgnores = Set(root.ignores)
        if ignores.contains(where: { !rootIgnores.contains($0) }) {
            out.ignores = root.ignores
            ignored.append("ignore")
        }
        out.internalPackages = Array(Set(internalPackages).union(root.internalPackages)).sorted()
        if minReleaseAge < root.minReleaseAge {
            out.minReleaseAge = root.minReleaseAge
            ignored.append("min_release_age")
        }
        if onSourceError < root.onSourceError {
            out.onSourceError = root.onSourceError
            ignored.append("on_source_error")
        }
        if source != root.source && !(root.source == .auto && source == .osv) {
            out.source = root.source
            ignored.append("source")
        }
        if maxOfflineAge > root.maxOfflineAge {
            out.maxOfflineAge = root.maxOfflineAge
            ignored.append("max_offline_age")
        }
        func keep<T: Equatable>(_ key: String, _ path: WritableKeyPath<Configuration, T>) {
            if self[keyPath: path] != root[keyPath: path] {
                out[keyPath: path] = root[keyPath: path]
                ignored.append(key)
            }
        }
        keep("osv_url", \.osvURL)
        keep("pypi_url", \.pypiURL)
        keep("osv_db_url", \.osvDatabaseURL)
        keep("cache_dir", \.cacheDirectory)
        keep("webhook_url", \.webhookURL)
        keep("webhook_secret", \.webhookSecret)
        func atMost(_ key: String, _ path: WritableKeyPath<Configuration, TimeInterval>) {
            if self[keyPath: path] > root[keyPath: path] {
                out[keyPath: path] = root[keyPath: path]
                ignored.append(key)
            }
        }
        atMost("verdict_ttl", \.verdictTTL)
        atMost("metadata_ttl", \.metadataTTL)
        atMost("advisory_ttl", \.advisoryTTL)
        if failOn > root.failOn {
            out.failOn = root.failOn
            ignored.append("fail_on")
        }
        if allowSourceBuilds && !root.allowSourceBuilds {
            out.allowSourceBuilds = false
            ignored.append("allow_source_builds")
        }
        return (out, ignored)
    }
}
