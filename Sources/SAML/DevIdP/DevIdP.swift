import CXMLSec
import Glibc

/// A development IdP: a key, a certificate and metadata for newcomers, and a fast
/// signer for tests and benchmarks. Not for production identities.
public enum DevIdP {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates an RSA-2048 key + self-signed certificate (PEM files, key mode 0600)
    /// and writes IdP metadata XML with one signing KeyDescriptor.
    public static func initialize(keyPath: String, certificatePath: String, metadataPath: String, entityID: String) throws {
        guard XMLRuntime.prepare() else { throw Failure(description: "crypto library failed to initialise") }
        guard cxs_generate_self_signed(keyPath, certificatePath, "broker development IdP", 3650) == 0 else {
            throw Failure(description: "could not write \(keyPath) / \(certificatePath)")
        }
        let der = try certificateDER(pemPath: certificatePath)
        let xml = metadataXML(entityID: entityID, signingCertificatesDER: [der])
        guard let f = fopen(metadataPath, "w") else { throw Failure(description: "cannot write \(metadataPath)") }
        defer { fclose(f) }
        guard fputs(xml, f) >= 0 else { throw Failure(description: "cannot write \(metadataPath)") }
    }

    /// IdP metadata naming `signingCertificatesDER` (several = a rollover window).
    public static func metadataXML(entityID: String, signingCertificatesDER: [[UInt8]],
                                   ssoLocation: String = "http://127.0.0.1:8080/dev-idp/sso") -> String {
        var keys = ""
        for der in signingCertificatesDER {
            keys += "\n    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
                + Base64Input.encode(der) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="\(ResponseXML.escape(entityID))">
          <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\(keys)
            <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="\(ResponseXML.escape(ssoLocation))"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>

        """
    }

    /// DER of the first certificate in a PEM file.
    public static func certificateDER(pemPath: String) throws -> [UInt8] {
        guard XMLRuntime.prepare() else { throw Failure(description: "crypto library failed to initialise") }
        var buffer: UnsafeMutablePointer<UInt8>?
        let n = cxs_certificate_pem_file_to_der(pemPath, &buffer)
        guard n > 0, let b = buffer else { throw Failure(description: "no certificate in \(pemPath)") }
        defer { free(b) }
        return Array(UnsafeBufferPointer(start: b, count: Int(n)))
    }

    /// `_` + 32 hex digits: a valid XML ID with 128 random bits.
    public static func randomID() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x5F]
        for _ in 0..<2 {
            var v = g.next() as UInt64
            for _ in 0..<16 { out.append(hex[Int(v & 0xF)]); v >>= 4 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Signs responses with one key loaded once. Safe to use from one thread at a time.
    public final class Signer {
        private let key: OpaquePointer
        private let certificateBase64: String
        public let certificateDER: [UInt8]

        public init(keyPEMPath: String, certificatePEMPath: String) throws {
            guard XMLRuntime.prepare() else { throw Failure(description: "crypto library failed to initialise") }
            guard let k = cxs_key_from_private_pem_file(keyPEMPath) else {
                throw Failure(description: "cannot load private key \(keyPEMPath)")
            }
            key = k
            do {
                certificateDER = try DevIdP.certificateDER(pemPath: certificatePEMPath)
            } catch {
                cxs_key_destroy(k)
                throw error
            }
            certificateBase64 = Base64Input.encode(certificateDER)
        }

        deinit { cxs_key_destroy(key) }

        /// A signed samlp:Response, base64.
        public func signedResponse(_ spec: ResponseSpec) throws -> String {
            Base64Input.encode(Array(try signedResponseXML(spec).utf8))
        }

        /// The signed samlp:Response as XML text (tests edit it to build attacks).
        public func signedResponseXML(_ spec: ResponseSpec) throws -> String {
            let template = ResponseXML.build(spec)
            guard spec.sign != .none else { return template }
            return try sign(template: template, includeCertificate: spec.includeCertificate)
        }

        /// Signs every ds:Signature template found directly under the Response and
        /// its Assertion (tests use it to sign hand-edited templates).
        func sign(template: String, includeCertificate: Bool) throws -> String {
            XMLRuntime.prepare()
            var docPtr: xmlDocPtr?
            let parsed = template.withCString { cxs_parse_hardened($0, Int32(clamping: strlen($0)), &docPtr) }
            guard parsed == CXS_PARSE_OK, let d = docPtr else { throw Failure(description: "response template did not parse") }
            let doc = XMLDocumentHandle(d)
            guard let root = doc.root else { throw Failure(description: "response template has no root") }
            let assertions = root.children("Assertion", XMLNamespace.samlAssertion)
            for element in [root] + assertions { register(element, in: doc) }
            // Inner (Assertion) first: the Response signature then covers the signed Assertion.
            for parent in assertions + [root] {
                for sig in parent.children("Signature", XMLNamespace.dsig) {
                    guard cxs_sign_signature(sig, key) == 0 else { throw Failure(description: "xmlsec signing failed") }
                    // KeyInfo is outside SignedInfo: adding it after signing keeps this
                    // signature valid, and before the outer one keeps that valid too.
                    if includeCertificate { appendKeyInfo(to: sig) }
                }
            }
            var out: UnsafeMutablePointer<xmlChar>?
            var size: Int32 = 0
            xmlDocDumpMemory(doc.doc, &out, &size)
            guard let o = out else { throw Failure(description: "serialisation failed") }
            defer { xmlFree(o) }
            return String(cString: UnsafeRawPointer(o).assumingMemoryBound(to: CChar.self))
        }

        private func appendKeyInfo(to signature: XMLNodePtr) {
            func child(_ parent: XMLNodePtr, _ name: String, _ text: String?) -> XMLNodePtr? {
                name.withCString { n in
                    let xn = UnsafeRawPointer(n).assumingMemoryBound(to: xmlChar.self)
                    guard let text = text else { return xmlNewChild(parent, signature.pointee.ns, xn, nil) }
                    return text.withCString { t in
                        xmlNewTextChild(parent, signature.pointee.ns, xn, UnsafeRawPointer(t).assumingMemoryBound(to: xmlChar.self))
                    }
                }
            }
            guard let keyInfo = child(signature, "KeyInfo", nil), let data = child(keyInfo, "X509Data", nil) else { return }
            _ = child(data, "X509Certificate", certificateBase64)
        }

        private func register(_ element: XMLNodePtr, in doc: XMLDocumentHandle) {
            "ID".withCString { name in
                let xname = UnsafeRawPointer(name).assumingMemoryBound(to: xmlChar.self)
                if let attr = xmlHasNsProp(element, xname, nil), let value = xmlGetNoNsProp(element, xname) {
                    xmlAddID(nil, doc.doc, value, attr)
                    xmlFree(value)
                }
            }
        }
    }
}
