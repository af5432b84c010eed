import Foundation

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

/// One `Requires-Dist` entry: its project name and extras, read lexically. Environment markers are not evaluated
/// here yet (the PEP 508 marker evaluator is a stub in this build): every edge is kept, which can only refuse more,
/// never install more.
private struct ParsedRequirement {
    var name: String
    var extras: [String]

    init(_ text: String) {
        let trimmed = text.drop { $0 == " " }
        let head = trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
        name = PackageName.normalize(String(head))
        var rest = trimmed.dropFirst(head.count).drop { $0 == " " }
        extras = []
        if rest.first == "[", let close = rest.firstIndex(of: "]") {
            extras = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map {
                PackageName.normalize($0.trimmingCharacters(in: .whitespaces))
            }
            rest = rest[rest.index(after: close)...]
        }
    }

    func applies(_ environment: MarkerEnvironment, extras: Set<String>) -> Bool {
        _ = environment
        _ = extras
        return true
    }
}
