import CXMLSec

/// The parts of IdP metadata the broker trusts: the entityID and the signing
/// certificates. Parsed with the same hardened parser as responses.
public struct IdPMetadata: Equatable, Sendable {
    public var entityID: String
    /// Every IDPSSODescriptor KeyDescriptor with use="signing" or no use, in document order, deduplicated.
    public var signingCertificatesDER: [[UInt8]]
    /// Unix seconds, from EntityDescriptor/@validUntil when present.
    public var validUntil: Int64?

    /// AWS's SAMLMetadataDocument length constraint.
    public static let sizeRange = 1_000...10_000_000
    static let maxCertificates = 16

    public static func parse(_ document: String) throws -> IdPMetadata {
        let bytes = Array(document.utf8)
        guard sizeRange.contains(bytes.count) else {
            throw MetadataError("document must be \(sizeRange.lowerBound) to \(sizeRange.upperBound) characters (found \(bytes.count))")
        }
        guard XMLRuntime.prepare() else { throw MetadataError("XML security library failed to initialise") }
        var docPtr: xmlDocPtr?
        let result = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                cxs_parse_hardened($0, Int32(clamping: buf.count), &docPtr)
            }
        }
        switch result {
        case CXS_PARSE_OK: break
        case CXS_PARSE_DOCTYPE: throw MetadataError("document contains a DOCTYPE (DTDs and entities are not accepted)")
        case CXS_PARSE_XMLID: throw MetadataError("document uses xml:id attributes")
        default: throw MetadataError("document is not well-formed XML")
        }
        guard let d = docPtr else { throw MetadataError("document is not well-formed XML") }
        let doc = XMLDocumentHandle(d)
        guard let root = doc.root, root.isElement("EntityDescriptor", XMLNamespace.metadata) else {
            throw MetadataError("root element is \(MessageText.quote(doc.root?.qualifiedDescription ?? "none")), expected {\(XMLNamespace.metadata)}EntityDescriptor")
        }
        guard let entityID = root.attribute("entityID"), !entityID.isEmpty, entityID.utf8.count <= 1024 else {
            throw MetadataError("EntityDescriptor has no entityID (or one longer than 1024 bytes)")
        }
        var validUntil: Int64?
        if let raw = root.attribute("validUntil") {
            guard let t = XSDateTime.parse(raw) else { throw MetadataError("validUntil \(MessageText.quote(raw)) is not an xs:dateTime with a zone") }
            validUntil = t
        }
        let descriptors = root.children("IDPSSODescriptor", XMLNamespace.metadata)
        guard !descriptors.isEmpty else { throw MetadataError("no IDPSSODescriptor: this is not identity provider metadata") }

        var certificates: [[UInt8]] = []
        for descriptor in descriptors {
            for keyDescriptor in descriptor.children("KeyDescriptor", XMLNamespace.metadata) {
                let use = keyDescriptor.attribute("use")
                guard use == nil || use == "signing" else { continue }
                for keyInfo in keyDescriptor.children("KeyInfo", XMLNamespace.dsig) {
                    for data in keyInfo.children("X509Data", XMLNamespace.dsig) {
                        for cert in data.children("X509Certificate", XMLNamespace.dsig) {
                            let der = try certificateDER(cert)
                            if !certificates.contains(der) { certificates.append(der) }
                            guard certificates.count <= maxCertificates else {
                                throw MetadataError("more than \(maxCertificates) signing certificates")
                            }
                        }
                    }
                }
            }
        }
        guard !certificates.isEmpty else {
            throw MetadataError("IDPSSODescriptor has no signing certificate (KeyDescriptor use=\"signing\" or without use, with ds:X509Certificate)")
        }
        return IdPMetadata(entityID: entityID, signingCertificatesDER: certificates, validUntil: validUntil)
    }

    private static func certificateDER(_ node: XMLNodePtr) throws -> [UInt8] {
        guard case .text(let text) = node.singleText else {
            throw MetadataError("an X509Certificate is empty or not a single text node")
        }
        let der: [UInt8]
        switch Base64Input.decode(text.utf8, spaceIsPlus: false, maxDecodedBytes: 65_536) {
        case .success(let d): der = d
        case .failure(let f): throw MetadataError("an X509Certificate is not valid base64: \(Base64Input.describe(f))")
        }
        switch der.withUnsafeBufferPointer({ cxs_certificate_check($0.baseAddress, Int32(clamping: $0.count)) }) {
        case 0: return der
        case 2: throw MetadataError("certificate SHA-256 \(Fingerprint.sha256(der)) has a key type or size that is not accepted (RSA >= 2048 or EC >= 256 bits)")
        default: throw MetadataError("an X509Certificate is not a DER X.509 certificate")
        }
    }
}
