import Foundation
import PythonPackaging

/// The local index: stands for the user's indexes and find-links locations (`IndexSettings`), forwards project
/// pages with their hashes and PEP 658/714 metadata links, every file link rewritten to come back here, and serves
/// a file only after the install gate's engine decided on that exact distribution (name, version, sha256) — the
/// bytes served being the bytes verified. A refusal is an HTTP error whose reason phrase names the package and the
/// reason (pip prints it). Releases younger than the minimum release age are left out of the pages.
/// Every request must start with `/TOKEN/`; anything else is refused.
package struct PackageIndex: Sendable {
    package var token: String
    package var settings: IndexSettings
    /// Talks to the upstream indexes (credentials added per host, see `CredentialedHTTPClient`).
    package var http: any HTTPClient
    package var gate: IndexGate
    /// Where verified files are kept (the engine's artifact store: what it inspected is what is served).
    package var store: ArtifactStore
    package var clock: any WallClock
    package var diagnostics: any DiagnosticSink

    package init(
        token: String, settings: IndexSettings, http: any HTTPClient, gate: IndexGate, store: ArtifactStore,
        clock: any WallClock, diagnostics: any DiagnosticSink
    ) {
        self.token = token
        self.settings = settings
        self.http = http
        self.gate = gate
        self.store = store
        self.clock = clock
        self.diagnostics = diagnostics
    }

    /// A new random session token (32 hex digits, from the system's CSPRNG).
    package static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The answer to one request.
    package func answer(_ request: IndexRequest) async -> IndexResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .refusal(405, "alterks index: only GET and HEAD are served")
        }
        guard let rest = afterToken(request.path) else {
            return .refusal(403, "alterks index: this index answers only its own session (the token is missing)")
        }
        guard let route = IndexRoute.parse(rest) else { return .refusal(404, "alterks index: no such page") }
        switch route {
        case .root:
            return html("<!DOCTYPE html>\n<html><body></body></html>\n")
        case .links:
            return html("<!DOCTYPE html>\n<html><body></body></html>\n")
        case .emptyIndex:
            return .refusal(404, "alterks index: not here")
        case .redirect(let target):
            return IndexResponse(status: 301, headers: ["Location": "/\(token)\(target)"])
        case .project(let project):
            return await projectPage(project, accept: request.headers["accept"] ?? "")
        case .file(let project, let sha256, let upstream, let filename, let metadata):
            if metadata { return await metadataFile(upstream: upstream) }
            return await file(project: project, sha256: sha256, upstream: upstream, filename: filename)
        }
    }

    /// The path after `/TOKEN`, when the token is right (compared in constant time).
    func afterToken(_ path: String) -> String? {
        let expected = Array("/\(token)".utf8)
        let given = Array(path.utf8)
        guard given.count > expected.count, given[expected.count] == UInt8(ascii: "/") else { return nil }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        guard difference == 0 else { return nil }
        return String(decoding: given[expected.count...], as: UTF8.self)
    }

    private func html(_ text: String) -> IndexResponse {
        IndexResponse(status: 200, headers: ["Content-Type": "text/html; charset=utf-8"], body: Data(text.utf8))
    }

    // MARK: - Pages

    func projectPage(_ project: String, accept: String) async -> IndexResponse {
        var files: [IndexFile] = []
        do {
            try await withThrowingTaskGroup(of: [IndexFile].self) { group in
                for upstream in settings.indexes {
                    group.addTask { try await self.upstreamFiles(project, index: upstream) }
                }
                for location in settings.findLinks {
                    group.addTask { try await self.findLinksFiles(project, location: location) }
                }
                var byIndex: [[IndexFile]] = []
                for try await found in group { byIndex.append(found) }
                files = byIndex.flatMap { $0 }
            }
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            diagnostics.warning("\(project): \(message)")
            return .refusal(502, "alterks index: cannot read the page of \(project): \(message)")
        }
        guard !files.isEmpty else { return .refusal(404, "alterks index: no index has \(project)") }
        var seen = Set<String>()
        files = files.filter { seen.insert($0.filename + "\u{0}" + $0.url).inserted }
        files.sort { $0.filename < $1.filename }
        files = await withoutYoungReleases(files, project: project)
        let page = ProjectPage(name: project, files: files)
        let link: (IndexFile) -> String = { "/\(token)" + IndexRoute.filePath(project: project, file: $0) }
        if Self.wantsJSON(accept) {
            return IndexResponse(
                status: 200, headers: ["Content-Type": ProjectPageParser.jsonType],
                body: ProjectPageRenderer.json(page, link: link))
        }
        return IndexResponse(
            status: 200, headers: ["Content-Type": ProjectPageParser.htmlType],
            body: ProjectPageRenderer.html(page, link: link))
    }

    /// JSON when the client ranks PEP 691 JSON at least as high as any HTML type.
    static func wantsJSON(_ accept: String) -> Bool {
        var json = -1.0
        var html = -1.0
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if type == ProjectPageParser.jsonType {
                json = max(json, q)
            } else if type == ProjectPageParser.htmlType || type == "text/html" || type == "*/*" {
                html = max(html, q)
            }
        }
        return json >= 0 && json >= html
    }

    /// The project's files on one upstream index (none when it answers 404).
    func upstreamFiles(_ project: String, index: IndexUpstream) async throws -> [IndexFile] {
        let url = index.url + project + "/"
        let response = try await http.send(
            HTTPRequest(
                url: url,
                headers: [
                    "Accept":
                        "\(ProjectPageParser.jsonType), \(ProjectPageParser.htmlType);q=0.2, text/html;q=0.01"
                ], timeout: 60, maxBodyBytes: 64 << 20))
        if response.status == 404 { return [] }
        guard response.status == 200 else { throw IndexUpstreamError.status(url: url, status: response.status) }
        return try ProjectPageParser.parse(
            response.body, contentType: response.headers["content-type"], pageURL: url, project: project
        ).filter { DistributionFileName.version(of: $0.filename, project: project) != nil }
    }

    /// The project's files in one find-links location: a folder's files, or a page's links.
    func findLinksFiles(_ project: String, location: String) async throws -> [IndexFile] {
        let candidates: [IndexFile]
        if location.hasPrefix("/") {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: location)) ?? []
            candidates = names.map { name in
                let path = (location.hasSuffix("/") ? location : location + "/") + name
                return IndexFile(
                    filename: name,
                    url: "file://" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path))
            }
        } else {
            let response = try await http.send(HTTPRequest(url: location, timeout: 60, maxBodyBytes: 64 << 20))
            guard response.status == 200 else {
                throw IndexUpstreamError.status(url: location, status: response.status)
            }
            candidates = ProjectPageParser.html(String(decoding: response.body, as: UTF8.self), pageURL: location)
        }
        return candidates.filter { DistributionFileName.version(of: $0.filename, project: project) != nil }
    }

    /// The files of releases at least the minimum release age old (upload times from the page, else from the
    /// metadata source; a release whose time is unknown stays, as the install gate lets it through).
    func withoutYoungReleases(_ files: [IndexFile], project: String) async -> [IndexFile] {
        let minAge = gate.decider.minReleaseAgeHours * 3600
        guard minAge > 0 else { return files }
        var times: [Version: Date] = [:]
        var unknown = false
        for file in files {
            guard let text = DistributionFileName.version(of: file.filename, project: project),
                let version = try? Version(text)
            else { continue }
            if let time = file.uploadTime {
                times[version] = min(times[version] ?? time, time)
            } else {
                unknown = true
            }
        }
        if unknown {
            for (text, time) in await gate.uploadTimes(project) {
                guard let version = try? Version(text) else { continue }
                times[version] = min(times[version] ?? time, time)
            }
        }
        let now = clock.now()
        var left: [String] = []
        let kept = files.filter { file in
            guard let text = DistributionFileName.version(of: file.filename, project: project),
                let version = try? Version(text), let time = times[version]
            else { return true }
            let young = now.timeIntervalSince(time) < minAge
            if young { left.append(text) }
            return !young
        }
        if !left.isEmpty {
            diagnostics.info(
                "\(project): left out \(Set(left).sorted().joined(separator: ", ")) (younger than the minimum "
                    + "release age of \(InstallGate.hours(minAge / 3600)))")
        }
        return kept
    }

    // MARK: - Files

    /// PEP 658 metadata: forwarded as the upstream serves it (the page's hash lets the installer check it).
    func metadataFile(upstream: String) async -> IndexResponse {
        let url = upstream + ".metadata"
        do {
            if url.lowercased().hasPrefix("file://") { return .refusal(404, "alterks index: no metadata file") }
            let response = try await http.send(HTTPRequest(url: url, timeout: 60, maxBodyBytes: 16 << 20))
            guard response.status == 200 else {
                return .refusal(response.status == 404 ? 404 : 502, "alterks index: \(url): HTTP \(response.status)")
            }
            return IndexResponse(
                status: 200, headers: ["Content-Type": "application/octet-stream"], body: response.body)
        } catch {
            return .refusal(502, "alterks index: \(url): \((error as? any AlterKSError)?.description ?? "\(error)")")
        }
    }

    /// A file, served only when the engine let that exact distribution through.
    func file(project: String, sha256: String?, upstream: String, filename: String) async -> IndexResponse {
        guard let version = DistributionFileName.version(of: filename, project: project) else {
            return .refusal(
                403, "alterks: refused \(filename): its name does not tell a version of \(project); nothing served")
        }
        let label = "\(project) \(version)"
        if !DistributionFileName.isWheel(filename) && !gate.decider.allowSourceBuilds {
            return .refusal(
                403,
                "alterks: refused \(label): \(filename) is a source archive, and building it runs its code before "
                    + "any check (allow_source_builds = true in [tool.alterks] lets source builds in)")
        }
        let fetched: FetchedArtifact
        do {
            fetched = try await store.fetch(url: upstream, sha256: sha256)
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            return .refusal(502, "alterks: cannot fetch \(label): \(message)")
        }
        var dependency = Dependency(name: project, version: version, hashes: ["sha256:" + fetched.sha256])
        dependency.artifactURL = upstream
        let decision: GateDecision
        do {
            let answers = try await gate.decider.decide([dependency])
            guard
                let answer = answers.first(where: {
                    $0.dependency.normalizedName == project && InstallGate.sameVersion($0.dependency.version, version)
                })
            else { return .refusal(503, "alterks: the engine gave no verdict for \(label); nothing served") }
            decision = answer
        } catch {
            let message = (error as? any AlterKSError)?.description ?? "\(error)"
            return .refusal(503, "alterks: could not check \(label): \(message); nothing served")
        }
        let reasons = InstallGate.reasons(decision.verdict)
        switch decision.verdict.action {
        case .block:
            diagnostics.warning("BLOCKED \(label): \(reasons)")
            return .refusal(403, "alterks: BLOCKED \(label): \(reasons)")
        case .quarantine:
            diagnostics.warning("refused \(label) (quarantine): \(reasons)")
            return .refusal(
                403,
                "alterks: QUARANTINE \(label): \(reasons) (not served; `pip install` in an AlterKS shell quarantines it)"
            )
        case .alert:
            diagnostics.warning("ALERT \(label): \(reasons)")
        case .allow:
            break
        }
        let minAge = gate.decider.minReleaseAgeHours
        if minAge > 0, let uploaded = decision.uploadTime {
            let age = clock.now().timeIntervalSince(uploaded) / 3600
            if age < minAge {
                return .refusal(
                    403,
                    "alterks: refused \(label): uploaded \(InstallGate.hours(age)) ago, less than the minimum release "
                        + "age of \(InstallGate.hours(minAge))")
            }
        }
        return serveVerified(fetched, label: label)
    }

    /// The verified file, streamed from the store by the server and hashed once more as it is sent: what is sent
    /// is what was verified.
    func serveVerified(_ artifact: FetchedArtifact, label: String) -> IndexResponse {
        IndexResponse(
            status: 200, headers: ["Content-Type": "application/octet-stream"],
            file: VerifiedFileBody(path: artifact.path, sha256: artifact.sha256))
    }
}

/// An upstream index answered something other than a page.
package enum IndexUpstreamError: AlterKSError, Equatable {
    case status(url: String, status: Int)

    package var exitStatus: ExitStatus { .sourceFailure }

    package var description: String {
        switch self {
        case .status(let url, let status): "\(url) answered HTTP \(status)"
        }
    }
}

/// Adds `Authorization: Basic …` to requests for the hosts the user has credentials for (from the index URLs and
/// `~/.netrc`), so that no credential ever travels in a URL, a log or a database row.
package struct CredentialedHTTPClient: HTTPClient {
    package var base: any HTTPClient
    package var credentials: [String: BasicCredential]

    package init(base: any HTTPClient, credentials: [String: BasicCredential]) {
        self.base = base
        self.credentials = credentials
    }

    package func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard !credentials.isEmpty, let host = IndexSettings.hostKey(request.url), let credential = credentials[host],
            request.headers["Authorization"] == nil
        else { return try await base.send(request) }
        var authorized = request
        authorized.headers["Authorization"] = credential.header
        return try await base.send(authorized)
    }
}
