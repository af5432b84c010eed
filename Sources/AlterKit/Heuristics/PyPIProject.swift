import Foundation
import PythonPackaging

/// What `GET /pypi/NAME/json` says about a project: the fields the risk factors read. Unknown fields are
/// ignored; missing optional ones are nil. Dates are `upload_time_iso_8601`.
package struct PyPIProject: Sendable, Hashable, Codable {
    package var info: Info
    /// Version string as published → its files (empty for a release whose files were all deleted).
    package var releases: [String: [ReleaseFile]]
    package var vulnerabilities: [Vulnerability]
    /// PyPI's change counter for the project: a larger value means something changed.
    package var lastSerial: Int?
    /// The real owners and maintainers; absent from older responses and from mirrors.
    package var ownership: Ownership?

    package init(
        info: Info, releases: [String: [ReleaseFile]], vulnerabilities: [Vulnerability] = [], lastSerial: Int? = nil,
        ownership: Ownership? = nil
    ) {
        self.info = info
        self.releases = releases
        self.vulnerabilities = vulnerabilities
        self.lastSerial = lastSerial
        self.ownership = ownership
    }

    enum CodingKeys: String, CodingKey {
        case info, releases, vulnerabilities, ownership
        case lastSerial = "last_serial"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        info = try c.decode(Info.self, forKey: .info)
        releases = try c.decodeIfPresent([String: [ReleaseFile]].self, forKey: .releases) ?? [:]
        vulnerabilities = try c.decodeIfPresent([Vulnerability].self, forKey: .vulnerabilities) ?? []
        lastSerial = try c.decodeIfPresent(Int.self, forKey: .lastSerial)
        ownership = try c.decodeIfPresent(Ownership.self, forKey: .ownership)
    }

    /// The project's `info` block.
    package struct Info: Sendable, Hashable, Codable {
        package var name: String
        /// The latest version.
        package var version: String
        package var summary: String?
        package var description: String?
        package var homePage: String?
        package var projectURLs: [String: String]?
        package var classifiers: [String]
        package var license: String?
        package var licenseExpression: String?
        package var author: String?
        package var authorEmail: String?
        package var maintainer: String?
        package var maintainerEmail: String?

        package init(
            name: String, version: String, summary: String? = nil, description: String? = nil,
            homePage: String? = nil, projectURLs: [String: String]? = nil, classifiers: [String] = [],
            license: String? = nil, licenseExpression: String? = nil, author: String? = nil,
            authorEmail: String? = nil, maintainer: String? = nil, maintainerEmail: String? = nil
        ) {
            self.name = name
            self.version = version
            self.summary = summary
            self.description = description
            self.homePage = homePage
            self.projectURLs = projectURLs
            self.classifiers = classifiers
            self.license = license
            self.licenseExpression = licenseExpression
            self.author = author
            self.authorEmail = authorEmail
            self.maintainer = maintainer
            self.maintainerEmail = maintainerEmail
        }

        enum CodingKeys: String, CodingKey {
            case name, version, summary, description, classifiers, license, author, maintainer
            case homePage = "home_page"
            case projectURLs = "project_urls"
            case licenseExpression = "license_expression"
            case authorEmail = "author_email"
            case maintainerEmail = "maintainer_email"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            version = try c.decode(String.self, forKey: .version)
            summary = try c.decodeIfPresent(String.self, forKey: .summary)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            homePage = try c.decodeIfPresent(String.self, forKey: .homePage)
            projectURLs = try c.decodeIfPresent([String: String].self, forKey: .projectURLs)
            classifiers = try c.decodeIfPresent([String].self, forKey: .classifiers) ?? []
            license = try c.decodeIfPresent(String.self, forKey: .license)
            licenseExpression = try c.decodeIfPresent(String.self, forKey: .licenseExpression)
            author = try c.decodeIfPresent(String.self, forKey: .author)
            authorEmail = try c.decodeIfPresent(String.self, forKey: .authorEmail)
            maintainer = try c.decodeIfPresent(String.self, forKey: .maintainer)
            maintainerEmail = try c.decodeIfPresent(String.self, forKey: .maintainerEmail)
        }
    }

    /// One file of a release.
    package struct ReleaseFile: Sendable, Hashable, Codable {
        package var filename: String
        package var packageType: String?
        package var uploadTime: Date?
        package var yanked: Bool
        package var yankedReason: String?
        package var sha256: String?
        package var size: Int?
        /// PEP 740 hint when the index gives one (the Simple API's `provenance`): a URL when the file has
        /// attestations, `.some(nil)` when the index says it has none, nil when the response does not say.
        package var provenance: String??

        package init(
            filename: String, packageType: String? = nil, uploadTime: Date?, yanked: Bool = false,
            yankedReason: String? = nil, sha256: String? = nil, size: Int? = nil, provenance: String?? = nil
        ) {
            self.filename = filename
            self.packageType = packageType
            self.uploadTime = uploadTime
            self.yanked = yanked
            self.yankedReason = yankedReason
            self.sha256 = sha256
            self.size = size
            self.provenance = provenance
        }

        enum CodingKeys: String, CodingKey {
            case filename, yanked, size, digests, provenance
            case packageType = "packagetype"
            case uploadTime = "upload_time_iso_8601"
            case yankedReason = "yanked_reason"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            filename = try c.decode(String.self, forKey: .filename)
            packageType = try c.decodeIfPresent(String.self, forKey: .packageType)
            if let text = try c.decodeIfPresent(String.self, forKey: .uploadTime) {
                guard let date = PyPIDate.parse(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .uploadTime, in: c, debugDescription: "not an ISO 8601 time: \(text)")
                }
                uploadTime = date
            } else {
                uploadTime = nil
            }
            yanked = try c.decodeIfPresent(Bool.self, forKey: .yanked) ?? false
            yankedReason = try c.decodeIfPresent(String.self, forKey: .yankedReason)
            sha256 = try c.decodeIfPresent([String: String].self, forKey: .digests)?["sha256"]
            size = try c.decodeIfPresent(Int.self, forKey: .size)
            if c.contains(.provenance) {
                provenance = .some(try c.decodeIfPresent(String.self, forKey: .provenance))
            } else {
                provenance = nil
            }
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(filename, forKey: .filename)
            try c.encodeIfPresent(packageType, forKey: .packageType)
            try c.encodeIfPresent(uploadTime.map(PyPIDate.format), forKey: .uploadTime)
            try c.encode(yanked, forKey: .yanked)
            try c.encodeIfPresent(yankedReason, forKey: .yankedReason)
            try c.encodeIfPresent(sha256.map { ["sha256": $0] }, forKey: .digests)
            try c.encodeIfPresent(size, forKey: .size)
            if let provenance {
                if let url = provenance {
                    try c.encode(url, forKey: .provenance)
                } else {
                    try c.encodeNil(forKey: .provenance)
                }
            }
        }
    }

    /// The `ownership` block: an organization (PyPI organizations are vetted) and per-user roles.
    package struct Ownership: Sendable, Hashable, Codable {
        package var organization: String?
        package var roles: [Role]

        package init(organization: String? = nil, roles: [Role] = []) {
            self.organization = organization
            self.roles = roles
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            organization = try c.decodeIfPresent(String.self, forKey: .organization)
            roles = try c.decodeIfPresent([Role].self, forKey: .roles) ?? []
        }

        package struct Role: Sendable, Hashable, Codable {
            package var role: String
            package var user: String
            package init(role: String, user: String) {
                self.role = role
                self.user = user
            }
        }
    }

    /// One entry of the `vulnerabilities` array (for the release the URL names; the project URL gives the latest).
    package struct Vulnerability: Sendable, Hashable, Codable {
        package var id: String
        package var aliases: [String]
        package var summary: String?
        package var details: String?
        package var fixedIn: [String]
        package var link: String?
        package var withdrawn: String?

        enum CodingKeys: String, CodingKey {
            case id, aliases, summary, details, link, withdrawn
            case fixedIn = "fixed_in"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
            summary = try c.decodeIfPresent(String.self, forKey: .summary)
            details = try c.decodeIfPresent(String.self, forKey: .details)
            fixedIn = try c.decodeIfPresent([String].self, forKey: .fixedIn) ?? []
            link = try c.decodeIfPresent(String.self, forKey: .link)
            withdrawn = try c.decodeIfPresent(String.self, forKey: .withdrawn)
        }
    }

    // MARK: Derived views

    /// One published version with its files, dated by its earliest upload.
    package struct Release: Sendable, Hashable {
        package var version: String
        package var files: [ReleaseFile]
        /// The earliest upload of its files.
        package var uploaded: Date
        /// Every file yanked.
        package var yanked: Bool
    }

    /// Releases that still have files, oldest first (by first upload).
    package var datedReleases: [Release] {
        releases.compactMap { version, files -> Release? in
            guard let first = files.compactMap(\.uploadTime).min() else { return nil }
            return Release(version: version, files: files, uploaded: first, yanked: files.allSatisfy(\.yanked))
        }.sorted { ($0.uploaded, $0.version) < ($1.uploaded, $1.version) }
    }

    /// The release key matching `version` (PEP 440 equality, so `1.0` finds `1.0.0`), or nil.
    package func releaseKey(for version: String) -> String? {
        if releases[version] != nil { return version }
        guard let wanted = try? Version(version) else { return nil }
        return releases.keys.first { (try? Version($0)) == wanted }
    }

    /// Decodes a `/pypi/NAME/json` body.
    package static func decode(_ data: Data) throws -> PyPIProject {
        try JSONDecoder().decode(PyPIProject.self, from: data)
    }
}

/// PyPI's times: `2026-10-11T20:15:41.429418Z` or `2026-11-20T21:09:24Z` (UTC, `Z` or `+00:00`). Parsed by hand:
/// a large project has thousands of files and `ISO8601DateFormatter` is slow and not Sendable.
enum PyPIDate {
    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for c in b[from..<(from + count)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count && b[i] == 0x2E {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        let rest = String(decoding: b[i...], as: UTF8.self)
        guard rest == "Z" || rest == "+00:00" || rest.isEmpty else { return nil }
        // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// The inverse of `parse`, to the microsecond (so a cached project decodes to the same dates).
    static func format(_ date: Date) -> String {
        let total = date.timeIntervalSince1970
        var seconds = Int(total.rounded(.down))
        var micros = Int(((total - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        // H. Hinnant's civil_from_days.
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))Z"
    }
}
