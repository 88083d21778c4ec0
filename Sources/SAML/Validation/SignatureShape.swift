/// A ds:Signature that passed the tree checks, with what verification needs.
struct SignatureShape {
    let signature: XMLNodePtr
    /// The element the signature is enveloped in, which its one Reference must name.
    let parent: XMLNodePtr
    let expectedURI: String
    let signatureMethod: String
    let digestMethod: String
    /// X509Certificate values of KeyInfo (a hint only: they must equal a metadata certificate).
    let embeddedCertificates: [[UInt8]]
}

/// Step 5a: the signature's own XML, checked by direct-child steps only (threats
/// §C2: CVE-2024-45409 found its DigestValue anywhere). Runs before xmlsec, so
/// disallowed algorithms and transforms are never executed.
enum SignatureShapeCheck {
    static func check(_ signature: XMLNodePtr, layout: ResponseLayout, allowSHA1: Bool) throws -> SignatureShape {
        guard let parent = signature.parentElement else {
            throw SAMLRejection(.structure, "ds:Signature has no parent element")
        }
        let parentID = parent == layout.root ? layout.responseID : layout.assertionID
        let where_ = parent == layout.root ? "Response" : "Assertion"

        let kids = signature.childElements
        guard kids.count >= 2, kids.count <= 3,
              kids[0].isElement("SignedInfo", XMLNamespace.dsig),
              kids[1].isElement("SignatureValue", XMLNamespace.dsig),
              kids.count == 2 || kids[2].isElement("KeyInfo", XMLNamespace.dsig) else {
            throw SAMLRejection(.structure, "\(where_) signature must contain SignedInfo, SignatureValue and optionally KeyInfo, in that order (found \(MessageText.list(kids.map { $0.localName })))")
        }
        let signedInfo = kids[0]
        guard case .text(let sigValue) = kids[1].singleText, isBase64(sigValue) else {
            throw SAMLRejection(.signature, "\(where_) SignatureValue must be a single base64 text node")
        }

        let si = signedInfo.childElements
        guard si.count == 3, si[0].isElement("CanonicalizationMethod", XMLNamespace.dsig),
              si[1].isElement("SignatureMethod", XMLNamespace.dsig) else {
            let refs = si.filter { $0.isElement("Reference", XMLNamespace.dsig) }.count
            if refs != 1 {
                throw SAMLRejection(.reference, "\(where_) SignedInfo must hold exactly one Reference (found \(refs))")
            }
            throw SAMLRejection(.structure, "\(where_) SignedInfo must contain CanonicalizationMethod, SignatureMethod, Reference (found \(MessageText.list(si.map { $0.localName })))")
        }
        guard si[2].isElement("Reference", XMLNamespace.dsig) else {
            throw SAMLRejection(.reference, "\(where_) SignedInfo must hold exactly one Reference (found \(MessageText.list(si.map { $0.localName })))")
        }
        let c14n = si[0].attribute("Algorithm") ?? ""
        guard SignatureAlgorithms.canonicalizations.contains(c14n) else {
            throw SAMLRejection(.signatureAlgorithm, "\(where_) CanonicalizationMethod \(MessageText.quote(c14n)) not allowed (expected exclusive C14N, or C14N 1.0/1.1 without comments)")
        }
        try onlyInclusiveNamespaces(si[0], algorithm: c14n, what: "\(where_) CanonicalizationMethod")
        let method = si[1].attribute("Algorithm") ?? ""
        if let problem = SignatureAlgorithms.signatureMethodProblem(method, allowSHA1: allowSHA1) {
            throw SAMLRejection(.signatureAlgorithm, "\(where_) SignatureMethod \(MessageText.quote(method)): \(problem)")
        }
        guard si[1].childElements.isEmpty else {
            throw SAMLRejection(.signatureAlgorithm, "\(where_) SignatureMethod must have no parameters (found \(MessageText.list(si[1].childElements.map { $0.localName })); HMACOutputLength is never accepted)")
        }

        let reference = si[2]
        let expectedURI = "#" + parentID
        guard let uri = reference.attribute("URI") else {
            throw SAMLRejection(.reference, "\(where_) Reference has no URI (expected \(MessageText.quote(expectedURI)))")
        }
        guard uri == expectedURI else {
            throw SAMLRejection(.reference, "\(where_) Reference URI is \(MessageText.quote(uri)), expected \(MessageText.quote(expectedURI)) (the ID of the element the signature is in)")
        }
        let digest = try checkReferenceChildren(reference, where_: where_, allowSHA1: allowSHA1)

        var certificates: [[UInt8]] = []
        if kids.count == 3 {
            certificates = try embeddedCertificates(kids[2], where_: where_)
        }
        return SignatureShape(signature: signature, parent: parent, expectedURI: expectedURI,
                              signatureMethod: method, digestMethod: digest, embeddedCertificates: certificates)
    }

