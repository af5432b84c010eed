import Foundation

/// What the policy decides for a package, ordered from least to most strict for `Comparable`.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case allow, alert, quarantine, block

    private var rank: Int {
        switch self {
        case .allow: 0
        case .alert: 1
        case .quarantine: 2
        case .block: 3
        }
    }

    public static func < (a: Action, b: Action) -> Bool { a.rank < b.rank }
}

/// One reason that contributed to a verdict.
public struct Reason: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case vulnerability, malicious, risk, blocklist, allowlist, sourceFailure, ignored, releaseAge, code
    }

    public var kind: Kind
    /// The action this reason alone calls for.
    public var action: Action
    /// One line a person can read.
    public var message: String
    /// The vulnerability id, risk factor name or list entry this reason is about, when any.
    public var subject: String?

    public init(kind: Kind, action: Action, message: String, subject: String? = nil) {
        self.kind = kind
        self.action = action
        self.message = message
        self.subject = subject
    }

    public var description: String { message }
}

/// One verdict per package: the strictest reason wins, and every reason is kept.
public struct Verdict: Sendable, Hashable, Codable {
    public var action: Action
    public var reasons: [Reason]

    public init(action: Action, reasons: [Reason]) {
        self.action = action
        self.reasons = reasons
    }

    /// The verdict of a set of reasons: the strictest action among them, ALLOW when there are none.
    public init(reasons: [Reason]) {
        self.action = reasons.map(\.action).max() ?? .allow
        self.reasons = reasons
    }
}
