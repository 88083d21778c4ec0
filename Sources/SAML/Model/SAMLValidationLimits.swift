/// Caps applied before and right after parsing. A real IdP response is a few KB
/// with tens of elements; these leave ample room while bounding the work any
/// single request can cause.
public struct SAMLValidationLimits: Sendable, Equatable {
    /// SAMLAssertion parameter length (AWS's documented quota).
    public var maxBase64Chars = 100_000
    /// Decoded document size (or raw XML size for `explain`).
    public var maxDecodedBytes = 80_000
    /// Element nesting depth (a SAML Response needs about 8).
    public var maxDepth = 24
    /// Total elements in the document.
    public var maxElements = 3_000
    /// Attributes (XML attributes) on one element.
    public var maxAttributesPerElement = 24
    /// saml:Attribute elements in the assertion.
    public var maxAttributes = 256
    /// saml:AttributeValue elements in the assertion.
    public var maxAttributeValues = 1_024
    /// Length of one identity text value (NameID, Issuer, Audience, AttributeValue).
    public var maxTextLength = 4_096
    /// Length of an ID attribute value.
    public var maxIDLength = 256

    public init() {}
}