    private static func checkReferenceChildren(_ reference: XMLNodePtr, where_: String, allowSHA1: Bool) throws -> String {
        var rk = reference.childElements
        // An enveloped signature can only verify if enveloped-signature runs first;
        // anything else is refused here, by name, before xmlsec sees it.
        guard let first = rk.first, first.isElement("Transforms", XMLNamespace.dsig) else {
            throw SAMLRejection(.transforms, "\(where_) Reference has no Transforms (expected enveloped-signature, optionally followed by exclusive C14N)")
        }
        do {
            let transforms = first.childElements
            guard transforms.first?.attribute("Algorithm") == SignatureAlgorithms.enveloped else {
                throw SAMLRejection(.transforms, "\(where_) Reference transforms must start with enveloped-signature, optionally followed by exclusive C14N")
            }
            guard transforms.count <= 2 else {
                throw SAMLRejection(.transforms, "\(where_) Reference has \(transforms.count) transforms (at most 2: enveloped-signature and exclusive C14N)")
            }
            var seen: Set<String> = []
            for t in transforms {
                let alg = t.attribute("Algorithm") ?? ""
                guard t.isElement("Transform", XMLNamespace.dsig), SignatureAlgorithms.referenceTransforms.contains(alg) else {
                    throw SAMLRejection(.transforms, "\(where_) Reference transform \(MessageText.quote(alg)) not allowed (expected enveloped-signature and/or exclusive C14N)")
                }
                guard seen.insert(alg).inserted else {
                    throw SAMLRejection(.transforms, "\(where_) Reference repeats transform \(MessageText.quote(alg))")
                }
                try onlyInclusiveNamespaces(t, algorithm: alg, what: "\(where_) Reference transform")
            }
            rk.removeFirst()
        }
        guard rk.count == 2, rk[0].isElement("DigestMethod", XMLNamespace.dsig), rk[1].isElement("DigestValue", XMLNamespace.dsig) else {
            throw SAMLRejection(.reference, "\(where_) Reference must contain [Transforms], DigestMethod, DigestValue (found \(MessageText.list(reference.childElements.map { $0.localName })))")
        }
        let digest = rk[0].attribute("Algorithm") ?? ""
        if let problem = SignatureAlgorithms.digestProblem(digest, allowSHA1: allowSHA1) {
            throw SAMLRejection(.signatureAlgorithm, "\(where_) DigestMethod \(MessageText.quote(digest)): \(problem)")
        }
        guard rk[0].childElements.isEmpty else {
            throw SAMLRejection(.signatureAlgorithm, "\(where_) DigestMethod must have no parameters")
        }
        guard case .text(let value) = rk[1].singleText, isBase64(value) else {
            throw SAMLRejection(.reference, "\(where_) DigestValue must be a single base64 text node")
        }
        return digest
    }

    /// Exclusive C14N may carry one InclusiveNamespaces PrefixList; nothing else
    /// may have parameters.
    private static func onlyInclusiveNamespaces(_ node: XMLNodePtr, algorithm: String, what: String) throws {
        let kids = node.childElements
        if kids.isEmpty { return }
        guard algorithm == SignatureAlgorithms.excC14N, kids.count == 1,
              kids[0].isElement("InclusiveNamespaces", XMLNamespace.excC14N), kids[0].childElements.isEmpty else {
            throw SAMLRejection(.transforms, "\(what) has unexpected parameters \(MessageText.list(kids.map { $0.localName }))")
        }
    }

    private static func embeddedCertificates(_ keyInfo: XMLNodePtr, where_: String) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for data in keyInfo.children("X509Data", XMLNamespace.dsig) {
            for cert in data.children("X509Certificate", XMLNamespace.dsig) {
                guard case .text(let text) = cert.singleText,
                      case .success(let der) = Base64Input.decode(text.utf8, spaceIsPlus: false, maxDecodedBytes: 16_384) else {
                    throw SAMLRejection(.certificateMatch, "\(where_) KeyInfo X509Certificate is not a single base64 text node")
                }
                out.append(der)
                guard out.count <= 8 else {
                    throw SAMLRejection(.certificateMatch, "\(where_) KeyInfo carries more than 8 certificates")
                }
            }
        }
        return out
    }

    private static func isBase64(_ s: String) -> Bool {
        if case .success = Base64Input.decode(s.utf8, spaceIsPlus: false, maxDecodedBytes: 16_384) { return true }
        return false
    }
}
