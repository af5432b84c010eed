import Foundation
import PythonPackaging

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

/// Finds names that imitate popular PyPI projects with a few hash lookups per name.
///
/// Built once from the most-downloaded projects (rank order, with download counts). The first `targetCount`
/// names are the targets a squatter would imitate; every listed name keeps its download count so that a
/// candidate that is popular in its own right is not called a squat of a look-alike (`flask-cors` vs `flask`).
/// A query never scans the list: it hashes a few forms of the name and looks them up in two precomputed tables
/// (`HashedPostings`) of the targets:
/// - `forms`: each target's name without separators, its confusable skeleton (homoglyphs folded, `rn`→`m`, `0`→`o`
///   …, repeated letters collapsed), its sorted hyphenated words, and its cores (the name without a generic
///   prefix/suffix, `python-dateutil` → `dateutil`);
/// - `deletions`: every deletion of one (two for names of eight or more) characters of each target — the
///   symmetric-delete (SymSpell) neighbourhood, whose hits are verified with a real Damerau distance.
/// The query's own forms (and its cores with `python-`, `-utils`, `-helper` … stripped) are looked up the same
/// way. Each hit is described as a person would see it (`SquatHit`: which edits, where, which generic words)
/// and scored by `TyposquatIndex.score(_:)`; the best hit decides.
package final class TyposquatIndex: Sendable {
    /// Scores at or above this flag a name.
    package static let threshold = 0.5
    /// How many of the most-downloaded projects are targets (the rest only lend their popularity).
    package static let defaultTargetCount = 5000
    /// A listed candidate with at least 1/`defaultPopularityRatio` of its look-alike's downloads is not a squat.
    package static let defaultPopularityRatio = 1000.0

    let names: [String]
    let bytes: [[UInt8]]
    let flats: [[UInt8]]
    let downloads: [Int]
    let targetCount: Int
    let popularityRatio: Double
    /// The longest target name: a candidate more than two characters longer has no near neighbour, and is not
    /// run through the deletion search (whose cost grows with the square of the length).
    let longestTarget: Int
    /// Every listed name (seed `Form.listed`) and the targets' forms (the other seeds).
    let forms: HashedPostings
    /// The targets' deletion neighbourhoods.
    let deletions: HashedPostings

    /// Seeds of the hashed forms in `forms`.
    enum Form: UInt64 {
        case listed = 0x11, flat = 0x22, skeleton = 0x33, words = 0x44, core = 0x55
    }

    /// The number of listed projects.
    package var count: Int { names.count }

    /// Builds the index. `projects` in rank order (most downloaded first); names are PEP 503 normalised here.
    package init(
        projects: [PopularProject], targetCount: Int = TyposquatIndex.defaultTargetCount,
        popularityRatio: Double = TyposquatIndex.defaultPopularityRatio
    ) {
        var names: [String] = []
        var bytes: [[UInt8]] = []
        var downloads: [Int] = []
        var seen = Set<[UInt8]>(minimumCapacity: projects.count)
        for project in projects {
            let name = Self.normalizedASCII(project.name) ?? Array(PackageName.normalize(project.name).utf8)
            guard !name.isEmpty, seen.insert(name).inserted else { continue }
            names.append(Self.string(name))
            bytes.append(name)
            downloads.append(project.downloads)
        }
        self.names = names
        self.bytes = bytes
        self.flats = bytes.map(Self.flat)
        self.downloads = downloads
        self.targetCount = min(targetCount, names.count)
        self.popularityRatio = popularityRatio
        self.longestTarget = bytes.prefix(self.targetCount).map(\.count).max() ?? 0

        var formPairs: [(key: UInt64, id: Int32)] = []
        formPairs.reserveCapacity(names.count + self.targetCount * 5)
        for (index, name) in bytes.enumerated() {
            formPairs.append((Self.hash(name, seed: Form.listed.rawValue), Int32(index)))
        }
        var deletionPairs: [(key: UInt64, id: Int32)] = []
        deletionPairs.reserveCapacity(self.targetCount * 60)
        for index in 0..<self.targetCount {
            let id = Int32(index)
            let name = bytes[index]
            let flat = flats[index]
            formPairs.append((Self.hash(flat, seed: Form.flat.rawValue), id))
            formPairs.append((Self.hash(Self.skeleton(flat), seed: Form.skeleton.rawValue), id))
            if let words = Self.sortedWords(name) {
                formPairs.append((Self.hash(words, seed: Form.words.rawValue), id))
            }
            for core in Self.cores(name) where Self.flat(core.core).count >= 6 {
                formPairs.append((Self.hash(Self.flat(core.core), seed: Form.core.rawValue), id))
            }
            if name.count >= 3 {
                Self.forEachDeletionHash(of: name, depth: name.count >= 8 ? 2 : 1) { deletionPairs.append(($0, id)) }
            }
        }
        self.forms = HashedPostings(formPairs, bucketBits: 16, filterBits: 18)
        self.deletions = HashedPostings(deletionPairs, bucketBits: 18, filterBits: 22)
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
            var line = 0
            for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                line += 1
                let trimmed = raw.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                    .reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }.reversed()
                if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") { continue }
                let fields = trimmed.split(separator: 0x09)
                guard fields.count == 2, let text = String(validating: fields[1], as: UTF8.self),
                    let count = Int(text), count >= 0, let name = String(validating: fields[0], as: UTF8.self),
                    PackageName.isValid(name)
                else {
                    throw TyposquatIndexError.malformed(path: path, line: line, message: "expected NAME<TAB>DOWNLOADS")
                }
                projects.append(PopularProject(name: name, downloads: count))
            }
        }
        guard !projects.isEmpty else {
            throw TyposquatIndexError.malformed(path: path, line: 1, message: "no projects")
        }
        return projects
    }

    // MARK: Queries

    /// The position of a listed name (normalised bytes), nil when it is not listed.
    func position(of name: [UInt8]) -> Int32? {
        forms.ids(for: Self.hash(name, seed: Form.listed.rawValue)).first { bytes[Int($0)] == name }
    }

    func position(of name: String) -> Int32? {
        position(of: Self.normalizedASCII(name) ?? Array(PackageName.normalize(name).utf8))
    }

    /// The download count of a listed project, nil when it is not in the list.
    package func downloads(of name: String) -> Int? { position(of: name).map { downloads[Int($0)] } }

    /// The 1-based download rank of a listed project, nil when it is not in the list.
    package func rank(of name: String) -> Int? { position(of: name).map { Int($0) + 1 } }

    /// Checks one name. `ownPopularity: false` ignores the name's own place in the list (as if it were unknown):
    /// how the benchmark measures the rules alone on popular names.
    package func check(_ name: String, ownPopularity: Bool = true) -> TyposquatVerdict {
        let candidate = Self.normalizedASCII(name) ?? Array(PackageName.normalize(name).utf8)
        let normalized = Self.string(candidate)
        var verdict = TyposquatVerdict(name: name, normalizedName: normalized, isSquat: false, match: nil, note: nil)
        let own = position(of: candidate)
        if ownPopularity, let own, Int(own) < targetCount {
            verdict.note = "a top-\(targetCount) project itself (rank \(own + 1))"
            return verdict
        }
        var best: (hit: SquatHit, score: Double)?
        forEachHit(candidate, own: own) { hit in
            let score = self.score(hit)
            if best == nil || score > best!.score { best = (hit, score) }
        }
        guard let best else { return verdict }
        let target = Int(best.hit.target)
        verdict.match = TyposquatMatch(
            target: names[target], kind: best.hit.kind, distance: best.hit.distance, score: best.score)
        guard best.score >= Self.threshold else { return verdict }
        if ownPopularity, let own, Double(downloads[Int(own)]) * popularityRatio >= Double(downloads[target]) {
            verdict.note =
                "popular in its own right (\(downloads[Int(own)]) downloads vs \(downloads[target]) for \(names[target]))"
            return verdict
        }
        verdict.isSquat = true
        return verdict
    }

    /// Calls `body` with every look-alike of `candidate` (normalised bytes) among the targets; `own` is the
    /// candidate's own position in the list, never its own look-alike.
    func forEachHit(_ candidate: [UInt8], own: Int32?, _ body: (SquatHit) -> Void) {
        var candidate = candidate
        func emit(_ hit: SquatHit) { if hit.target != own { body(hit) } }
        if !candidate.allSatisfy({ $0 < 0x80 }) {
            // PyPI names are ASCII: a non-ASCII name is only ever a look-alike of an ASCII one.
            guard let folded = Self.foldHomoglyphs(Self.string(candidate)) else { return }
            let foldedFlat = Self.flat(folded)
            let skeleton = Self.skeleton(foldedFlat)
            var found: [Int32] = []
            for id in forms.ids(for: Self.hash(foldedFlat, seed: Form.flat.rawValue)) where flats[Int(id)] == foldedFlat
            {
                found.append(id)
            }
            for id in forms.ids(for: Self.hash(skeleton, seed: Form.skeleton.rawValue))
            where !found.contains(id) && Self.skeleton(flats[Int(id)]) == skeleton {
                found.append(id)
            }
            for id in found { emit(SquatHit(target: id, kind: .homoglyph, distance: 1, length: bytes[Int(id)].count)) }
            if !found.isEmpty { return }
            candidate = folded
        }
        let flat = Self.flat(candidate)
        for id in forms.ids(for: Self.hash(flat, seed: Form.flat.rawValue))
        where flats[Int(id)] == flat && bytes[Int(id)] != candidate {
            emit(SquatHit(target: id, kind: .separator, distance: 1, length: bytes[Int(id)].count))
        }
        let skeleton = Self.skeleton(flat)
        for id in forms.ids(for: Self.hash(skeleton, seed: Form.skeleton.rawValue)) {
            let targetFlat = flats[Int(id)]
            // `a` is not a look-alike of `aaaaaaaaa`: a skeleton match changes a few letters at most.
            guard targetFlat != flat, abs(targetFlat.count - flat.count) <= 2, Self.skeleton(targetFlat) == skeleton
            else { continue }
            let kind: SquatKind = Self.collapse(targetFlat) == Self.collapse(flat) ? .repeatedLetter : .confusable
            emit(SquatHit(target: id, kind: kind, distance: 1, length: min(flat.count, targetFlat.count)))
        }
        if let words = Self.sortedWords(candidate) {
            for id in forms.ids(for: Self.hash(words, seed: Form.words.rawValue))
            where bytes[Int(id)] != candidate && Self.sortedWords(bytes[Int(id)]) == words {
                emit(SquatHit(target: id, kind: .reorderedWords, distance: 1, length: bytes[Int(id)].count))
            }
        }
        let depth = candidate.count > longestTarget + 2 ? -1 : candidate.count >= 6 ? 2 : 1
        var seen: [Int32] = []
        deletions.forEachID(sharingADeletionWith: candidate, depth: depth) { id in
            guard !seen.contains(id) else { return }
            seen.append(id)
            let target = bytes[Int(id)]
            let distance = Self.osaDistance(candidate, target, limit: 2)
            guard distance == 1 || (distance == 2 && target.count >= 8) else { return }
            emit(SquatHit(target: id, candidate: candidate, target: target))
        }
        for core in Self.cores(candidate) {
            let coreFlat = Self.flat(core.core)
            for id in exactForms(of: coreFlat) {
                var hit = SquatHit(target: id, kind: .combosquat, distance: 0, length: bytes[Int(id)].count)
                hit.affixes = core.affixes
                emit(hit)
            }
            guard core.core.count >= 4 && core.core.count <= longestTarget + 1 else { continue }
            var seenCore: [Int32] = []
            deletions.forEachID(sharingADeletionWith: core.core, depth: 1) { id in
                guard !seenCore.contains(id) else { return }
                seenCore.append(id)
                let target = bytes[Int(id)]
                guard Self.osaDistance(core.core, target, limit: 1) == 1 else { return }
                var hit = SquatHit(target: id, candidate: core.core, target: target)
                hit.kind = .combosquat
                hit.affixes = core.affixes
                emit(hit)
            }
        }
        if flat.count >= 6 {
            // The candidate is a target without its generic words (`dateutil` for python-dateutil).
            for id in forms.ids(for: Self.hash(flat, seed: Form.core.rawValue)) {
                guard let removed = Self.cores(bytes[Int(id)]).first(where: { Self.flat($0.core) == flat }) else {
                    continue
                }
                var hit = SquatHit(target: id, kind: .combosquat, distance: 0, length: bytes[Int(id)].count)
                hit.affixes = removed.affixes
                hit.removedAffixes = true
                emit(hit)
            }
        }
    }

    /// Targets whose name without separators is `flat`, or whose core (generic words stripped) is.
    private func exactForms(of flat: [UInt8]) -> [Int32] {
        var out: [Int32] = []
        for id in forms.ids(for: Self.hash(flat, seed: Form.flat.rawValue)) where flats[Int(id)] == flat {
            out.append(id)
        }
        if flat.count >= 6 {
            for id in forms.ids(for: Self.hash(flat, seed: Form.core.rawValue))
            where !out.contains(id) && Self.cores(bytes[Int(id)]).contains(where: { Self.flat($0.core) == flat }) {
                out.append(id)
            }
        }
        return out
    }
}

