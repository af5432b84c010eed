import Foundation

/// SHA-256 hex digests for fingerprints (policy, SARIF findings, CycloneDX serial numbers).
enum PolicyDigest {
    /// Lowercase hex SHA-256 of `data`.
    static func sha256Hex(_ data: Data) -> String { hexString(SHA256.hash(data)) }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `string`.
    static func sha256Hex(_ string: String) -> String { sha256Hex(Data(string.utf8)) }
}
