import Foundation

/// Text surgery on signed XML, the way SAML Raider builds wrapping attacks.
enum XMLText {
    /// The first element that starts with `open` through its matching `close`, e.g. ("<saml:Assertion", "</saml:Assertion>").
    static func element(_ xml: String, _ open: String, _ close: String) -> String? {
        guard let start = xml.range(of: open), let end = xml.range(of: close, range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.lowerBound..<end.upperBound])
    }

    static func id(of element: String) -> String? {
        guard let r = element.range(of: " ID=\"") else { return nil }
        let rest = element[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