/// A multimap from 64-bit keys to target positions as parallel arrays sorted by key (one allocation each):
/// building a dictionary of half a million small arrays costs more than the lookups it saves.
/// `keys[bucketStart[b]..<bucketStart[b + 1]]` are the keys whose top `bucketBits` bits are `b`; a bitmap of the
/// low `filterBits` bits of every key comes first, so that most misses cost no memory round trip.
struct HashedPostings: Sendable {
    let keys: [UInt64]
    let ids: [Int32]
    let bucketStart: [Int32]
    let bucketBits: Int
    let filter: [UInt64]
    let filterBits: Int

    /// Duplicate (key, id) pairs are kept once. Linear: pairs are scattered to their buckets (a counting sort on
    /// the top bits), then each bucket — a handful of keys — is sorted in place.
    init(_ pairs: [(key: UInt64, id: Int32)], bucketBits: Int, filterBits: Int) {
        let buckets = 1 << bucketBits
        let shift = UInt64(64 - bucketBits)
        var starts = [Int32](repeating: 0, count: buckets + 1)
        for pair in pairs { starts[Int(pair.key >> shift) + 1] += 1 }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
        var keys = [UInt64](repeating: 0, count: pairs.count)
        var ids = [Int32](repeating: 0, count: pairs.count)
        var next = starts
        for pair in pairs {
            let b = Int(pair.key >> shift)
            let at = Int(next[b])
            keys[at] = pair.key
            ids[at] = pair.id
            next[b] += 1
        }
        var kept = 0
        keys.withUnsafeMutableBufferPointer { keys in
            ids.withUnsafeMutableBufferPointer { ids in
                starts.withUnsafeMutableBufferPointer { starts in
                    for b in 0..<buckets {
                        let low = Int(starts[b])
                        let high = Int(starts[b + 1])
                        starts[b] = Int32(kept)
                        guard low < high else { continue }
                        for i in (low + 1)..<high {
                            let key = keys[i]
                            let id = ids[i]
                            var j = i
                            while j > low && (keys[j - 1] > key || (keys[j - 1] == key && ids[j - 1] > id)) {
                                keys[j] = keys[j - 1]
                                ids[j] = ids[j - 1]
                                j -= 1
                            }
                            keys[j] = key
                            ids[j] = id
                        }
                        let first = kept
                        for i in low..<high where kept == first || keys[kept - 1] != keys[i] || ids[kept - 1] != ids[i]
                        {
                            keys[kept] = keys[i]
                            ids[kept] = ids[i]
                            kept += 1
                        }
                    }
                }
            }
        }
        starts[buckets] = Int32(kept)
        keys.removeLast(keys.count - kept)
        ids.removeLast(ids.count - kept)
        var filter = [UInt64](repeating: 0, count: 1 << (filterBits - 6))
        for key in keys {
            let bit = Int(key & ((1 << UInt64(filterBits)) - 1))
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.keys = keys
        self.ids = ids
        self.bucketStart = starts
        self.filter = filter
        self.bucketBits = bucketBits
        self.filterBits = filterBits
    }

    /// The indexes in `ids` of the positions stored under `key` (empty for most keys, answered by the bitmap).
    @inline(__always) func range(for key: UInt64) -> Range<Int> {
        let bit = Int(key & ((1 << UInt64(filterBits)) - 1))
        if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return 0..<0 }
        let bucket = Int(key >> UInt64(64 - bucketBits))
        var low = Int(bucketStart[bucket])
        let high = Int(bucketStart[bucket + 1])
        while low < high && keys[low] < key { low += 1 }
        var end = low
        while end < high && keys[end] == key { end += 1 }
        return low..<end
    }

