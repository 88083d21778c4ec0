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
        // R0: the Reference URI was checked to be "#" + the parent's ID; confirm the
        // ID table we filled names exactly that element (pointer equality), so the
        // node we digest below is the node a URI lookup would find.
        guard referencedElement(shape, document: document) == shape.parent else {
            throw SAMLRejection(.reference, "\(what) Reference does not resolve to the element that contains the signature")
        }

        var matched: Int32 = -1
        let result = withKeyPointers(candidates) { keys in
            cxs_verify_enveloped(shape.signature, shape.parent, keys.baseAddress, Int32(keys.count),
                                 provider.anchor.policy.allowSHA1 ? 1 : 0, &matched)
        }
        switch result {
        case CXS_VERIFY_OK where matched >= 0 && Int(matched) < candidates.count:
            return candidates[Int(matched)]
        case CXS_VERIFY_REFERENCE:
            throw SAMLRejection(.reference, "\(what) signature must verify exactly one reference to \(MessageText.quote(shape.expectedURI))")
        case CXS_VERIFY_TRANSFORMS:
            throw SAMLRejection(.transforms, "\(what) Reference transforms must be enveloped-signature, optionally followed by exclusive C14N")
        case CXS_VERIFY_DIGEST:
            throw SAMLRejection(.signature, "\(what) reference digest does not match the signed content (the element was changed after signing)")
        case CXS_VERIFY_INVALID:
            throw SAMLRejection(.signature,
                "\(what) signature value did not verify with the provider's certificates (tried SHA-256 \(candidates.map(\.fingerprint).joined(separator: ", ")))")
        default:
            throw SAMLRejection(.signature,
                "\(what) signature could not be processed with the provider's certificates (key type or algorithm mismatch, or malformed values; tried SHA-256 \(candidates.map(\.fingerprint).joined(separator: ", ")))")
        }
    }

    private static func withKeyPointers<R>(_ keys: [ProviderKey], _ body: (UnsafeBufferPointer<OpaquePointer?>) -> R) -> R {
        // Almost every provider has one or two keys: no array for those.
        switch keys.count {
        case 1:
            var k: OpaquePointer? = keys[0].key
            return withUnsafePointer(to: &k) { body(UnsafeBufferPointer(start: $0, count: 1)) }
        default:
            return keys.map(\.key).withUnsafeBufferPointer(body)
        }
    }

    private static func referencedElement(_ shape: SignatureShape, document: XMLDocumentHandle) -> XMLNodePtr? {
        shape.expectedURI.utf8CString.withUnsafeBufferPointer { buf -> XMLNodePtr? in
            // Skip the leading "#".
            let id = UnsafeRawPointer(buf.baseAddress!).advanced(by: 1).assumingMemoryBound(to: xmlChar.self)
            guard let attr = xmlGetID(document.doc, id) else { return nil }
            return attr.pointee.parent
        }
    }
}
