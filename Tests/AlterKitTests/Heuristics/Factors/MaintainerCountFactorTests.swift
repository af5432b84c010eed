import Foundation
import Testing

@testable import AlterKit

@Suite struct MaintainerCountFactorTests {
    let factor = MaintainerCountFactor()

    @Test(arguments: Recorded.small) func singleOwnerNoOrganizationIsHigh(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0.7, "\(result)")
        #expect(result.reason == "1 owner/maintainer account, no organization")
    }

    @Test(arguments: ["django", "flask", "click", "attrs"]) func organizationsAreLow(_ name: String) throws {
        let result = try #require(factor.evaluate(try Recorded.input(name)))
        #expect(result.score == 0.1)
        #expect(result.reason.hasPrefix("owned by the PyPI organization"))
    }

    @Test func teamsCountPeople() throws {
        #expect(try factor.evaluate(Recorded.input("requests"))?.score == 0.2)  // three owners
        #expect(try factor.evaluate(Recorded.input("igor2"))?.score == 0.4)  // owner + maintainer
    }

    @Test func withoutOwnershipTheAuthorFieldsCountPeopleNotStrings() throws {
        var project = try Recorded.project("six")
        project.ownership = nil
        var input = try Recorded.input("six")
        input.metadata = .success(.found(project))
        // author "Benjamin Peterson" and author_email "benjamin@python.org": one person.
        let one = try #require(factor.evaluate(input))
        #expect(one.score == 0.7)
        #expect(one.reason.contains("1 person"))

        func people(_ author: String?, _ email: String?, _ maintainer: String? = nil, _ mEmail: String? = nil) -> Int {
            MaintainerCountFactor.people(
                PyPIProject.Info(
                    name: "x", version: "1", author: author, authorEmail: email, maintainer: maintainer,
                    maintainerEmail: mEmail))
        }
        #expect(people("A One, B Two", nil) == 2)
        #expect(people(nil, "A One <a@x.org>, B Two <b@x.org>") == 2)
        #expect(people("A One", "a@x.org", "A One", "a@x.org") == 1)
        #expect(people("A One and B Two", nil) == 2)
        #expect(people(nil, nil) == 0)
        #expect(people("UNKNOWN", "") == 0)
    }
}
