import BrokerCore
import CXMLSec

/// One metadata signing certificate, parsed once into an xmlsec key that every
/// verification borrows (never copies: copying per document halves throughput).
final class ProviderKey: @unchecked Sendable {
    let certificateDER: [UInt8]
    let fingerprint: String
    /// nil when the certificate could not be loaded; kept so messages can name it.
    let key: OpaquePointer?
    let loadProblem: String?

    init(der: [UInt8]) {
        certificateDER = der
        fingerprint = Fingerprint.sha256(der)
        switch der.withUnsafeBufferPointer({ cxs_certificate_check($0.baseAddress, Int32(clamping: $0.count)) }) {
        case 0:
            key = der.withUnsafeBufferPointer { cxs_key_from_certificate_der($0.baseAddress, Int32(clamping: $0.count)) }
            loadProblem = key == nil ? "xmlsec could not load the certificate's key" : nil
        case 2:
            key = nil
            loadProblem = "key type or size not accepted (RSA >= 2048 or EC >= 256 bits)"
        default:
            key = nil
            loadProblem = "not a DER X.509 certificate"
        }
    }

    deinit { cxs_key_destroy(key) }
}

/// A provider ready for verification: its anchor plus loaded keys.
final class TrustedProvider: @unchecked Sendable {
    let anchor: SAMLProviderAnchor
    let keys: [ProviderKey]
    var usableKeys: [ProviderKey] { keys.filter { $0.key != nil } }

    init(anchor: SAMLProviderAnchor) {
        self.anchor = anchor
        self.keys = anchor.signingCertificatesDER.map(ProviderKey.init(der:))
    }
}

/// Built once per TrustAnchors version. Immutable after init, and xmlsec only
/// takes a reference-counted handle (EVP_PKEY_up_ref, atomic) on a borrowed key,
/// so one store serves any number of threads at once.
public final class SAMLTrustStore: @unchecked Sendable {
    public let version: UInt64
    public let accountID: String
    let providers: [TrustedProvider]

    public enum InitError: Error, AWSErrorConvertible {
        case cryptoUnavailable
        public var awsError: AWSError { AWSError(.internalFailure, "SAML crypto library failed to initialise") }
    }

    /// Parses every certificate once. A certificate that does not load makes
    /// only its own provider weaker (reported by `problems`, and a provider with
    /// no usable key fails closed at validation), never the whole store.
    public init(anchors: TrustAnchors) throws {
        guard XMLRuntime.prepare() else { throw InitError.cryptoUnavailable }
        version = anchors.version
        accountID = anchors.accountID
        providers = anchors.providers.map(TrustedProvider.init(anchor:))
    }

    /// Human-readable notes on certificates that could not be used.
    public var problems: [String] {
        providers.flatMap { p in
            p.keys.compactMap { k in k.loadProblem.map { "\(p.anchor.name): certificate SHA-256 \(k.fingerprint): \($0)" } }
        }
    }

    func provider(arn: String) -> TrustedProvider? { providers.first { $0.anchor.arn == arn } }
    func provider(name: String) -> TrustedProvider? { providers.first { $0.anchor.name == name } }
    func providers(entityID: String) -> [TrustedProvider] { providers.filter { $0.anchor.entityID == entityID } }
}
