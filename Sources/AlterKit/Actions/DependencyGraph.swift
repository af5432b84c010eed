/// Who depends on whom within one pip resolution, from each distribution's `Requires-Dist`, with environment
/// markers evaluated for the target interpreter and extras followed (`requests[socks]` pulls PySocks only through
/// the `socks` extra). A requirement whose syntax cannot be read counts as an edge: when in doubt, depend.
struct DependencyGraph {
    /// Normalised name → normalised names of the distributions of the same resolution it requires.
    private(set) var edges: [String: Set<String>] = [:]

    init(items: [PipReportItem], environment: [String: String]) {
        let names = Set(items.map(\.dependency.normalizedName))
        let markerEnvironment = MarkerEnvironment(values: environment)
        var extras: [String: Set<String>] = [:]
        for item in items { extras[item.dependency.normalizedName, default: []].formUnion(item.dependency.extras) }
        let parsed: [(String, [ParsedRequirement])] = items.map { item in
            (item.dependency.normalizedName, item.requiresDist.map(ParsedRequirement.init))
        }
        // Extras requested along edges enable more edges: iterate to a fixed point (bounded by the item count).
        var changed = true
        var rounds = 0
        while changed && rounds <= items.count + 1 {
            changed = false
            rounds += 1
            for (source, requirements) in parsed {
                let active = extras[source] ?? []
                for requirement in requirements where names.contains(requirement.name) {
                    guard requirement.applies(markerEnvironment, extras: active) else { continue }
                    if edges[source, default: []].insert(requirement.name).inserted { changed = true }
                    let before = extras[requirement.name, default: []].count
                    extras[requirement.name, default: []].formUnion(requirement.extras)
                    if extras[requirement.name, default: []].count != before { changed = true }
                }
            }
        }
    }

    /// For each of `sources` that reaches any of `targets`, the shortest chain of names from it to one of them.
    func chains(from sources: [String], to targets: Set<String>) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for source in sources where !targets.contains(source) {
            var previous: [String: String] = [source: source]
            var queue = [source]
            var index = 0
            var found: String?
            while index < queue.count, found == nil {
                let current = queue[index]
                index += 1
                for next in (edges[current] ?? []).sorted() where previous[next] == nil {
                    previous[next] = current
                    if targets.contains(next) {
                        found = next
                        break
                    }
                    queue.append(next)
                }
            }
            if let found {
                var chain = [found]
                var cursor = found
                while cursor != source, let back = previous[cursor] {
                    chain.append(back)
                    cursor = back
                }
                result[source] = chain.reversed()
            }
        }
        return result
    }
}

/// One `Requires-Dist` entry, as far as it could be read.
private struct ParsedRequirement {
    var name: String
    var extras: [String]
    var marker: Marker?
    /// The syntax could not be read: the edge is kept whatever the marker says.
    var unreadable: Bool

    init(_ text: String) {
        if let requirement = try? Requirement(text) {
            name = requirement.normalizedName
            extras = requirement.extras.map(PackageName.normalize)
            marker = requirement.marker
            unreadable = false
        } else {
            let head = text.prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
            name = PackageName.normalize(String(head))
            extras = []
            marker = nil
            unreadable = true
        }
    }

    func applies(_ environment: MarkerEnvironment, extras: Set<String>) -> Bool {
        guard !unreadable, let marker else { return true }
        return marker.evaluate(environment, extras: extras)
    }
}