    /// The positions stored under `key`.
    func ids(for key: UInt64) -> ArraySlice<Int32> { ids[range(for: key)] }

    /// Calls `body` with every position stored under the hash of `word` or of one of its deletion variants (up to
    /// `depth` characters deleted): the symmetric-delete probe. Hashes are computed first, then probed through
    /// raw buffers — most probes end at the bitmap.
    func forEachID(sharingADeletionWith word: [UInt8], depth: Int, _ body: (Int32) -> Void) {
        guard depth >= 0 else { return }
        let n = word.count
        let variants = 1 + (depth >= 1 ? n : 0) + (depth >= 2 ? n * (n - 1) / 2 : 0)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: variants) { hashes in
            var count = 0
            TyposquatIndex.forEachDeletionHash(of: word, depth: depth) { key in
                hashes[count] = key
                count += 1
            }
            filter.withUnsafeBufferPointer { filter in
                bucketStart.withUnsafeBufferPointer { starts in
                    keys.withUnsafeBufferPointer { keys in
                        ids.withUnsafeBufferPointer { ids in
                            let mask = UInt64(1 << filterBits) - 1
                            let shift = UInt64(64 - bucketBits)
                            for v in 0..<count {
                                let key = hashes[v]
                                let bit = Int(key & mask)
                                if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { continue }
                                let bucket = Int(key >> shift)
                                var k = Int(starts[bucket])
                                let high = Int(starts[bucket + 1])
                                while k < high && keys[k] < key { k += 1 }
                                while k < high && keys[k] == key {
                                    body(ids[k])
                                    k += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
