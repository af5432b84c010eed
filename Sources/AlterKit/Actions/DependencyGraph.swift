import Foundation
import PythonPackaging

/// Who depends on whom within one pip resolution, from each distribution's `Requires-Dist` (only edges between
/// distributions of the resolution count; extras requested along edges are followed). When in doubt, depend: an
/// extra edge can only make the gate refuse more.
struct DependencyGraph {
    /// Normalised name → normalised names of the distributions of the same resolution it requires.
    private(set) var edges: [String: Set<String>] = [:]

    init(items: [PipReportItem], environment: [String: String]) {
        let names = Set(items.map(\.dependency.normalizedName))
        let markerEnvironment = MarkerEnvironment(values: environment)
        var extras: [String: Set<String>] = [:]
        for item in items { extras[item.dependency.normalizedName, default: []].formUnion(item.dependency.extras) }
        let parsed: [(String, [RequiresDistEntry])] = items.map { item in
            (item.dependency.normalizedName, item.requiresDist.map(RequiresDistEntry.init))
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

/// One `Requires-Dist` entry: its project name, extras and environment marker, parsed as PEP 508. An entry that
/// does not parse is read lexically (name and extras) and always applies: an extra edge can only refuse more,
/// never install more.
private struct RequiresDistEntry {
    var name: String
    var extras: [String]
    var marker: Marker?

    init(_ text: String) {
        if let requirement = try? Requirement(text) {
            name = requirement.normalizedName
            extras = requirement.extras.map(PackageName.normalize)
            marker = requirement.marker
            return
        }
        let trimmed = text.drop { $0 == " " }
        let head = trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
        name = PackageName.normalize(String(head))
        let rest = trimmed.dropFirst(head.count).drop { $0 == " " }
        extras = []
        marker = nil
        if rest.first == "[", let close = rest.firstIndex(of: "]") {
            extras = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map {
                PackageName.normalize($0.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    /// Whether the entry applies for the target interpreter with `extras` requested. Without marker values for
    /// the target (an empty environment) every edge is kept.
    func applies(_ environment: MarkerEnvironment, extras: Set<String>) -> Bool {
        guard let marker, !environment.values.isEmpty else { return true }
        return marker.evaluate(environment, extras: extras)
    }
}
