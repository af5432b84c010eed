/// A deterministic random number generator (SplitMix64) for fuzz tests: the same seed gives the same inputs on
/// every run and platform, so a failure can be reproduced.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random edits of a string for fuzzing: insertions, deletions and replacements drawn from an alphabet that mixes
/// the input's own syntax with non-ASCII, control characters and huge numbers.
public struct StringMutator: Sendable {
    public var alphabet: [String]

    public init(alphabet: [String]) { self.alphabet = alphabet }

    public func mutate(_ input: String, using generator: inout SeededGenerator) -> String {
        var scalars = Array(input.unicodeScalars).map { String($0) }
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = Int.random(in: 0...scalars.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                scalars.insert(alphabet.randomElement(using: &generator)!, at: position)
            case 1 where !scalars.isEmpty:
                scalars.remove(at: min(position, scalars.count - 1))
            default:
                if scalars.isEmpty { continue }
                scalars[min(position, scalars.count - 1)] = alphabet.randomElement(using: &generator)!
            }
        }
        return scalars.joined()
    }
}

/// Random damage to a document's bytes for fuzzing: one to three edits, each a bit flip, a deletion of up to eight
/// bytes, or an insertion of one of `tokens` (the format's own punctuation and awkward values). Never empty.
public struct ByteMutator: Sendable {
    public var tokens: [[UInt8]]

    public init(tokens: [String], raw: [[UInt8]] = [[0], [0xFF], [0xC3]]) {
        self.tokens = tokens.map { Array($0.utf8) } + raw
    }

    public func mutate(_ original: [UInt8], using g: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            let at = Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<3, using: &g) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &g)))
            default: bytes.insert(contentsOf: tokens.randomElement(using: &g)!, at: at)
            }
            if bytes.isEmpty { bytes = [0x7B] }
        }
        return bytes
    }
}
