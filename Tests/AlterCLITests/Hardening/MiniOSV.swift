import AlterKit
import AlterTestSupport
import Foundation
import PythonPackaging

/// A small, correct OSV API for the hardening tests: `flask` (any version) is affected by PYSEC-2018-66 (served with
/// its real record from the bundled data), everything else is clean. Enough to tell a right answer (exit 1, the id in
/// the report) from a silent "clean".
enum MiniOSV {
    static let vulnerableName = "flask"
    static let vulnerabilityID = "PYSEC-2018-66"

    /// The real record, from the bundled `osv-pypi.zip`.
    static func record() throws -> Data {
        try ZipArchive(path: TestPaths.osvZip.path).contents(named: "\(vulnerabilityID).json")
    }

    /// Answers querybatch, query and vulns; counts nothing itself (the server does).
    static func handler() throws -> LoopbackHTTPServer.Handler {
        let record = try record()
        return { request in answer(request, record: record) }
    }

    static func answer(_ request: ServerRequest, record: Data) -> ServerResponse {
        switch (request.method, request.path) {
        case ("POST", "/v1/querybatch"):
            guard let object = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any],
                let queries = object["queries"] as? [[String: Any]]
            else { return ServerResponse.json(#"{"code": 3, "message": "Invalid request"}"#, status: 400) }
            let results: [String] = queries.map { query in
                isVulnerable(query)
                    ? #"{"vulns": [{"id": "\#(vulnerabilityID)", "modified": "2024-10-10T00:00:00Z"}]}"# : "{}"
            }
            return .json(#"{"results": [\#(results.joined(separator: ","))]}"#)
        case ("POST", "/v1/query"):
            guard let query = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] else {
                return ServerResponse.json(#"{"code": 3, "message": "Invalid request"}"#, status: 400)
            }
            if isVulnerable(query) {
                return .json(#"{"vulns": [\#(String(decoding: record, as: UTF8.self))]}"#)
            }
            return .json("{}")
        case ("GET", "/v1/vulns/\(vulnerabilityID)"):
            return .json(data: record)
        default:
            return ServerResponse.json(#"{"code": 5, "message": "Not found"}"#, status: 404)
        }
    }

    private static func isVulnerable(_ query: [String: Any]) -> Bool {
        let package = query["package"] as? [String: Any]
        return (package?["name"] as? String).map(PackageName.normalize) == vulnerableName
    }
}
