import Foundation

/// `maintainer_count`: one owner and no organization is easier to take over (or to be the attacker) than a team or
/// a vetted PyPI organization. Uses the response's `ownership`; without it, the author/maintainer fields, counting
/// people (distinct emails, else distinct names), not strings.
package struct MaintainerCountFactor: RiskFactorRule {
    package let name = "maintainer_count"
    package init() {}

    package func evaluate(_ input: FactorInput) -> RiskFactor? {
        if let missing = input.unavailable(name) { return missing }
        guard let project = input.project else { return nil }
        if let ownership = project.ownership {
            let users = Set(ownership.roles.map { $0.user.lowercased() })
            if let organization = ownership.organization {
                return RiskFactor(
                    name: name, score: 0.1,
                    reason: "owned by the PyPI organization \(organization)"
                        + (users.isEmpty ? "" : " and \(users.count) user\(users.count == 1 ? "" : "s")"))
            }
            return RiskFactor(
                name: name, score: Self.score(people: users.count),
                reason: users.isEmpty
                    ? "no owner or maintainer listed"
                    : "\(users.count) owner/maintainer account\(users.count == 1 ? "" : "s"), no organization")
        }
        let people = Self.people(project.info)
        return RiskFactor(
            name: name, score: Self.score(people: people),
            reason: people == 0
                ? "no author or maintainer given"
                : "\(people) \(people == 1 ? "person" : "people") in the author/maintainer fields (no ownership data)")
    }

    static func score(people: Int) -> Double {
        switch people {
        case 0: 0.8
        case 1: 0.7
        case 2: 0.4
        default: 0.2
        }
    }

    /// Distinct people named in author, author_email, maintainer, maintainer_email: `A <a@x>, B <b@x>` is two,
    /// the same person as author and maintainer is one, an email with the same person's name is one.
    static func people(_ info: PyPIProject.Info) -> Int {
        var emails = Set<String>()
        var names = Set<String>()
        func addEntries(_ field: String?) {
            guard let field, !field.isEmpty, field.uppercased() != "UNKNOWN" else { return }
            let parts = field.replacingOccurrences(of: " and ", with: ",").split(separator: ",")
            for part in parts {
                let entry = part.trimmingCharacters(in: .whitespacesAndNewlines)
                if entry.isEmpty { continue }
                if let lt = entry.firstIndex(of: "<"), let gt = entry.lastIndex(of: ">"), lt < gt {
                    emails.insert(entry[entry.index(after: lt)..<gt].lowercased())
                    let display = entry[..<lt].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                    if !display.isEmpty { names.insert(display.lowercased()) }
                } else if entry.contains("@") {
                    emails.insert(entry.lowercased())
                } else {
                    names.insert(entry.lowercased())
                }
            }
        }
        addEntries(info.author)
        addEntries(info.authorEmail)
        addEntries(info.maintainer)
        addEntries(info.maintainerEmail)
        // A name that comes with an email is the same person as that email: count emails, and names only when
        // there are more names than emails.
        return max(emails.count, names.count)
    }
}
