// Identifier shapes AWS clients expect: access key ids are a 4-letter type prefix
// plus upper-case base32, secrets 40 base64-alphabet characters, unique ids
// (AROA/AIDA...) a prefix plus 17 base32 characters.

public enum CredentialFormat {
    private static let base32: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    private static let secretAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// "AKIA" (long-term) / "ASIA" (temporary) + 16 random base32 characters.
    public static func newAccessKeyID(prefix: String) -> String { prefix + randomString(16, from: base32) }

    /// 40 characters of [A-Za-z0-9+/], 240 bits of entropy.
    public static func newSecretAccessKey() -> String { randomString(40, from: secretAlphabet) }

    /// "AROA" (role) / "AIDA" (user) + 17 random base32 characters.
    public static func newUniqueID(prefix: String) -> String { prefix + randomString(17, from: base32) }

    /// True for the ids this broker issues: AKIA/ASIA + 16 base32 characters.
    public static func isAccessKeyID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 20 else { return false }
        let prefix = String(decoding: u[0..<4], as: UTF8.self)
        guard prefix == "AKIA" || prefix == "ASIA" else { return false }
        return u[4...].allSatisfy { base32.contains($0) }
    }

    /// Alphabets of 32 and 64 symbols divide 256, so masking a random byte is unbiased.
    private static func randomString(_ count: Int, from alphabet: [UInt8]) -> String {
        let mask = UInt8(alphabet.count - 1)
        return String(decoding: Crypto.randomBytes(count).map { alphabet[Int($0 & mask)] }, as: UTF8.self)
    }
}
