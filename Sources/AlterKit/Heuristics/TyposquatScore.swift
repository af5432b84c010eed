import Foundation

/// One look-alike of a name among the targets, described as a person would see it, before scoring.
package struct SquatHit: Sendable, Hashable {
    /// The target's position in the list (0 = most downloaded).
    package var target: Int32
    package var kind: SquatKind
    package var distance: Int
    /// The edits turning the target (or, for a combosquat, the core) into the name, in order; at most two.
    package var edits: [SquatKind] = []
    /// Two edits next to each other: a replaced chunk (`geo`→`bio`) more than two separate slips.
    package var editsTouch = false
    /// Two edits that are one swap of letters apart from each other (`colomara`): a slip, not two changes.
    package var swapped = false
    /// Where the edits fall: a changed first letter reads as another word, a changed middle as a slip.
    package var position = EditPosition.middle
    /// The generic words added to the target (or, with `removedAffixes`, left out of it).
    package var affixes = TyposquatIndex.Affixes()
    package var removedAffixes = false
    /// The length the chance of a collision is judged by: the target's (the shorter name's for look-alikes).
    package var length: Int

    init(target: Int32, kind: SquatKind, distance: Int, length: Int) {
        self.target = target
        self.kind = kind
        self.distance = distance
        self.length = length
    }

    /// An edit hit from the alignment of `candidate` with `target` (one or two edits).
    init(target id: Int32, candidate: [UInt8], target: [UInt8]) {
        let edits = TyposquatIndex.alignment(candidate, target)
        self.target = id
        self.distance = edits.count
        self.edits = edits.map(\.kind)
        self.kind = edits.count == 1 ? edits[0].kind : .editDistance2
        self.editsTouch = edits.count == 2 && edits[1].position - edits[0].position <= 1
        self.length = target.count
        self.position = EditPosition(TyposquatIndex.flat(candidate), TyposquatIndex.flat(target))
        if edits.count == 2 && candidate.count == target.count {
            let differ = candidate.indices.filter { candidate[$0] != target[$0] }
            swapped =
                differ.count == 2 && candidate[differ[0]] == target[differ[1]]
                && candidate[differ[1]] == target[differ[0]]
        }
    }
}

/// Where the edits between two names fall.
package enum EditPosition: Sendable, Hashable {
    /// Within the first two characters.
    case start
    case middle
    /// Within the last two characters.
    case end

    init(_ a: [UInt8], _ b: [UInt8]) {
        let shorter = min(a.count, b.count)
        var prefix = 0
        while prefix < shorter && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < shorter && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        self = prefix <= 1 ? .start : suffix <= 1 ? .end : .middle
    }

    func weight(start: Double, end: Double) -> Double {
        switch self {
        case .start: start
        case .middle: 1
        case .end: end
        }
    }
}

extension TyposquatIndex {
    /// Generic words a squatter glues to a popular name: indexes into `prefixes` and `suffixes` (-1: none).
    package struct Affixes: Sendable, Hashable {
        package var prefix: Int8 = -1
        package var suffix: Int8 = -1

        /// The words, for explanations and the benchmark (`python-`, `-utils`).
        package var words: [String] {
            (prefix >= 0 ? [TyposquatIndex.string(TyposquatIndex.prefixes[Int(prefix)]) + "-"] : [])
                + (suffix >= 0 ? ["-" + TyposquatIndex.string(TyposquatIndex.suffixes[Int(suffix)])] : [])
        }

        /// How generic the added words are: 1 for words that only dress a name up (`python-`, `-utils`, `-sdk`,
        /// `-helper`, `-latest`, `2`), less for words legitimate add-ons are named with (`-cli`, `-tools`, `-plus`).
        var weight: Double {
            guard suffix >= 0 else { return 1 }
            return TyposquatIndex.suffixWeights[Int(suffix)]
        }
    }

    static let prefixes: [[UInt8]] = ["python3", "python2", "python", "pypi", "py3", "py2", "py", "pip", "get"].map {
        Array($0.utf8)
    }
    static let suffixes: [[UInt8]] = [
        "python3", "python", "py3", "py", "library", "libs", "lib", "dev", "utilities", "utility", "utils", "util",
        "helpers", "helper", "latest", "updated", "update", "fixed", "fix", "secure", "stable", "beta", "sdk", "api",
        "toolkit", "tools", "tool", "wrapper", "pkg", "package", "module", "official", "core", "client", "cli", "plus",
        "pro", "new", "ng", "v2", "v3", "3", "2", "x",
    ].map { Array($0.utf8) }
    /// Which bytes end a generic suffix / start a generic prefix: most names end and start with neither.
    static let suffixEnds: [Bool] = (0..<256).map { byte in suffixes.contains { $0.last == UInt8(byte) } }
    static let prefixStarts: [Bool] = (0..<256).map { byte in prefixes.contains { $0.first == UInt8(byte) } }
    static let suffixWeights: [Double] = suffixes.map { word in
        switch TyposquatIndex.string(word) {
        case "toolkit", "tools", "tool", "wrapper", "stable", "beta": 0.7
        case "core", "cli", "plus", "pro", "ng", "x": 0.6
        default: 1
        }
    }

