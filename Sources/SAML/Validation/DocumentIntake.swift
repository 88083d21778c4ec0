import CXMLSec

/// Steps 1–2: size, base64, hardened parse. Produces the one parsed tree that
/// every later step reads (threats R0: parse once, never re-serialise).
enum DocumentIntake {
    static func decodeParameter(_ samlAssertion: String, limits: SAMLValidationLimits, trace: CheckTrace?) throws -> [UInt8] {
        let utf8 = samlAssertion.utf8
        guard utf8.count >= 4, utf8.count <= limits.maxBase64Chars else {
            throw SAMLRejection(.size, "SAMLAssertion must be 4 to \(limits.maxBase64Chars) characters (found \(utf8.count))")
        }
        trace?.pass(.size, "\(utf8.count) characters (limit \(limits.maxBase64Chars))")
        switch Base64Input.decode(utf8, spaceIsPlus: true, maxDecodedBytes: limits.maxDecodedBytes) {
        case .success(let bytes):
            trace?.pass(.base64, "decoded to \(bytes.count) bytes")
            return bytes
        case .failure(.tooLarge(let limit)):
            throw SAMLRejection(.size, "decoded SAML Response exceeds \(limit) bytes")
        case .failure(let f):
            throw SAMLRejection(.base64, "SAMLAssertion is not valid base64: \(Base64Input.describe(f))")
        }
    }

    static func parse(_ bytes: [UInt8], trace: CheckTrace?) throws -> XMLDocumentHandle {
        guard XMLRuntime.prepare() else {
            throw SAMLRejection(.xmlParse, "XML security library failed to initialise")
        }
        guard !bytes.isEmpty else { throw SAMLRejection(.xmlParse, "document is empty") }
        var doc: xmlDocPtr?
        let result = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                cxs_parse_hardened($0, Int32(clamping: buf.count), &doc)
            }
        }
        switch result {
        case CXS_PARSE_OK:
            guard let doc = doc else { throw SAMLRejection(.xmlParse, "document is not well-formed XML") }
            trace?.pass(.xmlParse, "well-formed; network, DTD loading and entity substitution disabled")
            trace?.pass(.doctype, "no DOCTYPE")
            return XMLDocumentHandle(doc)
        case CXS_PARSE_DOCTYPE:
            throw SAMLRejection(.doctype, "document contains a DOCTYPE; DTDs and entities are never accepted (expected none)")
        case CXS_PARSE_XMLID:
            throw SAMLRejection(.structure, "document uses xml:id attributes; only Response/@ID and Assertion/@ID may identify elements")
        default:
            throw SAMLRejection(.xmlParse, "document is not well-formed XML (or exceeds the parser's limits)")
        }
    }
}
