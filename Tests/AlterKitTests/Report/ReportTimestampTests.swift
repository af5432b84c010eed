import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit

/// The hand-written report timestamp agrees with Foundation's ISO 8601 formatter (what it replaced, for speed).
@Suite struct ReportTimestampTests {
    static func reference(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    @Test(arguments: [
        0.0, 1.0, 59.999, 86_399.5, 951_782_400, 1_709_164_800, 1_795_700_705.25, 2_147_483_647, 4_102_444_800,
        -1, -86_400.5, 253_402_300_799,
    ])
    func matchesFoundation(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(ReportText.timestamp(date) == Self.reference(date))
    }

    /// Fractions stay below 0.99 s: Foundation rounds the last millisecond up (…:14.9996 prints as …:15), where
    /// whole seconds are meant.
    @Test func matchesFoundationOnRandomDates() {
        var generator = SeededGenerator(seed: 20_261_126)
        for _ in 0..<2_000 {
            let whole = Double(Int64.random(in: -2_000_000_000...8_000_000_000, using: &generator))
            let date = Date(timeIntervalSince1970: whole + Double.random(in: 0..<0.99, using: &generator))
            #expect(ReportText.timestamp(date) == Self.reference(date))
        }
    }
}
