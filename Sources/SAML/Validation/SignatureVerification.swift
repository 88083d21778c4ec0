import CXMLSec

/// Step 5b: cryptographic verification with the provider's metadata keys only.
/// KeyInfo is a hint: an embedded certificate must byte-equal a metadata
/// certificate, and then that certificate's key (from our store) is used.
enum SignatureVerification {
    static func verify(_ shape: SignatureShape, layout: ResponseLayout, document: XMLDocumentHandle,
                       provider: TrustedProvider) throws -> ProviderKey {
        let usable = provider.usableKeys
        guard !usable.isEmpty else {
            throw SAMLRejection(.provider, "provider \(MessageText.quote(provider.anchor.name)) has no usable signing certificate; refusing every response (fail closed)")
        }
        let what = shape.parent == layout.root ? "Response" : "Assertion"
        let candidates: [ProviderKey]
        if shape.embeddedCertificates.isEmpty {
            candidates = usable   // rollover: any metadata key may have signed
        } else {
            let matching = usable.filter { k in shape.embeddedCertificates.contains(k.certificateDER) }
            guard !matching.isEmpty else {
                throw SAMLRejection(.certificateMatch,
                    "\(what) signature's KeyInfo certificate matches none of the provider's metadata certificates (expected SHA-256 one of \(usable.map(\.fingerprint)), found \(shape.embeddedCertificates.map(Fingerprint.sha256)))")
            }
            candidates = matching
        }

        var outcomes: [String] = []
        for key in candidates {
            guard let k = key.key else { continue }
            let result = cxs_verify_signature(shape.signature, k, provider.anchor.policy.allowSHA1 ? 1 : 0, shape.expectedURI)
            switch result {
            case CXS_VERIFY_OK:
                // R0: the node xmlsec digested was found through the ID table we
                // filled; confirm that table names exactly the element the
                // signature sits in (pointer equality, not a second search).
                guard referencedElement(shape, document: document) == shape.parent else {
                    throw SAMLRejection(.reference, "\(what) Reference does not resolve to the element that contains the signature")
                }
                return key
            case CXS_VERIFY_REFERENCE:
                throw SAMLRejection(.reference, "\(what) signature must verify exactly one reference to \(MessageText.quote(shape.expectedURI))")
            case CXS_VERIFY_INVALID:
                outcomes.append("\(key.fingerprint): digest or signature value does not match")
            default:
                outcomes.append("\(key.fingerprint): could not be processed with this key (key type or algorithm mismatch)")
            }
        }
        throw SAMLRejection(.signature,
            "\(what) signature did not verify with the provider's certificates (tried SHA-256 \(outcomes.joined(separator: "; ")))")
    }

    private static func referencedElement(_ shape: SignatureShape, document: XMLDocumentHandle) -> XMLNodePtr? {
        let id = String(shape.expectedURI.dropFirst())
        return id.withCString { c -> XMLNodePtr? in
            guard let attr = xmlGetID(document.doc, UnsafeRawPointer(c).assumingMemoryBound(to: xmlChar.self)) else { return nil }
            return attr.pointee.parent
        }
    }
}
