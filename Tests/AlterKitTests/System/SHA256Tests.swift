import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import AlterSystem

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST CAVP examples.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func nistVectors(message: String, digest: String) {
        #expect(hexString(SHA256.hash(Data(message.utf8))) == digest)
    }

    @Test func oneMillionAsInUnevenPieces() {
        var hasher = SHA256()
        var fed = 0
        var piece = 1
        while fed < 1_000_000 {
            let n = min(piece, 1_000_000 - fed)
            hasher.update(Data(repeating: 0x61, count: n))
            fed += n
            piece = piece * 3 % 1000 + 1  // 1, 4, 13, 40, …: crosses block boundaries every which way
        }
        #expect(hexString(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // Lengths around the 55/56/64-byte padding edges, against the one-shot digest of the same bytes fed bytewise.
        for length in [54, 55, 56, 57, 63, 64, 65, 119, 120, 128] {
            let data = Data((0..<length).map { UInt8($0) })
            var bytewise = SHA256()
            for byte in data { bytewise.update([byte]) }
            #expect(bytewise.finalize() == SHA256.hash(data))
        }
        let patterned = Data((0..<100_000).map { UInt8($0 % 251) })
        #expect(
            hexString(SHA256.hash(patterned)) == "cd2df694e424bc7968cc37f47751019e5ca0cd1bdf2e479ea537c3a1c32ee1aa")
    }

    @Test func streamsAFile() throws {
        let digest = try SHA256.hash(fileAt: TestPaths.osvZip.path)
        #expect(hexString(digest) == "956995bf546791ae20320c9daad17d21a3cafd383a951d672322653d6995403e")
        #expect(throws: FileIOError.self) { try SHA256.hash(fileAt: "/nonexistent/file") }
    }

    /// RFC 4231 test cases 1–7.
    @Test(arguments: [
        (
            [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            Array(UInt8(1)...UInt8(25)), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        ([UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8), "a3b6167473100ee06e0c796c2955552b"),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131),
            Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ])
    func rfc4231(key: [UInt8], message: [UInt8], expected: String) {
        let mac = hexString(HMACSHA256.authenticationCode(for: Data(message), key: Data(key)))
        #expect(mac.hasPrefix(expected))
        #expect(expected.count == 64 || expected.count == 32)
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
    }
}
