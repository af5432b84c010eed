/// Hides credentials in URLs before a command line is shown or stored, as pip's `redact_auth_from_url` does:
/// `https://user:secret@host/simple` → `https://user:****@host/simple`, `https://token@host` → `https://****@host`.
package enum CredentialRedaction {
    /// `arguments` with the user-info of every URL in them redacted (`--extra-index-url=URL` too).
    package static func redact(_ arguments: [String]) -> [String] { arguments.map(redact) }

    /// One argument, redacted.
    package static func redact(_ argument: String) -> String {
        guard let scheme = argument.range(of: "://") else { return argument }
        let authorityStart = scheme.upperBound
        let authorityEnd = argument[authorityStart...].firstIndex { "/?#".contains($0) } ?? argument.endIndex
        let authority = argument[authorityStart..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return argument }
        let userInfo = authority[..<at]
        let redacted: String
        if let colon = userInfo.firstIndex(of: ":") {
            redacted = String(userInfo[..<colon]) + ":****"
        } else {
            redacted = "****"
        }
        return String(argument[..<authorityStart]) + redacted + String(argument[at...])
    }
}
