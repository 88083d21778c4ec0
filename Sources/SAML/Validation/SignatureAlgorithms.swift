/// XML-DSig algorithm URIs and the allowlists (threats §C3, §C6). Everything
/// not listed is refused before xmlsec sees the document.
enum SignatureAlgorithms {
    static let excC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let c14n10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    static let c14n11 = "http://www.w3.org/2006/12/xml-c14n11"
    static let enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

    static let canonicalizations: Set<String> = [excC14N, c14n10, c14n11]
    static let referenceTransforms: Set<String> = [enveloped, excC14N]

    static let strongSignatureMethods: Set<String> = [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
        rsaPSSSHA256, rsaPSSSHA384, rsaPSSSHA512,
    ]
    /// RSASSA-PSS as RFC 6931 §2.3.10 defines it: MGF1 with the same hash, salt as
    /// long as the hash (CXMLSec's RSASignatureTransforms.c; xmlsec 1.2 has no PSS).
    static let rsaPSSSHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
    static let rsaPSSSHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
    static let rsaPSSSHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
    static let rsaSHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"

    static let strongDigests: Set<String> = [
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ]
    static let sha1Digest = "http://www.w3.org/2000/09/xmldsig#sha1"

    /// Why a SignatureMethod is refused, or nil when allowed.
    static func signatureMethodProblem(_ uri: String, allowSHA1: Bool) -> String? {
        if strongSignatureMethods.contains(uri) { return nil }
        if uri == rsaSHA1 {
            return allowSHA1 ? nil : "RSA-SHA1 is deprecated and this provider has not opted in (allowSHA1)"
        }
        if uri.lowercased().contains("hmac") { return "HMAC signatures are never accepted for federation" }
        if uri.hasSuffix("#rsa-pss") {
            return "RSA-PSS with explicit RSAPSSParams (RFC 9231) is not supported; use sha256-rsa-MGF1 (RFC 6931)"
        }
        if uri.contains("rsa-MGF1") {
            return "RSA-PSS is accepted with SHA-256/384/512 only"
        }
        return "algorithm not in the allowlist (RSA-SHA256/384/512, RSA-PSS-SHA256/384/512 (MGF1), ECDSA-SHA256/384/512)"
    }

    static func digestProblem(_ uri: String, allowSHA1: Bool) -> String? {
        if strongDigests.contains(uri) { return nil }
        if uri == sha1Digest { return allowSHA1 ? nil : "SHA-1 digests are deprecated and this provider has not opted in (allowSHA1)" }
        return "digest not in the allowlist (SHA-256/384/512)"
    }
}
