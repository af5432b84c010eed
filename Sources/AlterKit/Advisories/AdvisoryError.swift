import Foundation

/// Everything that can go wrong while getting or reading advisory data. One line each, naming the file, record or
/// URL; bad input files are usage errors (2), a source that could not answer is a source failure (3).
package enum AdvisoryError: AlterKSError, Hashable {
    /// An OSV record that does not follow the schema. `origin` is the file, zip member or URL it came from.
    case malformedRecord(origin: String, id: String?, message: String)
    /// A data source answered, but not with what its API promises.
    case malformedResponse(url: String, message: String)
    /// A data source answered with an HTTP status we cannot use.
    case httpStatus(url: String, status: Int)
    /// An import found nothing usable; the previous database is kept.
    case nothingToImport(path: String, malformed: Int)
    /// An import input that is neither an OSV zip nor a folder of OSV JSON files.
    case unreadableImport(path: String, message: String)
    /// The offline database is missing or unusable.
    case database(path: String, message: String)
    /// A lower-level failure, wrapped with what we were doing.
    case failed(context: String, underlying: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .malformedRecord, .nothingToImport, .unreadableImport: .usage
        case .malformedResponse, .httpStatus, .database, .failed: .sourceFailure
        }
    }

    package var description: String {
        switch self {
        case .malformedRecord(let origin, let id, let message):
            if let id { "\(origin): OSV record \(id): \(message)" } else { "\(origin): not an OSV record: \(message)" }
        case .malformedResponse(let url, let message): "\(url): unexpected response: \(message)"
        case .httpStatus(let url, let status): "\(url): HTTP \(status)"
        case .nothingToImport(let path, let malformed):
            "\(path): no valid OSV records to import (\(malformed) malformed); the previous database is unchanged"
        case .unreadableImport(let path, let message): "\(path): \(message)"
        case .database(let path, let message): "\(path): \(message)"
        case .failed(let context, let underlying): "\(context): \(underlying)"
        }
    }
}
