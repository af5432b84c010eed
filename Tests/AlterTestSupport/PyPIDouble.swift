import AlterKit
import Foundation

/// A PyPI on the loopback interface: `/pypi/NAME/json` and `/integrity/NAME/VERSION/FILE/provenance` answered from
/// what a test puts in, 404 for everything else. Names are matched PEP 503-normalised.
public final class PyPIDouble: @unchecked Sendable {
    private let lock = NSLock()
    private var projects: [String: ServerResponse] = [:]
    private var provenance: [String: ServerResponse] = [:]
    public private(set) var server: LoopbackHTTPServer!

    public init() throws {
        server = try LoopbackHTTPServer { [weak self] request in
            self?.answer(request) ?? ServerResponse(status: 503)
        }
    }

    deinit { server?.stop() }

    public var baseURL: String { server.baseURL }

    /// `GET /pypi/NAME/json` answers `response`.
    public func setProject(_ name: String, _ response: ServerResponse) {
        lock.lock()
        projects[PackageName.normalize(name)] = response
        lock.unlock()
    }

    /// `GET /pypi/NAME/json` answers the recorded real response `../shared/data/pypi-json/NAME.json`.
    public func serveRecorded(_ name: String) throws {
        setProject(name, .json(data: try Data(contentsOf: TestPaths.shared("data/pypi-json/\(name).json"))))
    }

    /// `GET /integrity/NAME/VERSION/FILE/provenance` answers `response`.
    public func setProvenance(_ name: String, version: String, file: String, _ response: ServerResponse) {
        lock.lock()
        provenance["\(PackageName.normalize(name))/\(version)/\(file)"] = response
        lock.unlock()
    }

    /// The paths requested so far, in order.
    public var requestedPaths: [String] { server.requests.map(\.path) }

    private func answer(_ request: ServerRequest) -> ServerResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        lock.lock()
        defer { lock.unlock() }
        if parts.count == 3, parts[0] == "pypi", parts[2] == "json" {
            return projects[PackageName.normalize(parts[1])] ?? .notFound
        }
        if parts.count == 5, parts[0] == "integrity", parts[4] == "provenance" {
            return provenance["\(PackageName.normalize(parts[1]))/\(parts[2])/\(parts[3])"] ?? .notFound
        }
        return .notFound
    }
}
