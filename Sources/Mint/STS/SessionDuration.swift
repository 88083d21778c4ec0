// How long issued credentials live (aws-wire.md §2.4): the requested duration
// (default 3600) must fit the role's maximum; the SessionDuration attribute and
// SessionNotOnOrAfter can only shorten it.

enum SessionDuration {
    static let minimum: Int64 = 900
    static let maximum: Int64 = 43200
    static let defaultSeconds: Int64 = 3600

    /// Seconds the credentials will live, or the ValidationError AWS returns.
    static func seconds(requested: Int64?, roleMaximum: Int64, sessionDurationAttribute: Int64?,
                        sessionNotOnOrAfter: Int64?, now: Int64) throws -> Int64 {
        let req = requested ?? defaultSeconds
        guard req <= roleMaximum else {
            throw MintError.validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        }
        var limit = req
        if let attr = sessionDurationAttribute { limit = min(limit, attr) }
        if let end = sessionNotOnOrAfter {
            let remaining = end - now
            guard remaining > 0 else {
                throw MintError.assertionExpired("The IdP session ended: SessionNotOnOrAfter \(ISO8601.format(end)) is not after now \(ISO8601.format(now)).")
            }
            limit = min(limit, remaining)
        }
        return limit
    }
}
