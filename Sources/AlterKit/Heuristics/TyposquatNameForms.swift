import Foundation
import PythonPackaging

/// The forms of a name the index compares (bytes of a PEP 503-normalised name), and the edit distance with its
/// alignment. Pure functions over `[UInt8]`: a query allocates little and never builds a `String` on its hot path.
extension TyposquatIndex {
    static let dash = UInt8(ascii: "-")

    /// PEP 503 normalisation of an ASCII name as bytes (lowercase, runs of `-`/`_`/`.` become one `-`); nil when
    /// the name is not ASCII (the caller falls back to `PackageName.normalize`).
    static func normalizedASCII(_ name: String) -> [UInt8]? {
        var name = name
        return name.withUTF8 { utf8 -> [UInt8]? in
            var ascii = true
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count) { buffer, count in
                var pending = false
                var k = 0
                for c in utf8 {
                    if c >= 0x80 {
                        ascii = false
                        break
                    }
                    if c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") {
                        pending = true
                        continue
                    }
                    if pending {
                        buffer[k] = dash
                        k += 1
                        pending = false
                    }
                    buffer[k] = c >= 0x41 && c <= 0x5A ? c + 0x20 : c
                    k += 1
                }
                if pending && ascii {
                    buffer[k] = dash
                    k += 1
                }
                count = k
            }
            return ascii ? out : nil
        }
    }

    static func flat(_ name: [UInt8]) -> [UInt8] { name.filter { $0 != dash } }

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
            switch c {
            case UInt8(ascii: "0"): s.append(UInt8(ascii: "o"))
            case UInt8(ascii: "1"), UInt8(ascii: "i"): s.append(UInt8(ascii: "l"))
            case UInt8(ascii: "5"): s.append(UInt8(ascii: "s"))
            default: s.append(c)
            }
            i += 1
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

    /// The hyphenated words sorted and joined by `-`, when there are at least two.
    static func sortedWords(_ name: [UInt8]) -> [UInt8]? {
        let words = name.split(separator: dash)
        guard words.count >= 2 else { return nil }
        return Array(words.sorted { $0.lexicographicallyPrecedes($1) }.joined(separator: [dash]))
    }

    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The polynomial hash's base (odd, so that multiplication mod 2^64 loses nothing).
    static let hashBase: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// A polynomial hash of the bytes (mod 2^64), its length and `seed` mixed in by MurmurHash3's finaliser.
    /// Polynomial so that the hash of every deletion variant of a word follows from its prefix hashes in a few
    /// multiplications (`forEachDeletionHash`). Collisions are harmless: every hit is verified.
    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0
        for b in bytes { h = h &* hashBase &+ UInt64(b) &+ 1 }
        return finalize(h, length: bytes.count, seed: seed)
    }

    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBufferPointer { hash($0, seed: seed) }
    }

    @inline(__always) static func finalize(_ value: UInt64, length: Int, seed: UInt64) -> UInt64 {
        var h = value ^ (UInt64(truncatingIfNeeded: length) &* 0xff51_afd7_ed55_8ccd) ^ seed
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// Calls `body` with `hash(_:)` of the word itself and of every variant with up to `depth` characters deleted
    /// (duplicates possible; callers dedupe), each in O(1) from the word's prefix hashes: no variant is built.
    /// A negative depth calls nothing.
    static func forEachDeletionHash(of word: [UInt8], depth: Int, _ body: (UInt64) -> Void) {
        guard depth >= 0 else { return }
        let n = word.count
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * (n + 1)) { table in
            // prefix[i]: the hash of word[0..<i]; power[i]: base^i.
            let prefix = UnsafeMutableBufferPointer(rebasing: table[0...n])
            let power = UnsafeMutableBufferPointer(rebasing: table[(n + 1)...])
            prefix[0] = 0
            power[0] = 1
            for i in 0..<n {
                prefix[i + 1] = prefix[i] &* hashBase &+ UInt64(word[i]) &+ 1
                power[i + 1] = power[i] &* hashBase
            }
            @inline(__always) func segment(_ a: Int, _ b: Int) -> UInt64 { prefix[b] &- prefix[a] &* power[b - a] }
            body(finalize(prefix[n], length: n, seed: 0))
            guard depth >= 1, n >= 1 else { return }
            for i in 0..<n {
                body(finalize(prefix[i] &* power[n - 1 - i] &+ segment(i + 1, n), length: n - 1, seed: 0))
                guard depth >= 2 else { continue }
                for j in (i + 1)..<n {
                    let value =
                        prefix[i] &* power[n - 2 - i] &+ segment(i + 1, j) &* power[n - 1 - j] &+ segment(j + 1, n)
                    body(finalize(value, length: n - 2, seed: 0))
                }
            }
        }
    }

    /// Optimal-string-alignment Damerau distance (a swap of neighbours is one edit); `limit + 1` once it is
    /// certainly above `limit`.
    static func osaDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        let n = a.count
        let m = b.count
        if abs(n - m) > limit { return limit + 1 }
        if n == 0 || m == 0 { return max(n, m) }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * (m + 1)) { rows in
            var prev2 = 0
            var prev = m + 1
            var cur = 2 * (m + 1)
            for j in 0...m { rows[prev + j] = j }
            for i in 1...n {
                rows[cur] = i
                var rowMin = i
                for j in 1...m {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var d = min(rows[prev + j] + 1, rows[cur + j - 1] + 1, rows[prev + j - 1] + cost)
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        d = min(d, rows[prev2 + j - 2] + 1)
                    }
                    rows[cur + j] = d
                    rowMin = min(rowMin, d)
                }
                if rowMin > limit { return limit + 1 }
                (prev2, prev, cur) = (prev, cur, prev2)
            }
            return rows[prev + m]
        }
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

    /// Characters that look alike in most fonts (digits for letters, `l`/`i`, `q`/`g`, `u`/`v`).
    static func confusable(_ x: UInt8, _ y: UInt8) -> Bool {
        func pair(_ a: Character, _ b: Character) -> Bool {
            let a = a.asciiValue!
            let b = b.asciiValue!
            return (x == a && y == b) || (x == b && y == a)
        }
        return pair("0", "o") || pair("1", "l") || pair("1", "i") || pair("l", "i") || pair("5", "s")
            || pair("q", "g") || pair("u", "v") || pair("3", "e") || pair("4", "a") || pair("7", "t")
    }

    /// One edit of an alignment: what it is and where it falls in the candidate (0-based).
    struct Edit: Sendable, Hashable {
        var kind: SquatKind
        var position: Int
    }

    /// The edits turning `target` (`b`) into the candidate (`a`) along one optimal alignment, in order.
    static func alignment(_ a: [UInt8], _ b: [UInt8]) -> [Edit] {
        let n = a.count
        let m = b.count
        let width = m + 1
        var d = [Int](repeating: 0, count: (n + 1) * width)
        for i in 0...n { d[i * width] = i }
        for j in 0...m { d[j] = j }
        if n > 0 && m > 0 {
            for i in 1...n {
                for j in 1...m {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var v = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        v = min(v, d[(i - 2) * width + j - 2] + 1)
                    }
                    d[i * width + j] = v
                }
            }
        }
        var edits: [Edit] = []
        var i = n
        var j = m
        while i > 0 || j > 0 {
            let here = d[i * width + j]
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] && here == d[(i - 1) * width + j - 1] {
                i -= 1
                j -= 1
            } else if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && here == d[(i - 2) * width + j - 2] + 1
            {
                edits.append(Edit(kind: .transposition, position: i - 2))
                i -= 2
                j -= 2
            } else if i > 0 && j > 0 && here == d[(i - 1) * width + j - 1] + 1 {
                let x = a[i - 1]
                let y = b[j - 1]
                let kind: SquatKind =
                    confusable(x, y) ? .confusable : adjacentKeys(y, x) ? .keyboardAdjacent : .substitution
                edits.append(Edit(kind: kind, position: i - 1))
                i -= 1
                j -= 1
            } else if i > 0 && here == d[(i - 1) * width + j] + 1 {
                let ch = a[i - 1]
                let kind: SquatKind =
                    ch == dash
                    ? .separator
                    : (i > 1 && a[i - 2] == ch) || (i < n && a[i] == ch) ? .repeatedLetter : .insertedLetter
                edits.append(Edit(kind: kind, position: i - 1))
                i -= 1
            } else {
                edits.append(Edit(kind: b[j - 1] == dash ? .separator : .droppedLetter, position: i))
                j -= 1
            }
        }
        return edits.reversed()
    }

    /// The kinds of `alignment(a, b)`, in order (`[.substitution]` for equal names).
    static func editOperations(_ a: [UInt8], _ b: [UInt8]) -> [SquatKind] {
        let kinds = alignment(a, b).map(\.kind)
        return kinds.isEmpty ? [.substitution] : kinds
    }
}
