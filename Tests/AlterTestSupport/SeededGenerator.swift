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
