/// The two ARN shapes a Role attribute value may contain. Parsed, not pattern-
/// matched loosely, so `provider,role` order and stray spaces are handled and
/// anything else is refused (threats §C8).
enum AttributeARN: Equatable {
    case role(String)
    case samlProvider(String)

    static func parse(_ raw: String) -> AttributeARN? {
        guard raw.utf8.count >= 20, raw.utf8.count <= 2048 else { return nil }
        let parts = raw.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-cn", "aws-us-gov"].contains(String(parts[1])),
              parts[2] == "iam", parts[3].isEmpty, parts[4].utf8.count == 12,
              parts[4].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let resource = parts[5]
        if resource.hasPrefix("role/") {
            let path = resource.dropFirst("role/".count)
            guard let name = path.split(separator: "/", omittingEmptySubsequences: false).last,
                  !name.isEmpty, name.utf8.count <= 64, validChars(path, extra: "/") else { return nil }
            return .role(raw)
        }
        if resource.hasPrefix("saml-provider/") {
            let name = resource.dropFirst("saml-provider/".count)
            guard !name.isEmpty, name.utf8.count <= 128, validChars(name, extra: "") else { return nil }
            return .samlProvider(raw)
        }
        return nil
    }

    /// `[\w+=,.@-]` (plus `/` in role paths), as IAM names allow.
    private static func validChars(_ s: Substring, extra: String) -> Bool {
        let slash = extra == "/"
        return s.utf8.allSatisfy { c in
            switch c {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x3D, 0x2C, 0x2E, 0x40, 0x2D, 0x5F: return true
            case 0x2F: return slash
            default: return false
            }
        }
    }

    static func roleName(_ roleArn: String) -> String {
        roleArn.split(separator: "/").last.map(String.init) ?? roleArn
    }
}
