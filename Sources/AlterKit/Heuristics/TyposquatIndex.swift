import Foundation

/// How a candidate name imitates a popular one.
package enum SquatKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Non-ASCII look-alike characters (Cyrillic `а`, accented letters, full-width forms) folded to a popular name.
    case homoglyph
    /// ASCII look-alikes: `0`/`o`, `1`/`l`/`i`, `rn`/`m`, `vv`/`w`, `5`/`s`.
    case confusable
    /// `-`, `_` or `.` removed, added or moved.
    case separator
    /// Two neighbouring letters swapped (`reqeusts`).
    case transposition
    /// A letter doubled (`requestss`).
    case repeatedLetter = "repeated-letter"
    /// A letter left out (`reqests`).
    case droppedLetter = "dropped-letter"
    /// A letter added that is not a repeat of its neighbour.
    case insertedLetter = "inserted-letter"
    /// A letter replaced by its neighbour on a QWERTY keyboard.
    case keyboardAdjacent = "keyboard-adjacent"
    /// A letter replaced by another.
    case substitution
    /// Two of the edits above in a long name.
    case editDistance2 = "edit-distance-2"
    /// The hyphenated words of a popular name in another order.
    case reorderedWords = "reordered-words"
    /// A popular name with a generic prefix or suffix added or removed (`python-`, `py`, `-lib`, `-utils`, `2` …),
    /// possibly with one more typo in the popular part.
    case combosquat
}

/// The closest popular look-alike found for a name, with how alike it is.
package struct TyposquatMatch: Sendable, Hashable, Codable {
    /// The popular project imitated (PEP 503 normalised).
    package var target: String
    package var kind: SquatKind
    /// Damerau–Levenshtein (optimal string alignment) distance between the normalised names; 0 for combosquats.
    package var distance: Int
    /// 0–1: how likely this is a squat. At or above `TyposquatIndex.threshold` the name is flagged.
    package var score: Double

    package init(target: String, kind: SquatKind, distance: Int, score: Double) {
        self.target = target
        self.kind = kind
        self.distance = distance
        self.score = score
    }
}

/// The answer for one name.
package struct TyposquatVerdict: Sendable, Hashable, Codable {
    /// The name as given.
    package var name: String
    package var normalizedName: String
    /// True when the best match scores at or above the threshold and the name is not popular in its own right.
    package var isSquat: Bool
    /// The best look-alike, also for clean names when one was found (with its low score).
    package var match: TyposquatMatch?
    /// Why a look-alike was not flagged, when that needs saying (the name is popular itself, it is a top name).
    package var note: String?

    package init(name: String, normalizedName: String, isSquat: Bool, match: TyposquatMatch?, note: String?) {
        self.name = name
        self.normalizedName = normalizedName
        self.isSquat = isSquat
        self.match = match
        self.note = note
    }
}

/// One project of the bundled popularity list.
package struct PopularProject: Sendable, Hashable {
    package var name: String
    package var downloads: Int
    package init(name: String, downloads: Int) {
        self.name = name
        self.downloads = downloads
    }
}

/// The typosquat list could not be read.
package enum TyposquatIndexError: AlterKSError, Equatable {
    case unreadable(path: String, message: String)
    case malformed(path: String, line: Int, message: String)

    package var exitStatus: ExitStatus { .usage }
    package var description: String {
        switch self {
        case .unreadable(let path, let message): "cannot read the popular-projects list \(path): \(message)"
        case .malformed(let path, let line, let message): "\(path):\(line): \(message)"
        }
    }
}

