import AlterKit
import Foundation
import PythonPackaging
import Testing

/// The rules of PEP 440 versions that are easy to get wrong; expected values checked against `packaging` 26.2.
@Suite struct VersionTests {
    @Test(arguments: [
        ("1!2.0.0-ALPHA.3_DEV-4+Ubuntu_01.ABC", "1!2.0.0a3.dev4+ubuntu.1.abc"),
        (" V1.0RC1 ", "1.0rc1"),
        ("\u{3000}1.0\u{85}", "1.0"),
        ("1.0-1", "1.0.post1"),
        ("1.0-r", "1.0.post0"),
        ("1.0.post.", "1.0.post0"),
        ("1.0a-", "1.0a0"),
        ("1.0a--1", "1.0a0.post1"),
        ("2.0.PREVIEW", "2.0rc0"),
        ("1.0c1", "1.0rc1"),
        ("1.0-rev.2", "1.0.post2"),
        ("1.0+01", "1.0+1"),
        ("1.0+0a", "1.0+0a"),
        ("01.002.0000", "1.2.0"),
        ("1.0.0.0.0", "1.0.0.0.0"),
        ("1.99999999999999999999999999", "1.99999999999999999999999999"),
        ("18446744073709551616", "18446744073709551616"),
    ])
    func normalises(raw: String, canonical: String) throws {
        #expect(try Version(raw).description == canonical)
    }

    @Test(arguments: [
        "", " ", "1.0.", "1..0", ".1", "1.0+", "1.0+a.", "1.0+a..b", "\u{FF11}.0", "1.0 beta", "1.0-", "1.0_1",
        "1.0.1-", "v", "1!", "1.0a1a1", "1.0.post1-1", "1.0dev1.post1", "-1.0", "1,0", "1.0\u{301}",
        String(repeating: "1", count: 4301), "1.0+" + String(repeating: "0", count: 4301),
    ])
    func rejects(raw: String) {
        #expect(throws: PEP440Error.self) { try Version(raw) }
        do {
            _ = try Version(raw)
        } catch {
            #expect(error.input == raw)
            #expect(!error.message.isEmpty)
            #expect(error.exitStatus == .usage)
        }
    }

    @Test func errorsAreOneShortLine() {
        #expect(throws: PEP440Error(input: "1.0 beta", message: "unexpected character at \" \" (offset 3)")) {
            try Version("1.0 beta")
        }
        let huge = "1." + String(repeating: "1", count: 4301)
        do {
            _ = try Version(huge)
            Issue.record("a 4301-digit number parsed")
        } catch {
            #expect(error.description.count < 250)
            #expect(error.description.contains("longer than 4300 digits"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func acceptsNumbersUpToCPythonsDigitLimit() throws {
        let digits = String(repeating: "9", count: 4300)
        let huge = try Version("1." + digits)
        #expect(huge.description == "1." + digits)
        #expect(huge > (try Version("1.18446744073709551616")))
    }

    @Test func ordersAsPEP440() throws {
        let chain = try [
            "1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0a1.post1.dev1", "1.0a1.post1", "1.0b1", "1.0rc1", "1.0", "1.0+abc",
            "1.0+abc.1", "1.0+1", "1.0.post1.dev1", "1.0.post1", "1.1.dev0", "18446744073709551615",
            "18446744073709551616", "99999999999999999999999", "1!0.1",
        ].map { try Version($0) }
        for (a, b) in zip(chain, chain.dropFirst()) {
            #expect(a < b, "\(a) < \(b)")
            #expect(!(b < a))
            #expect(a != b)
        }
        #expect(chain.shuffled().sorted() == chain)
    }

    @Test func equalVersionsHashAlike() throws {
        let pairs = [
            ("1.0", "1.0.0"), ("0", "0.0.0"), ("1.0+abc", "1.0+ABC"), ("1.0+1", "1.0+01"), ("0!1.0a", "1.0a0"),
        ]
        for (x, y) in pairs {
            let (a, b) = (try Version(x), try Version(y))
            #expect(a == b)
            #expect(a.hashValue == b.hashValue)
            #expect(Set([a, b]).count == 1)
        }
        #expect(try Version("1.0") != Version("1.0+0"))
        #expect(try Version("1.0.post0") != Version("1.0"))
    }

    @Test func reportsItsParts() throws {
        let version = try Version("1!2.0rc1.post3.dev4+local.7")
        #expect(version.isPrerelease && version.isDevrelease && version.isPostrelease)
        #expect(version.publicVersion.description == "1!2.0rc1.post3.dev4")
        #expect(version.baseVersion.description == "1!2.0")
        let final = try Version("2.0")
        #expect(!final.isPrerelease && !final.isDevrelease && !final.isPostrelease)
        #expect(try Version("2.0.post1").isPrerelease == false)
        #expect(try Version("2.0.dev1").isPrerelease)
    }

    @Test func codesAsItsCanonicalString() throws {
        let data = try JSONEncoder().encode([try Version("V1.0-1")])
        #expect(String(decoding: data, as: UTF8.self) == #"["1.0.post1"]"#)
        #expect(try JSONDecoder().decode([Version].self, from: data) == [try Version("1.0.post1")])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Version].self, from: Data(#"["x"]"#.utf8)) }
    }
}
