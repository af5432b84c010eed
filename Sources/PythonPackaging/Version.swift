/// A PEP 440 version or specifier failed to parse.
public struct PEP440Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// What failed to parse.
    public enum Subject: String, Sendable, Equatable {
        case version, specifier
    }
    public var input: String
    public var message: String
    public var subject: Subject
    public init(input: String, message: String, subject: Subject = .version) {
        self.input = input
        self.message = message
        self.subject = subject
    }
    /// One line; an input longer than 100 characters is shortened (it can be a 4300-digit number).
    public var description: String {
        let scalars = input.unicodeScalars
        let shown = scalars.count > 100 ? String(String.UnicodeScalarView(scalars.prefix(100))) + "…" : input
        return "invalid \(subject.rawValue) \(shown.debugDescription): \(message)"
    }
}

/// A PEP 440 version, parsed and normalised exactly as `packaging.version.Version` 26.2 does it.
/// Equality, hashing and ordering follow PEP 440 comparison (`1.0 == 1.0.0`, `1.0.dev0 < 1.0a1 < 1.0 < 1.0.post1`).
/// Release numbers may be arbitrarily large (up to CPython's 4300-digit conversion limit).
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `a`, `b`, `rc`, in their PEP 440 order.
    package enum PreReleaseKind: UInt8, Sendable, Hashable, Comparable {
        case alpha = 0, beta = 1, releaseCandidate = 2

        package var label: String {
            switch self {
            case .alpha: "a"
            case .beta: "b"
            case .releaseCandidate: "rc"
            }
        }
        package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// A pre-release segment such as `rc1`.
    package struct PreRelease: Sendable, Hashable {
        package var kind: PreReleaseKind
        package var number: PEP440Number
    }

    /// One dot-separated part of a local version label: numbers compare numerically and after any text.
    package enum LocalSegment: Sendable, Hashable, CustomStringConvertible {
        case number(PEP440Number)
        case text(String)

        package var description: String {
            switch self {
            case .number(let value): value.description
            case .text(let text): text
            }
        }
    }

    package let epoch: PEP440Number
    /// The release numbers as written (`1.0.0` keeps its zeros; comparison ignores trailing zeros).
    package let release: [PEP440Number]
    package let pre: PreRelease?
    package let post: PEP440Number?
    package let dev: PEP440Number?
    /// The local label, lowercased, split on `.`, `-`, `_`; numeric parts without leading zeros.
    package let local: [LocalSegment]?

    package init(
        epoch: PEP440Number = .zero, release: [PEP440Number], pre: PreRelease? = nil, post: PEP440Number? = nil,
        dev: PEP440Number? = nil, local: [LocalSegment]? = nil
    ) {
        precondition(!release.isEmpty, "a PEP 440 release has at least one number")
        self.epoch = epoch
        self.release = release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.local = local
    }

    /// Parses and normalises; throws on anything `packaging.version.Version` rejects (and, like CPython, on a
    /// number longer than 4300 digits).
    public init(_ string: String) throws(PEP440Error) {
        var text = string
        let result = text.withUTF8 { bytes in
            PEP440Syntax.parseVersion(bytes, PEP440Syntax.trimmed(bytes))
        }
        switch result {
        case .success(let version): self = version
        case .failure(let failure): throw PEP440Error(input: string, message: failure.message)
        }
    }

    /// The canonical normalised form (`str(Version(x))` in `packaging`).
    public var description: String {
        var text = epoch.isZero ? "" : "\(epoch)!"
        text += release.lazy.map(\.description).joined(separator: ".")
        if let pre { text += "\(pre.kind.label)\(pre.number)" }
        if let post { text += ".post\(post)" }
        if let dev { text += ".dev\(dev)" }
        if let local { text += "+" + local.lazy.map(\.description).joined(separator: ".") }
        return text
    }

    /// A development release or a pre-release (`1.0.dev1`, `1.0a1`, `1.0.post1.dev0`).
    public var isPrerelease: Bool { dev != nil || pre != nil }
    public var isDevrelease: Bool { dev != nil }
    public var isPostrelease: Bool { post != nil }

    /// Without the local segment.
    public var publicVersion: Version {
        local == nil ? self : Version(epoch: epoch, release: release, pre: pre, post: post, dev: dev)
    }

    /// Epoch and release only.
    public var baseVersion: Version { Version(epoch: epoch, release: release) }

    /// The release without trailing zeros (at least one number is kept), as `packaging`'s canonical forms use it.
    package var trimmedRelease: ArraySlice<PEP440Number> {
        var end = release.count
        while end > 1 && release[end - 1].isZero { end -= 1 }
        return release[..<end]
    }

    /// `packaging.utils.canonicalize_version`: the canonical form, with trailing zeros of the release removed
    /// unless `stripTrailingZero` is false.
    package func canonicalString(stripTrailingZero: Bool = true) -> String {
        guard stripTrailingZero else { return description }
        return Version(epoch: epoch, release: Array(trimmedRelease), pre: pre, post: post, dev: dev, local: local)
            .description
    }

    // MARK: Comparison (packaging's `_cmpkey`)

    /// `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)` where a dev-only release ranks before any
    /// pre-release and a release without pre-release after every one.
    private var suffixKey: (preRank: Int, preNumber: PEP440Number, hasPost: Bool, post: PEP440Number, noDev: Bool) {
        let preRank: Int
        if let pre {
            preRank = Int(pre.kind.rawValue)
        } else {
            preRank = (post == nil && dev != nil) ? -1 : 3
        }
        return (preRank, pre?.number ?? .zero, post != nil, post ?? .zero, dev == nil)
    }

    /// -1, 0 or 1 as `a` sorts before, with, or after `b`.
    package static func compare(_ a: Version, _ b: Version) -> Int {
        if a.epoch != b.epoch { return a.epoch < b.epoch ? -1 : 1 }
        let count = max(a.release.count, b.release.count)
        for index in 0..<count {
            let x = index < a.release.count ? a.release[index] : .zero
            let y = index < b.release.count ? b.release[index] : .zero
            if x != y { return x < y ? -1 : 1 }
        }
        let (sa, sb) = (a.suffixKey, b.suffixKey)
        if sa.preRank != sb.preRank { return sa.preRank < sb.preRank ? -1 : 1 }
        if sa.preNumber != sb.preNumber { return sa.preNumber < sb.preNumber ? -1 : 1 }
        if sa.hasPost != sb.hasPost { return sb.hasPost ? -1 : 1 }
        if sa.post != sb.post { return sa.post < sb.post ? -1 : 1 }
        if sa.noDev != sb.noDev { return sb.noDev ? -1 : 1 }
        let (da, db) = (a.dev ?? .zero, b.dev ?? .zero)
        if da != db { return da < db ? -1 : 1 }
        switch (a.local, b.local) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let la?, let lb?):
            for (x, y) in zip(la, lb) {
                switch (x, y) {
                case (.number(let m), .number(let n)): if m != n { return m < n ? -1 : 1 }
                case (.text(let s), .text(let t)):
                    if s != t { return s.utf8.lexicographicallyPrecedes(t.utf8) ? -1 : 1 }
                case (.text, .number): return -1
                case (.number, .text): return 1
                }
            }
            return la.count == lb.count ? 0 : (la.count < lb.count ? -1 : 1)
        }
    }

    public static func < (a: Version, b: Version) -> Bool { compare(a, b) < 0 }
    public static func == (a: Version, b: Version) -> Bool { compare(a, b) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        let trimmed = trimmedRelease
        // `trimmedRelease` keeps one zero; `0` and `0.0` must hash alike, and they do.
        hasher.combine(trimmed.count)
        for part in trimmed { hasher.combine(part) }
        let suffix = suffixKey
        hasher.combine(suffix.preRank)
        hasher.combine(suffix.preNumber)
        hasher.combine(suffix.hasPost)
        hasher.combine(suffix.post)
        hasher.combine(suffix.noDev)
        hasher.combine(dev ?? .zero)
        hasher.combine(local)
    }
}

extension Version: Codable {
    /// Decodes from the version string, normalising it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(container.decode(String.self))
    }

    /// Encodes as the canonical string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