    /// The name with one generic prefix and/or one generic suffix removed (with or without a separator).
    static func cores(_ name: [UInt8]) -> [(core: [UInt8], affixes: Affixes)] {
        guard let last = name.last, let first = name.first, suffixEnds[Int(last)] || prefixStarts[Int(first)] else {
            return []
        }
        var fronts: [(core: ArraySlice<UInt8>, affixes: Affixes)] = [(name[...], Affixes())]
        for (p, prefix) in prefixes.enumerated() where name.count > prefix.count + 1 && name.starts(with: prefix) {
            fronts.append((name[prefix.count...].drop { $0 == dash }, Affixes(prefix: Int8(p))))
        }
        var out: [(core: [UInt8], affixes: Affixes)] = []
        func add(_ core: ArraySlice<UInt8>, _ affixes: Affixes) {
            if !core.isEmpty && !core.elementsEqual(name) && !out.contains(where: { $0.core.elementsEqual(core) }) {
                out.append((Array(core), affixes))
            }
        }
        for front in fronts.dropFirst() { add(front.core, front.affixes) }
        for front in fronts {
            for (s, suffix) in suffixes.enumerated()
            where front.core.count > suffix.count + 1 && front.core.suffix(suffix.count).elementsEqual(suffix) {
                var core = front.core.dropLast(suffix.count)
                while core.last == dash { core.removeLast() }
                add(core, Affixes(prefix: front.affixes.prefix, suffix: Int8(s)))
            }
        }
        return out
    }

    /// 0–1: how likely `hit` is a squat (at or above `threshold` the name is flagged): a product of what a person
    /// would weigh — how typo-like the edit is, whether the name is long enough for one edit to be no accident,
    /// where the edit falls, how popular the target is — divided by 0.8 and capped at 1.
    ///
    /// The factors were fitted on half of the shared malicious list against half of 100,000 random PyPI names and
    /// checked on the other halves (bench/typosquat-accuracy.sh, docs/heuristics.md).
    func score(_ hit: SquatHit) -> Double {
        let raw: Double
        switch hit.kind {
        case .homoglyph:
            raw = 1.0
        case .reorderedWords:
            raw = 0.9 * popularity(hit.target)
        case .combosquat:
            // Generic words on a two- or three-letter name (`uvx`, `idlib`) are chance, but for the top 100 (`pip`).
            guard hit.length >= 4 || (hit.length == 3 && hit.target < 100) else { return 0 }
            var weight = hit.affixes.weight * (hit.removedAffixes ? 0.85 : 1)
            if let edit = hit.edits.first { weight *= 0.8 * Self.weight(edit) * Self.lengthFactor(edit, hit.length) }
            raw = weight * comboPopularity(hit.target)
        case .editDistance2:
            var first = hit.edits[0]
            var second = hit.edits[1]
            if hit.swapped { (first, second) = (.transposition, .transposition) }
            let slips: Set<SquatKind> = [.transposition, .repeatedLetter, .separator]
            let touch = hit.editsTouch && !slips.contains(first) && !slips.contains(second) ? 0.7 : 1
            let long = hit.length <= 9 ? 0.9 : 1
            raw =
                Self.secondEditWeight(first) * Self.secondEditWeight(second) * touch * long
                * hit.position.weight(start: 0.8, end: 0.95) * popularity(hit.target)
        default:
            let chance = !Self.typoKinds.contains(hit.kind)
            raw =
                Self.weight(hit.kind) * Self.lengthFactor(hit.kind, hit.length)
                * (chance ? hit.position.weight(start: 0.8, end: 0.95) : 1) * popularity(hit.target)
        }
        return min(1.0, raw / 0.8)
    }

    /// Slips a hand makes (a swap, a doubled key, a look-alike, a separator): telling even in short names.
    static let typoKinds: Set<SquatKind> = [.transposition, .repeatedLetter, .confusable, .separator, .homoglyph]

    /// How typo-like one edit is.
    static func weight(_ kind: SquatKind) -> Double {
        switch kind {
        case .transposition, .confusable, .separator, .homoglyph: 1.0
        case .repeatedLetter: 1.25
        case .droppedLetter: 1.1
        case .keyboardAdjacent, .insertedLetter: 0.95
        case .substitution: 0.9
        case .editDistance2, .reorderedWords, .combosquat: 0.7
        }
    }

    /// The weight of each of two edits in a distance-2 look-alike: slips 1, dropped letters more (`colrma`), a
    /// plain substitution least.
    static func secondEditWeight(_ kind: SquatKind) -> Double {
        switch kind {
        case .droppedLetter: 1.35
        case .insertedLetter: 0.8
        case .keyboardAdjacent: 0.75
        case .substitution: 0.6
        default: 1.0
        }
    }

    /// Short names collide with other short names by chance: one edit of a 4-letter name means little, unless it
    /// is a slip (`typoKinds`); a letter dropped, added or replaced counts fully only in names of 12 or more.
    static func lengthFactor(_ kind: SquatKind, _ length: Int) -> Double {
        let slips: [Double] = [0.3, 0.55, 0.6, 0.8, 0.9]  // 3…7 characters; 8 or more: 1
        let chance: [Double] = [0.2, 0.3, 0.3, 0.55, 0.55, 0.6, 0.7, 0.8, 0.9]  // 3…11; 12 or more: 1
        let table = typoKinds.contains(kind) ? slips : chance
        return length >= table.count + 3 ? 1 : table[max(length, 3) - 3]
    }

    /// Squatters aim at the top: 1.5 for the top ten, 1.0 at rank 100, 0.7 from rank 5,000 on.
    func popularity(_ id: Int32) -> Double {
        let rank = Double(id) + 1
        if rank <= 100 { return 1 + 0.5 * (1 - log10(max(rank, 10) / 10)) }
        return max(0.7, 1 - 0.3 * log10(rank / 100) / log10(50))
    }

    /// Generic affixes on mid-ranked names are mostly legitimate add-ons: 1.0 for the top 30, 0.5 at rank 1,000.
    func comboPopularity(_ id: Int32) -> Double {
        let rank = Double(id) + 1
        return max(0, min(1, 1 - 0.5 * log10(max(rank, 30) / 30) / log10(1000.0 / 30)))
    }
}
