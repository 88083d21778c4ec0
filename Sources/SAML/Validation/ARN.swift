import Glibc

/// The two ARN shapes a Role attribute value may contain. Parsed, not pattern-
/// matched loosely, so `provider,role` order and stray spaces are handled and
/// anything else is refused (threats §C8).
enum AttributeARN: Equatable {
    case role(String)
    case samlProvider(String)

    static func parse(_ raw: String) -> AttributeARN? {
        var raw = raw
        // Byte-level on purpose: this runs several times per request, and exact
        // byte comparison is stricter than String's canonical equivalence.
        let found: Kind? = raw.withUTF8 { AttributeARN.kind(of: $0) }
        switch found {
        case .role: return .role(raw)
        case .samlProvider: return .samlProvider(raw)
        case nil: return nil
        }
    }

    private enum Kind { case role, samlProvider }

    /// arn:{aws|aws-cn|aws-us-gov}:iam::<12 digits>:{role/[path/]name | saml-provider/name}
    private static func kind(of b: UnsafeBufferPointer<UInt8>) -> Kind? {
        guard b.count >= 20, b.count <= 2048 else { return nil }
        // Positions of the first five colons (the resource may contain more).
        var colons = (0, 0, 0, 0, 0), found = 0
        for i in 0..<b.count where b[i] == 0x3A {
            switch found {
            case 0: colons.0 = i
            case 1: colons.1 = i
            case 2: colons.2 = i
            case 3: colons.3 = i
            default: colons.4 = i
            }
            found += 1
            if found == 5 { break }
        }
        guard found == 5 else { return nil }
        func field(_ from: Int, _ to: Int, equals s: StaticString) -> Bool {
            to - from == s.utf8CodeUnitCount && memcmp(b.baseAddress! + from, s.utf8Start, to - from) == 0
        }
        guard field(0, colons.0, equals: "arn"),
              field(colons.0 + 1, colons.1, equals: "aws") || field(colons.0 + 1, colons.1, equals: "aws-cn")
                || field(colons.0 + 1, colons.1, equals: "aws-us-gov"),
              field(colons.1 + 1, colons.2, equals: "iam"),
              colons.3 == colons.2 + 1, colons.4 - colons.3 - 1 == 12,
              (colons.3 + 1..<colons.4).allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 }) else { return nil }
        let resource = colons.4 + 1
        if field(resource, min(resource + 5, b.count), equals: "role/") {
            let path = resource + 5
            var nameStart = path
            for i in path..<b.count where b[i] == 0x2F { nameStart = i + 1 }
            let nameLength = b.count - nameStart
            guard nameLength > 0, nameLength <= 64, validChars(b, path..<b.count, slash: true) else { return nil }
            return .role
        }
        if field(resource, min(resource + 14, b.count), equals: "saml-provider/") {
            let name = resource + 14
            guard b.count - name > 0, b.count - name <= 128, validChars(b, name..<b.count, slash: false) else { return nil }
            return .samlProvider
        }
        return nil
    }

    /// `[\w+=,.@-]` (plus `/` in role paths), as IAM names allow.
    private static func validChars(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, slash: Bool) -> Bool {
        range.allSatisfy { i in
            switch b[i] {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x3D, 0x2C, 0x2E, 0x40, 0x2D, 0x5F: return true
            case 0x2F: return slash
            default: return false
            }
        }
    }

    /// The account field of an ARN already accepted by `parse`.
    static func account(_ arn: String) -> Substring {
        var colons = 0
        var start = arn.utf8.startIndex
        for i in arn.utf8.indices where arn.utf8[i] == 0x3A {
            colons += 1
            if colons == 4 { start = arn.utf8.index(after: i) }
            if colons == 5 { return arn[start..<i] }
        }
        return ""
    }

    static func roleName(_ roleArn: String) -> String {
        roleArn.split(separator: "/").last.map(String.init) ?? roleArn
    }
}
