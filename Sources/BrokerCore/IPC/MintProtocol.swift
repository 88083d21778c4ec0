// The whole gate -> mint protocol, in one place (cf. OpenSSH's mon_dispatch_proto20[]).
//
// gate may ask mint for exactly these things and nothing else. Each request is one
// frame: magic "BK", protocol version, message type, big-endian length, payload.
// mint decodes every field with explicit limits and re-checks it against its own
// store; an unknown type, a wrong version, an oversize frame or trailing bytes
// closes the connection without a reply.
//
//  type                  | payload            | reply          | who may send
//  ----------------------|--------------------|----------------|-------------
//  ping                  | -                  | pong           | gate, supervisor health check
//  signedCall            | SignedCall         | callResult     | gate: any SigV4-signed Query request, forwarded raw
//  exchangeSAML          | SAMLExchange       | callResult     | gate: a validated SAML claim for AssumeRoleWithSAML
//  fetchTrustAnchors     | -                  | trustAnchors   | gate: SAML provider certificates + policies
//  reportRejection       | Rejection          | callResult     | gate: an input it refused, for the audit log

public enum MintProtocol {
    public static let magic: (UInt8, UInt8) = (0x42, 0x4B) // "BK"
    public static let version: UInt8 = 1
    public static let headerSize = 8
    /// Hard cap on a frame: the largest HTTP body gate accepts plus headers.
    public static let maxFrame = 24 * 1024 * 1024
}

public enum MintRequestType: UInt8, Sendable {
    case ping = 1
    case signedCall = 2
    case exchangeSAML = 3
    case fetchTrustAnchors = 4
    case reportRejection = 5
}

public enum MintReplyType: UInt8, Sendable {
    case pong = 0x81
    case callResult = 0x82
    case trustAnchors = 0x84
}

/// Field limits shared by both ends (mint enforces them when decoding).
public enum WireLimits {
    public static let shortString = 2048
    public static let header = 16 * 1024
    public static let headerCount = 100
    public static let body = MintProtocol.maxFrame - 64 * 1024
    public static let listCount = 256
    public static let certificate = 64 * 1024
    public static let resultXML = MintProtocol.maxFrame - 64 * 1024
}

/// Who sent the request, for audit and SigV4 — never trusted for authorization.
public struct RequestContext: Equatable, Sendable {
    public var requestID: String
    public var sourceIP: String
    public var userAgent: String
    public init(requestID: String, sourceIP: String, userAgent: String) {
        self.requestID = requestID; self.sourceIP = sourceIP; self.userAgent = userAgent
    }
}

/// A SigV4-signed Query request exactly as it arrived (after HTTP framing).
/// mint parses the parameters itself and verifies the signature over these bytes.
public struct SignedCall: Equatable, Sendable {
    public var context: RequestContext
    public var method: String
    public var path: String
    public var rawQuery: String
    /// Header fields in arrival order, names as sent.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(context: RequestContext, method: String, path: String, rawQuery: String, headers: [(String, String)], body: [UInt8]) {
        self.context = context; self.method = method; self.path = path; self.rawQuery = rawQuery
        self.headers = headers; self.body = body
    }

    public static func == (a: SignedCall, b: SignedCall) -> Bool {
        a.context == b.context && a.method == b.method && a.path == b.path && a.rawQuery == b.rawQuery
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1) && a.body == b.body
    }
}

/// AssumeRoleWithSAML after gate validated the assertion: the request parameters
/// plus the claim.
public struct SAMLExchange: Equatable, Sendable {
    public var context: RequestContext
    public var roleArn: String
    public var principalArn: String
    public var durationSeconds: Int64?
    public var policy: String?
    public var policyArns: [String]
    public var claim: SAMLClaim

    public init(context: RequestContext, roleArn: String, principalArn: String, durationSeconds: Int64?,
                policy: String?, policyArns: [String], claim: SAMLClaim) {
        self.context = context; self.roleArn = roleArn; self.principalArn = principalArn
        self.durationSeconds = durationSeconds; self.policy = policy; self.policyArns = policyArns; self.claim = claim
    }
}

/// An input gate refused, reported so the audit log sees failures too.
public struct Rejection: Equatable, Sendable {
    public var context: RequestContext
    public var eventName: String
    /// Non-secret request parameters (RoleArn, PrincipalArn, assertion ID if known).
    public var parameters: [(String, String)]
    public var error: AWSError

    public init(context: RequestContext, eventName: String, parameters: [(String, String)], error: AWSError) {
        self.context = context; self.eventName = eventName; self.parameters = parameters; self.error = error
    }

    public static func == (a: Rejection, b: Rejection) -> Bool {
        a.context == b.context && a.eventName == b.eventName && a.error == b.error
            && a.parameters.map(\.0) == b.parameters.map(\.0) && a.parameters.map(\.1) == b.parameters.map(\.1)
    }
}

public enum AWSService: UInt8, Sendable {
    case sts = 1
    case iam = 2

    public var namespace: String {
        switch self {
        case .sts: return "https://sts.amazonaws.com/doc/2011-06-15/"
        case .iam: return "https://iam.amazonaws.com/doc/2010-05-08/"
        }
    }

    public var apiVersion: String {
        switch self {
        case .sts: return "2011-06-15"
        case .iam: return "2010-05-08"
        }
    }

    public var signingName: String {
        switch self {
        case .sts: return "sts"
        case .iam: return "iam"
        }
    }
}

/// mint's answer to a call: the inner XML of `<{Action}Result>` (nil: the action has
/// no result element), or an AWS error. gate wraps it in the envelope.
public enum CallResult: Equatable, Sendable {
    case success(action: String, service: AWSService, resultXML: String?)
    case failure(service: AWSService, error: AWSError)
}

public struct TrustAnchors: Equatable, Sendable {
    public var version: UInt64
    public var accountID: String
    public var providers: [SAMLProviderAnchor]
    public init(version: UInt64, accountID: String, providers: [SAMLProviderAnchor]) {
        self.version = version; self.accountID = accountID; self.providers = providers
    }
}

public enum MintRequest: Equatable, Sendable {
    case ping
    case signedCall(SignedCall)
    case exchangeSAML(SAMLExchange)
    case fetchTrustAnchors
    case reportRejection(Rejection)

    public var type: MintRequestType {
        switch self {
        case .ping: return .ping
        case .signedCall: return .signedCall
        case .exchangeSAML: return .exchangeSAML
        case .fetchTrustAnchors: return .fetchTrustAnchors
        case .reportRejection: return .reportRejection
        }
    }
}

/// Every reply carries mint's configuration version, so gate learns of a changed
/// provider on its next request and refetches the anchors.
public enum MintReply: Equatable, Sendable {
    case pong(configVersion: UInt64)
    case callResult(configVersion: UInt64, CallResult)
    case trustAnchors(TrustAnchors)

    public var configVersion: UInt64 {
        switch self {
        case .pong(let v), .callResult(let v, _): return v
        case .trustAnchors(let a): return a.version
        }
    }
}
