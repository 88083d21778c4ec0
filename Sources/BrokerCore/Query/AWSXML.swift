// The Query protocol's XML envelopes (aws-wire.md §1.2, §1.3) and the escaping
// every result writer uses.

public enum AWSXML {
    /// Escapes text for element content and attribute values.
    public static func escape(_ s: String) -> String {
        var needs = false
        for c in s.utf8 where c == 0x26 || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x27 || c < 0x20 { needs = true; break }
        if !needs { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += "&#\(ch.value);"
            default:
                // Other C0 controls cannot appear in XML 1.0 at all.
                if ch.value < 0x20 { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// `<Name>escaped</Name>`
    public static func element(_ name: String, _ text: String) -> String {
        "<\(name)>\(escape(text))</\(name)>"
    }

    public static func success(action: String, service: AWSService, resultXML: String?, requestID: String) -> String {
        var s = "<\(action)Response xmlns=\"\(service.namespace)\">\n"
        if let r = resultXML { s += "  <\(action)Result>\(r)</\(action)Result>\n" }
        s += "  <ResponseMetadata>\n    <RequestId>\(requestID)</RequestId>\n  </ResponseMetadata>\n</\(action)Response>\n"
        return s
    }

    public static func error(_ e: AWSError, service: AWSService, requestID: String) -> String {
        "<ErrorResponse xmlns=\"\(service.namespace)\">\n  <Error>\n    <Type>\(e.code.faultType)</Type>\n"
            + "    <Code>\(e.code.rawValue)</Code>\n    <Message>\(escape(e.message))</Message>\n  </Error>\n"
            + "  <RequestId>\(requestID)</RequestId>\n</ErrorResponse>\n"
    }
}
