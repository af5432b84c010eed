import Foundation

/// `db update`: downloads OSV's PyPI `all.zip` and imports it into the offline database.
package struct OfflineDatabaseUpdater: Sendable {
    /// OSV's public bucket, PyPI ecosystem.
    package static let defaultURL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
    /// The largest download accepted (the PyPI zip is tens of megabytes).
    package static let defaultLimit = 512 << 20

    let http: any HTTPClient
    let timeout: Double
    let maxBytes: Int

    package init(http: any HTTPClient, timeout: Double = 300, maxBytes: Int = defaultLimit) {
        self.http = http
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    /// Downloads `url` (at most `maxBytes`) and imports it, replacing the database's content in one transaction.
    /// A failed download or an unusable zip leaves the database as it was.
    package func update(_ database: OfflineDatabase, from url: String = defaultURL) async throws -> ImportSummary {
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(url: url, timeout: timeout, maxBodyBytes: maxBytes))
        } catch {
            throw AdvisoryError.failed(context: "downloading \(url)", underlying: OSVAPISource.reason(error))
        }
        guard response.status == 200 else { throw AdvisoryError.httpStatus(url: url, status: response.status) }
        do {
            return try database.importZipData(response.body, name: url)
        } catch let error as AdvisoryError {
            throw error
        } catch {
            throw AdvisoryError.failed(context: url, underlying: OSVAPISource.reason(error))
        }
    }
}
