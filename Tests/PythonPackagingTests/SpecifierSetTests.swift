import PythonPackaging
import Testing

/// Specifier rules that are easy to get wrong; expected values checked against `packaging` 26.2.
@Suite struct SpecifierSetTests {
    /// (specifier, version, contains by default, contains with prereleases=false)
    @Test(arguments: [
        // >V excludes post-releases and local versions of V, unless V is itself a post-release.
        (">1.7", "1.7.1", true, true), (">1.7", "1.7.0.post1", false, false), (">1.7", "1.7+local", false, false),
        (">1.7.post2", "1.7.post3", true, true), (">1.0a1", "1.0a1+local", false, false),
        (">1.0a1", "1.0a2+local", true, false), (">1.0.dev1", "1.0.post1.dev1", true, false),
        // <V excludes pre-releases of V, unless V is itself a pre-release.
        ("<1.7", "1.7.0rc1", false, false), ("<1.7", "1.6.9rc1", true, false), ("<1.7rc2", "1.7rc1", true, false),
        ("<1.0.post1", "1.0.post1.dev1", false, false), ("<1.0.post1", "1.0a1", true, false),
        // Local versions: ignored by <=, >=, == unless the specifier has one.
        ("<=1.0", "1.0+local", true, true), (">=1.0", "1.0+local", true, true), ("==1.0", "1.0+local", true, true),
        ("==1.0+local", "1.0", false, false), ("==1.0+LOCAL", "1.0+local", true, true),
        // Wildcards, padded with zeros, ignoring pre/post/dev suffixes.
        ("==1.2.*", "1.2.3a1", true, false), ("==1.2.*", "1.3", false, false), ("!=1.2.*", "1.2", false, false),
        ("==1.2.0.*", "1.2", true, true), ("==1!1.*", "1.5", false, false), ("==1.0.*,!=1.0.3", "1.0.3", false, false),
        // Compatible release.
        ("~=2.2", "2.3", true, true), ("~=2.2", "3.0", false, false), ("~=1.4.5", "1.4.6", true, true),
        ("~=1.4.5", "1.5", false, false), ("~=1.4.5.post1", "1.4.9", true, true),
        // packaging splits the ~= version as written: an upper-case suffix or a leading v changes the prefix.
        ("~=1.4.5.POST1", "1.4.9", false, false), ("~=v1.4.5", "1.4.6", false, false),
        // Arbitrary equality compares text, case-insensitively.
        ("===1.0", "1.0.0", false, false), ("===1.0", "1.0", true, true), ("===foo", "FOO", true, true),
        // packaging 26: a lone pre-release is in the set unless prereleases=False.
        (">=1.0", "2.0a1", true, false), ("", "1.0a1", true, false), ("", "1.0", true, true),
        // A string that is no version: only === or the empty set takes it.
        ("", "garbage", true, true), (">=1.0,<2", "garbage", false, false),
    ])
    func contains(specifier: String, version: String, byDefault: Bool, withoutPrereleases: Bool) throws {
        let set = try SpecifierSet(specifier)
        #expect(set.contains(version) == byDefault)
        #expect(set.contains(version, prereleases: true) == byDefault)
        #expect(set.contains(version, prereleases: false) == withoutPrereleases)
        if let parsed = try? Version(version), !specifier.contains("===") {
            #expect(set.contains(parsed) == byDefault)
            #expect(set.contains(parsed, prereleases: false) == withoutPrereleases)
        }
    }

    @Test(arguments: [
        "~=1", ">=1.0.*", "<1.0+local", "==1.0.*+local", "=1.0", "1.0", ">= 1.0 foo", "==1.0a1.*", "~=1.0+1", "==",
        "===a b", "===a;", ">=1.0,,<2 x", "==1.0 .*", ">=1.0)", "==" + String(repeating: "1", count: 4301),
    ])
    func rejects(specifier: String) {
        do {
            let set = try SpecifierSet(specifier)
            Issue.record("parsed as \(set)")
        } catch {
            #expect(error.subject == .specifier)
            #expect(error.input == specifier)
            #expect(error.description.hasPrefix("invalid specifier "))
        }
    }

    @Test func errorsNameTheFailingPart() {
        #expect(
            throws: PEP440Error(
                input: ">=1.0,<1.0+x", message: "in \"<1.0+x\": a local version (+...) is only allowed with == and !=",
                subject: .specifier)
        ) { try SpecifierSet(">=1.0,<1.0+x") }
    }

    @Test func describesSortedAndDeduplicated() throws {
        #expect(try SpecifierSet(">=1.0, !=1.5,<2").description == "!=1.5,<2,>=1.0")
        #expect(try SpecifierSet("==1.0,==1.0.0").description == "==1.0")
        #expect(try SpecifierSet(">= V1.0").description == ">=V1.0")
        #expect(try SpecifierSet(",, ").description == "")
        #expect(try SpecifierSet("==1.0") == SpecifierSet("==1.0.0"))
        #expect(try SpecifierSet(">=1,<2") == SpecifierSet("<2,>=1"))
        #expect(try SpecifierSet("~=1.0") != SpecifierSet("~=1.0.0"))
    }

    @Test func exposesItsSpecifiers() throws {
        let set = try SpecifierSet(" >=1.0 , !=1.5.* ,===x")
        #expect(set.specifiers.map(\.operator) == [.greaterThanOrEqual, .notEqual, .arbitrary])
        #expect(set.specifiers.map(\.version) == ["1.0", "1.5.*", "x"])
        #expect(SpecifierSet(set.specifiers) == set)
        #expect(try Specifier(">=1.0").contains("1.0"))
        #expect(try Specifier("<2").contains("2.0a1") == false)
    }

    @Test func filtersPrereleasesLikePEP440() throws {
        let versions = try ["1.0", "2.0a1"].map { try Version($0) }
        #expect(try SpecifierSet(">=1.0").filter(versions).map(\.description) == ["1.0"])
        #expect(try SpecifierSet(">=1.0").filter([versions[1]]).map(\.description) == ["2.0a1"])
        #expect(try SpecifierSet(">=1.0b1").filter(versions).map(\.description) == ["1.0", "2.0a1"])
        #expect(try SpecifierSet("").filter(versions).map(\.description) == ["1.0"])
        #expect(try SpecifierSet("!=1.0b1").filter(versions).map(\.description) == ["1.0"])
        #expect(try SpecifierSet(">=1.0").filter(versions, prereleases: true).count == 2)
        #expect(try SpecifierSet(">=1.0b1").filter(versions, prereleases: false).map(\.description) == ["1.0"])
    }
}
