/// Records passed checks for `explain`. `validate` runs with no trace at all, so
/// the detail strings (built lazily) cost nothing on the hot path.
final class CheckTrace {
    var steps: [(check: SAMLCheck, passed: Bool, detail: String)] = []

    func pass(_ check: SAMLCheck, _ detail: @autoclosure () -> String) {
        steps.append((check, true, detail()))
    }

    func fail(_ rejection: SAMLRejection) {
        let prefix = rejection.check.rawValue + ": "
        let detail = rejection.message.hasPrefix(prefix) ? String(rejection.message.dropFirst(prefix.count)) : rejection.message
        steps.append((rejection.check, false, detail))
    }
}
