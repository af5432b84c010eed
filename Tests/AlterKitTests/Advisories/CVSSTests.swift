import Testing

@testable import AlterKit

/// CVSS rules worth naming; expected scores computed by the Python `cvss` library 3.6.
@Suite struct CVSSTests {
    @Test(arguments: [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", CVSSVersion.v2, 7.5, CVSSRating.high),
        ("AV:L/AC:H/Au:M/C:N/I:N/A:N", .v2, 0.0, .low),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", .v3_1, 9.8, .critical),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", .v3_0, 10.0, .critical),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", .v3_1, 0.0, .none),
        // Temporal and environmental metrics do not change the v3 base score; order does not matter.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/MAV:P", .v3_1, 9.8, .critical),
        ("CVSS:3.1/S:U/AV:N/A:H/AC:L/PR:N/UI:N/C:H/I:H", .v3_1, 9.8, .critical),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", .v4_0, 10.0, .critical),
        // v4 threat and environmental metrics count.
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", .v4_0, 9.1, .critical),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", .v4_0, 0.0, .none),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S", .v4_0, 8.9, .high),
        ("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/CR:L/MSI:S", .v4_0, 4.1, .medium),
    ])
    func scores(vector: String, version: CVSSVersion, score: Double, rating: CVSSRating) throws {
        let result = try CVSS.score(vector)
        #expect(result.version == version)
        #expect(result.baseScore == score)
        #expect(result.rating == rating)
        #expect(result.severity == rating.severity)
    }

    @Test func noneRatesAsLowSeverity() {
        #expect(CVSSRating.none.severity == .low)
        #expect(CVSSRating.critical.severity == .critical)
    }

    @Test(arguments: [
        "", "garbage", "CVSS:9.9/AV:N", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",  // trailing slash
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N",  // duplicate
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",  // missing A
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // X is not a base value
        "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // empty field
        "CVSS:3.1/AV:N:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
        " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "AV:N/AC:L/Au:N/C:P/I:P",
        "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:Q", "CVSS:4.1/AV:N",
    ])
    func rejects(vector: String) {
        do {
            let score = try CVSS.score(vector)
            Issue.record("scored \(score)")
        } catch {
            #expect(error.exitStatus == .usage)
            #expect(error.description.hasPrefix("invalid CVSS vector "))
        }
    }

    @Test func namesMissingMetrics() {
        #expect(throws: CVSSError.missingMetrics(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U", metrics: ["C", "I", "A"]))
        {
            try CVSS.score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U")
        }
    }
}