/// Finds names that imitate popular PyPI projects, in microseconds per name.
///
/// Built once from the most-downloaded projects (rank order, with download counts). The first `targetCount`
/// names are the targets a squatter would imitate; every listed name keeps its download count so that a
/// candidate that is popular in its own right is not called a squat of a look-alike (`flask-cors` vs `flask`).
/// A query never scans the list: it looks up hash maps keyed by
/// - the name without separators (separator games),
/// - a confusable skeleton (homoglyphs folded, `rn`→`m`, `0`→`o` …, repeated letters collapsed),
/// - the sorted hyphenated words (reordered words),
/// - every deletion of one (two for long names) characters — the symmetric-delete scheme, whose hits are then
///   verified with a real Damerau distance —,
/// - the name with generic affixes stripped (`python-`, `py`, `-lib` …), both ways.
/// Each hit is scored (see `score(kind:…)`) by how typo-like the edit is, the target's length (short names
/// collide by chance) and the target's popularity (squatters aim at the top); the best hit decides.
package final class TyposquatIndex: Sendable {
    /// Scores at or above this flag a name.
    package static let threshold = 0.5
    /// How many of the most-downloaded projects are targets (the rest only lend their popularity).
    package static let defaultTargetCount = 5000
    /// A listed candidate with at least 1/`defaultPopularityRatio` of its look-alike's downloads is not a squat.
    package static let defaultPopularityRatio = 1000.0

    let names: [String]
    let bytes: [[UInt8]]
    let downloads: [Int]
    let position: [String: Int32]
    let targetCount: Int
    let popularityRatio: Double
    /// The longest target name: a candidate more than two characters longer has no near neighbour, and is not
    /// run through the deletion search (whose cost grows with the square of the length).
    let longestTarget: Int
    let flatMap: [String: [Int32]]
    let skeletonMap: [String: [Int32]]
    let wordsMap: [String: [Int32]]
    let coreMap: [String: [Int32]]
    /// The symmetric-delete map as two parallel arrays sorted by key (one allocation each, binary-searched):
    /// building a dictionary of half a million small arrays costs more than the lookups it saves.
    let deleteKeys: [UInt64]
    let deleteIDs: [Int32]
    /// `deleteKeys[bucketStart[b]..<bucketStart[b + 1]]` are the keys whose top `bucketBits` bits are `b`.
    let bucketStart: [Int32]
    static let bucketBits = 18
    /// One bit per low-`filterBits` hash value present: most deletion variants of a query hit nothing, and this
    /// 512 KiB bitmap stays in cache where the key arrays do not, so misses cost no memory round trip.
    let filter: [UInt64]
    static let filterBits = 22

    /// The number of listed projects.
    package var count: Int { names.count }

    /// Builds the index. `projects` in rank order (most downloaded first); names are PEP 503 normalised here.
    package init(
        projects: [PopularProject], targetCount: Int = TyposquatIndex.defaultTargetCount,
        popularityRatio: Double = TyposquatIndex.defaultPopularityRatio
    ) {
        var names: [String] = []
        var downloads: [Int] = []
        var position: [String: Int32] = [:]
        for project in projects {
            let name = PackageName.normalize(project.name)
            guard !name.isEmpty, position[name] == nil else { continue }
            position[name] = Int32(names.count)
            names.append(name)
            downloads.append(project.downloads)
        }
        self.names = names
        self.bytes = names.map { Array($0.utf8) }
        self.downloads = downloads
        self.position = position
        self.targetCount = min(targetCount, names.count)
        self.popularityRatio = popularityRatio
        self.longestTarget = bytes.prefix(self.targetCount).map(\.count).max() ?? 0

        var flatMap: [String: [Int32]] = [:]
        var skeletonMap: [String: [Int32]] = [:]
        var wordsMap: [String: [Int32]] = [:]
        var coreMap: [String: [Int32]] = [:]
        var deletePairs: [(key: UInt64, id: Int32)] = []
        deletePairs.reserveCapacity(self.targetCount * 60)
        for index in 0..<self.targetCount {
            let id = Int32(index)
            let name = bytes[index]
            let flat = Self.flat(name)
            flatMap[Self.string(flat), default: []].append(id)
            skeletonMap[Self.string(Self.skeleton(flat)), default: []].append(id)
            let words = Self.sortedWords(name)
            if let words { wordsMap[words, default: []].append(id) }
            for core in Self.cores(name) where Self.flat(core).count >= 6 {
                let key = Self.string(Self.flat(core))
                if coreMap[key]?.last != id { coreMap[key, default: []].append(id) }
            }
            if name.count >= 3 {
                let start = deletePairs.count
                Self.forEachDeletion(of: name, depth: name.count >= 8 ? 2 : 1) { variant in
                    deletePairs.append((Self.hash(variant), id))
                }
                // One entry per distinct variant of this name.
                var seen = Set<UInt64>(minimumCapacity: deletePairs.count - start)
                var kept = start
                for k in start..<deletePairs.count where seen.insert(deletePairs[k].key).inserted {
                    deletePairs[kept] = deletePairs[k]
                    kept += 1
                }
                deletePairs.removeLast(deletePairs.count - kept)
            }
        }
        self.flatMap = flatMap
        self.skeletonMap = skeletonMap
        self.wordsMap = wordsMap
        self.coreMap = coreMap
        deletePairs.sort { ($0.key, $0.id) < ($1.key, $1.id) }
        self.deleteKeys = deletePairs.map(\.key)
        self.deleteIDs = deletePairs.map(\.id)
        var starts = [Int32](repeating: 0, count: (1 << Self.bucketBits) + 1)
        for pair in deletePairs { starts[Int(pair.key >> UInt64(64 - Self.bucketBits)) + 1] += 1 }
        for b in 0..<(1 << Self.bucketBits) { starts[b + 1] += starts[b] }
        self.bucketStart = starts
        var filter = [UInt64](repeating: 0, count: 1 << (Self.filterBits - 6))
        for pair in deletePairs {
            let bit = Int(pair.key & ((1 << UInt64(Self.filterBits)) - 1))
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.filter = filter
    }

    // MARK: Loading

    /// The list bundled with AlterKS (`Resources/top-pypi-packages.tsv`), built once per process: the index is
    /// immutable, so every command run in this process (and every test) shares it instead of building it again.
    package static func bundled() throws -> TyposquatIndex { try bundledIndex.get() }

    private static let bundledIndex = Result<TyposquatIndex, any Error> { try loadBundled() }

    private static func loadBundled() throws -> TyposquatIndex {
        guard
            let url = Bundle.module.url(
                forResource: "top-pypi-packages", withExtension: "tsv", subdirectory: "Resources")
        else {
            throw TyposquatIndexError.unreadable(path: "Resources/top-pypi-packages.tsv", message: "not in the bundle")
        }
        return try load(contentsOf: url)
    }

    /// Loads a list: the bundled TSV (`name<TAB>downloads`, `#` comments) or hugovk/top-pypi-packages' JSON
    /// (`{"rows": [{"project": …, "download_count": …}]}`), as `alterks db update` may refresh it.
    package static func load(
        contentsOf url: URL, targetCount: Int = defaultTargetCount, popularityRatio: Double = defaultPopularityRatio
    ) throws -> TyposquatIndex {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TyposquatIndexError.unreadable(path: url.path, message: error.localizedDescription)
        }
        let projects = try parse(data, path: url.path)
        return TyposquatIndex(projects: projects, targetCount: targetCount, popularityRatio: popularityRatio)
    }

    /// Parses either format (see `load`). Throws on an empty list: an empty index would call every name clean.
    package static func parse(_ data: Data, path: String) throws -> [PopularProject] {
        var projects: [PopularProject] = []
        if data.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let rows = object["rows"] as? [[String: Any]]
            else {
                throw TyposquatIndexError.malformed(path: path, line: 1, message: "expected an object with \"rows\"")
            }
            for (i, row) in rows.enumerated() {
                guard let name = row["project"] as? String, let count = (row["download_count"] as? NSNumber)?.intValue
                else {
                    throw TyposquatIndexError.malformed(
                        path: path, line: 1, message: "row \(i + 1): expected \"project\" and \"download_count\"")
                }
                projects.append(PopularProject(name: name, downloads: count))
            }
        } else {
            guard let text = String(data: data, encoding: .utf8) else {
                throw TyposquatIndexError.malformed(path: path, line: 1, message: "not UTF-8")
            }
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                let fields = trimmed.split(separator: "\t")
                guard fields.count == 2, let count = Int(fields[1]), count >= 0, PackageName.isValid(String(fields[0]))
                else {
                    throw TyposquatIndexError.malformed(path: path, line: i + 1, message: "expected NAME<TAB>DOWNLOADS")
                }
                projects.append(PopularProject(name: String(fields[0]), downloads: count))
            }
        }
        guard !projects.isEmpty else {
            throw TyposquatIndexError.malformed(path: path, line: 1, message: "no projects")
        }
        return projects
    }

    // MARK: Queries

    /// The download count of a listed project, nil when it is not in the list.
    package func downloads(of name: String) -> Int? {
        position[PackageName.normalize(name)].map { downloads[Int($0)] }
    }

    /// The 1-based download rank of a listed project, nil when it is not in the list.
    package func rank(of name: String) -> Int? {
        position[PackageName.normalize(name)].map { Int($0) + 1 }
    }

    /// Checks one name. `ownPopularity: false` ignores the name's own place in the list (as if it were unknown):
    /// how the benchmark measures the rules alone on popular names.
    package func check(_ name: String, ownPopularity: Bool = true) -> TyposquatVerdict {
        let normalized = PackageName.normalize(name)
        var verdict = TyposquatVerdict(name: name, normalizedName: normalized, isSquat: false, match: nil, note: nil)
        if ownPopularity, let own = position[normalized], Int(own) < targetCount {
            verdict.note = "a top-\(targetCount) project itself (rank \(own + 1))"
            return verdict
        }
        guard let best = bestMatch(normalized) else { return verdict }
        verdict.match = best
        guard best.score >= Self.threshold else { return verdict }
        if ownPopularity, let own = position[normalized], let target = position[best.target],
            Double(downloads[Int(own)]) * popularityRatio >= Double(downloads[Int(target)])
        {
            verdict.note =
                "popular in its own right (\(downloads[Int(own)]) downloads vs \(downloads[Int(target)]) for \(best.target))"
            return verdict
        }
        verdict.isSquat = true
        return verdict
    }

    private func bestMatch(_ normalized: String) -> TyposquatMatch? {
        var best: TyposquatMatch?
        var candidate = Array(normalized.utf8)
        let self_ = position[normalized]
        func consider(_ id: Int32, _ kind: SquatKind, _ distance: Int, _ raw: Double) {
            if id == self_ { return }
            let score = min(1.0, raw / 0.8)
            if best == nil || score > best!.score {
                best = TyposquatMatch(target: names[Int(id)], kind: kind, distance: distance, score: score)
            }
        }

        let isASCII = candidate.allSatisfy { $0 < 0x80 }
        if !isASCII {
            // PyPI names are ASCII: a non-ASCII name is only ever a look-alike of an ASCII one.
            guard let folded = Self.foldHomoglyphs(normalized) else { return nil }
            let flat = Self.flat(folded)
            for id in flatMap[Self.string(flat)] ?? [] { consider(id, .homoglyph, 1, 1.0) }
            for id in skeletonMap[Self.string(Self.skeleton(flat))] ?? [] { consider(id, .homoglyph, 1, 1.0) }
            candidate = folded
            if best != nil { return best }
        }

        let flat = Self.flat(candidate)
        for id in flatMap[Self.string(flat)] ?? [] where bytes[Int(id)] != candidate {
            consider(id, .separator, 1, Self.weight(.separator) * lengthFactor(id, bonus: 2) * popularity(id))
        }
        for id in skeletonMap[Self.string(Self.skeleton(flat))] ?? [] {
            let targetFlat = Self.flat(bytes[Int(id)])
            // `a` is not a look-alike of `aaaaaaaaa`: a skeleton match changes a few letters at most.
            guard targetFlat != flat, abs(targetFlat.count - flat.count) <= 2 else { continue }
            let kind: SquatKind = Self.collapse(targetFlat) == Self.collapse(flat) ? .repeatedLetter : .confusable
            let length = lengthFactor(min(flat.count, targetFlat.count) + 2)
            consider(id, kind, 1, Self.weight(.confusable) * length * popularity(id))
        }
        if let words = Self.sortedWords(candidate) {
            for id in wordsMap[words] ?? [] where bytes[Int(id)] != candidate {
                consider(id, .reorderedWords, 1, 0.9 * popularity(id))
            }
        }

        var seenTargets = Set<Int32>()
        let depth = candidate.count > longestTarget + 2 ? -1 : candidate.count >= 6 ? 2 : 1
        Self.forEachDeletion(of: candidate, depth: depth) { variant in
            for id in targets(sharing: Self.hash(variant)) where seenTargets.insert(id).inserted {
                let target = bytes[Int(id)]
                let distance = Self.osaDistance(candidate, target, limit: 2)
                if distance == 1 {
                    let op = Self.editOperations(candidate, target)[0]
                    let bonus = (op == .confusable || op == .separator) ? 2 : 0
                    consider(id, op, 1, Self.weight(op) * lengthFactor(id, bonus: bonus) * popularity(id))
                } else if distance == 2, target.count >= 8 {
                    let ops = Self.editOperations(candidate, target)
                    let long: Double = target.count == 8 ? 0.8 : target.count == 9 ? 0.9 : 1.0
                    consider(
                        id, .editDistance2, 2,
                        Self.weight(ops[0]) * Self.weight(ops[ops.count > 1 ? 1 : 0]) * long * popularity(id))
                }
            }
        }

        for core in Self.cores(candidate) {
            let coreFlat = Self.string(Self.flat(core))
            for id in flatMap[coreFlat] ?? [] { consider(id, .combosquat, 0, 0.95 * comboPopularity(id)) }
            for id in coreMap[coreFlat] ?? [] { consider(id, .combosquat, 0, 0.95 * comboPopularity(id)) }
            if core.count >= 4 && core.count <= longestTarget + 1 {
                var seen = Set<Int32>()
                Self.forEachDeletion(of: core, depth: 1) { variant in
                    for id in targets(sharing: Self.hash(variant)) where seen.insert(id).inserted {
                        let target = bytes[Int(id)]
                        guard Self.osaDistance(core, target, limit: 1) == 1 else { continue }
                        let op = Self.editOperations(core, target)[0]
                        consider(
                            id, .combosquat, 1,
                            0.9 * Self.weight(op) * lengthFactor(id, bonus: 0) * comboPopularity(id))
                    }
                }
            }
        }
        if flat.count >= 6 {
            for id in coreMap[Self.string(flat)] ?? [] { consider(id, .combosquat, 0, 0.95 * comboPopularity(id)) }
        }
        return best
    }

    /// The targets one of whose deletion variants hashes to `key`.
    private func targets(sharing key: UInt64) -> ArraySlice<Int32> {
        let bit = Int(key & ((1 << UInt64(Self.filterBits)) - 1))
        if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return [] }
        let bucket = Int(key >> UInt64(64 - Self.bucketBits))
        var low = Int(bucketStart[bucket])
        let high = Int(bucketStart[bucket + 1])
        while low < high && deleteKeys[low] < key { low += 1 }
        var end = low
        while end < high && deleteKeys[end] == key { end += 1 }
        return deleteIDs[low..<end]
    }

    // MARK: Scoring

    /// How typo-like one edit is.
    static func weight(_ kind: SquatKind) -> Double {
        switch kind {
        case .transposition, .confusable, .separator, .homoglyph: 1.0
        case .repeatedLetter: 0.95
        case .droppedLetter, .keyboardAdjacent: 0.9
        case .insertedLetter: 0.75
        case .substitution: 0.7
        case .editDistance2, .reorderedWords, .combosquat: 0.7
        }
    }

    /// Short names collide with other short names by chance: one edit of a 4-letter name means little.
    private func lengthFactor(_ id: Int32, bonus: Int) -> Double { lengthFactor(bytes[Int(id)].count + bonus) }

    private func lengthFactor(_ length: Int) -> Double {
        switch length {
        case ...1: 0.2
        case 2: 0.25
        case 3: 0.3
        case 4: 0.5
        case 5: 0.65
        case 6: 0.8
        case 7: 0.9
        default: 1.0
        }
    }

    /// Squatters aim at the top: 1.5 for the top ten, 1.0 at rank 100, 0.7 from rank 5,000 on.
    private func popularity(_ id: Int32) -> Double {
        let rank = Double(id) + 1
        if rank <= 100 { return 1 + 0.5 * (1 - log10(max(rank, 10) / 10)) }
        return max(0.7, 1 - 0.3 * log10(rank / 100) / log10(50))
    }

    /// Generic affixes on mid-ranked names are mostly legitimate add-ons: 1.0 for the top 30, 0.5 at rank 1,000.
    private func comboPopularity(_ id: Int32) -> Double {
        let rank = Double(id) + 1
        return max(0, min(1, 1 - 0.5 * log10(max(rank, 30) / 30) / log10(1000.0 / 30)))
    }

    // MARK: Name forms

    static let prefixes: [[UInt8]] = ["python3", "python2", "python", "pypi", "py3", "py2", "py"].map { Array($0.utf8) }
    static let suffixes: [[UInt8]] = [
        "python3", "python", "py3", "py", "library", "libs", "lib", "dev", "utils", "util", "sdk", "api", "tools",
        "tool", "pkg", "package", "module", "official", "core", "client", "cli", "plus", "pro", "new", "ng", "v2", "v3",
        "3", "2", "x",
    ].map { Array($0.utf8) }

    /// The name with one generic prefix and/or one generic suffix removed (with or without a separator).
    static func cores(_ name: [UInt8]) -> [[UInt8]] {
        let dash = UInt8(ascii: "-")
        var fronts: [[UInt8]] = [name]
        for prefix in prefixes where name.count > prefix.count + 1 && name.starts(with: prefix) {
            fronts.append(Array(name[prefix.count...].drop { $0 == dash }))
        }
        var out: [[UInt8]] = []
        func add(_ core: [UInt8]) {
            if !core.isEmpty && core != name && !out.contains(core) { out.append(core) }
        }
        for front in fronts.dropFirst() { add(front) }
        for front in fronts {
            for suffix in suffixes
            where front.count > suffix.count + 1 && front.suffix(suffix.count).elementsEqual(suffix) {
                var core = Array(front.dropLast(suffix.count))
                while core.last == dash { core.removeLast() }
                add(core)
            }
        }
        return out
    }

    static func flat(_ name: [UInt8]) -> [UInt8] { name.filter { $0 != UInt8(ascii: "-") } }

    static func collapse(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for c in s where out.last != c { out.append(c) }
        return out
    }

    /// ASCII confusables folded (`rn`→`m`, `vv`→`w`, `0`→`o`, `1`/`i`→`l`, `5`→`s`), then repeats collapsed.
    static func skeleton(_ flat: [UInt8]) -> [UInt8] {
        var s: [UInt8] = []
        s.reserveCapacity(flat.count)
        var i = 0
        while i < flat.count {
            let c = flat[i]
            let next = i + 1 < flat.count ? flat[i + 1] : 0
            if c == UInt8(ascii: "r") && next == UInt8(ascii: "n") {
                s.append(UInt8(ascii: "m"))
                i += 2
                continue
            }
            if c == UInt8(ascii: "v") && next == UInt8(ascii: "v") {
                s.append(UInt8(ascii: "w"))
                i += 2
                continue
            }
            s.append(c)
            i += 1
        }
        for j in s.indices {
            switch s[j] {
            case UInt8(ascii: "0"): s[j] = UInt8(ascii: "o")
            case UInt8(ascii: "1"), UInt8(ascii: "i"): s[j] = UInt8(ascii: "l")
            case UInt8(ascii: "5"): s[j] = UInt8(ascii: "s")
            default: break
            }
        }
        return collapse(s)
    }

    static let homoglyphs: [Unicode.Scalar: Character] = [
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ɡ": "g", "ӏ": "l", "ο": "o", "α": "a", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "ɩ": "i",
        "ı": "i", "ℓ": "l", "ԛ": "q", "ԝ": "w", "һ": "h", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
    ]

    /// NFKD (full-width forms, ligatures), combining marks dropped, Cyrillic/Greek look-alikes mapped to ASCII.
    /// Nil when something non-ASCII is left: then it imitates nothing we can name.
    static func foldHomoglyphs(_ name: String) -> [UInt8]? {
        var out = ""
        for scalar in name.decomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if let ascii = homoglyphs[scalar] { out.append(ascii) } else { out.unicodeScalars.append(scalar) }
        }
        let folded = Array(PackageName.normalize(out).utf8)
        return folded.allSatisfy { $0 < 0x80 } ? folded : nil
    }

    /// The hyphenated words sorted, when there are at least two.
    static func sortedWords(_ name: [UInt8]) -> String? {
        let words = name.split(separator: UInt8(ascii: "-")).map { String(decoding: $0, as: UTF8.self) }
        return words.count >= 2 ? words.sorted().joined(separator: "-") : nil
    }

    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// FNV-1a, 64 bits, finalised. Collisions are harmless: every delete-map hit is verified by a real distance.
    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x100_0000_01b3
        }
        // MurmurHash3's finaliser: FNV leaves the top bits (the bucket) poorly mixed for short strings.
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// Calls `body` with the word itself and every variant with up to `depth` characters deleted
    /// (duplicates possible; callers dedupe). A negative depth calls nothing.
    static func forEachDeletion(of word: [UInt8], depth: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard depth >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: word.count)
        word.withUnsafeBufferPointer { body($0) }
        guard depth >= 1, word.count >= 1 else { return }
        buffer.withUnsafeMutableBufferPointer { out in
            for i in 0..<word.count {
                var k = 0
                for j in 0..<word.count where j != i {
                    out[k] = word[j]
                    k += 1
                }
                body(UnsafeBufferPointer(rebasing: out[0..<(word.count - 1)]))
                guard depth >= 2, word.count >= 2 else { continue }
                var inner = [UInt8](repeating: 0, count: word.count - 2)
                // Second deletions at positions after i only: each pair once.
                for i2 in i..<(word.count - 1) {
                    var m = 0
                    for j in 0..<(word.count - 1) where j != i2 {
                        inner[m] = out[j]
                        m += 1
                    }
                    inner.withUnsafeBufferPointer { body($0) }
                }
            }
        }
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBufferPointer { hash($0) } }

    /// Optimal-string-alignment Damerau distance (a swap of neighbours is one edit); `limit + 1` once it is
    /// certainly above `limit`.
    static func osaDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        let n = a.count
        let m = b.count
        if abs(n - m) > limit { return limit + 1 }
        if n == 0 || m == 0 { return max(n, m) }
        var prev2 = [Int](repeating: 0, count: m + 1)
        var prev = Array(0...m)
        var cur = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            cur[0] = i
            var rowMin = i
            for j in 1...m {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { d = min(d, prev2[j - 2] + 1) }
                cur[j] = d
                rowMin = min(rowMin, d)
            }
            if rowMin > limit { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[m]
    }

    static let keyboardRows: [[UInt8]] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"].map { Array($0.utf8) }

    /// Whether two keys touch on a QWERTY keyboard (same row neighbours, and the three keys above and below).
    static func adjacentKeys(_ a: UInt8, _ b: UInt8) -> Bool {
        for (r, row) in keyboardRows.enumerated() {
            guard let c = row.firstIndex(of: a) else { continue }
            for dr in -1...1 {
                let rr = r + dr
                guard rr >= 0 && rr < keyboardRows.count else { continue }
                for dc in -1...1 where !(dr == 0 && dc == 0) {
                    let cc = c + dc
                    if cc >= 0 && cc < keyboardRows[rr].count && keyboardRows[rr][cc] == b { return true }
                }
            }
        }
        return false
    }

    static let confusablePairs: Set<[UInt8]> = Set(
        [("0", "o"), ("1", "l"), ("1", "i"), ("l", "i"), ("5", "s"), ("q", "g"), ("u", "v")].flatMap {
            let a = UInt8(ascii: Unicode.Scalar($0.0)!)
            let b = UInt8(ascii: Unicode.Scalar($0.1)!)
            return [[a, b], [b, a]]
        })

    /// The edits turning `target` into `candidate` along one optimal alignment, in order.
    static func editOperations(_ a: [UInt8], _ b: [UInt8]) -> [SquatKind] {
        let n = a.count
        let m = b.count
        var d = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { d[i][0] = i }
        for j in 0...m { d[0][j] = j }
        if n > 0 && m > 0 {
            for i in 1...n {
                for j in 1...m {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                    }
                }
            }
        }
        let dash = UInt8(ascii: "-")
        var ops: [SquatKind] = []
        var i = n
        var j = m
        while i > 0 || j > 0 {
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] && d[i][j] == d[i - 1][j - 1] {
                i -= 1
                j -= 1
            } else if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i][j] == d[i - 2][j - 2] + 1 {
                ops.append(.transposition)
                i -= 2
                j -= 2
            } else if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + 1 {
                let x = a[i - 1]
                let y = b[j - 1]
                if confusablePairs.contains([x, y]) {
                    ops.append(.confusable)
                } else if adjacentKeys(y, x) {
                    ops.append(.keyboardAdjacent)
                } else {
                    ops.append(.substitution)
                }
                i -= 1
                j -= 1
            } else if i > 0 && d[i][j] == d[i - 1][j] + 1 {
                let ch = a[i - 1]
                if ch == dash {
                    ops.append(.separator)
                } else if (i > 1 && a[i - 2] == ch) || (i < n && a[i] == ch) {
                    ops.append(.repeatedLetter)
                } else {
                    ops.append(.insertedLetter)
                }
                i -= 1
            } else {
                ops.append(b[j - 1] == dash ? .separator : .droppedLetter)
                j -= 1
            }
        }
        return ops.isEmpty ? [.substitution] : ops.reversed()
    }
}
