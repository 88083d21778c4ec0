// One CloudTrail-shaped audit record (aws-wire.md §7). Built from typed fields so
// no caller can put a secret in by accident: there is no field for a secret key,
// a session token or an assertion, and every free-text field is capped.
import BrokerCore

struct AuditEvent {
    var eventTime: Int64
    var eventSource: String
    var eventName: String
    var region: String
    var context: RequestContext
    var readOnly: Bool = false
    var userIdentity: JSONText?
    var requestParameters: JSONText?
    var responseElements: JSONText?
    var resources: [JSONText] = []
    var recipientAccountID: String?
    var error: AWSError?
    /// Set when the event is another process's word (gate's rejections), not mint's own decision.
    var reportedBy: String?

    static let maxField = 256
    static let maxMessage = 1024

    static func cap(_ s: String, _ limit: Int = maxField) -> String {
        s.utf8.count <= limit ? s : String(decoding: Array(s.utf8.prefix(limit)), as: UTF8.self) + "..."
    }

    init(time: Int64, service: AWSService, eventName: String, region: String, context: RequestContext) {
        eventTime = time
        eventSource = service == .iam ? "iam.amazonaws.com" : "sts.amazonaws.com"
        self.eventName = AuditEvent.cap(eventName, 64)
        self.region = region
        self.context = context
    }

    func json(eventID: String) -> JSONText {
        var j = JSONText()
        j.string("eventVersion", "1.08")
        var time: [UInt8] = []
        time.reserveCapacity(20)
        ISO8601.append(eventTime, to: &time)
        j.rawString("eventTime", time)
        j.string("eventSource", eventSource)
        j.string("eventName", eventName)
        j.string("awsRegion", region)
        j.string("sourceIPAddress", AuditEvent.cap(context.sourceIP, 64))
        j.string("userAgent", AuditEvent.cap(context.userAgent))
        if let u = userIdentity { j.object("userIdentity", u) } else { j.null("userIdentity") }
        if let p = requestParameters { j.object("requestParameters", p) } else { j.null("requestParameters") }
        if let r = responseElements { j.object("responseElements", r) } else { j.null("responseElements") }
        if let e = error {
            j.string("errorCode", e.code.rawValue)
            j.string("errorMessage", AuditEvent.cap(e.message, AuditEvent.maxMessage))
        }
        j.string("requestID", AuditEvent.cap(context.requestID, 128))
        j.string("eventID", eventID)
        j.bool("readOnly", readOnly)
        if !resources.isEmpty { j.objects("resources", resources) }
        j.string("eventType", "AwsApiCall")
        j.bool("managementEvent", true)
        j.string("eventCategory", "Management")
        j.string("recipientAccountId", recipientAccountID)
        j.string("brokerReportedBy", reportedBy)
        return j
    }
}

/// requestParameters from a Query request: every parameter except the protocol's
/// own and anything secret, names lower-camel-cased as CloudTrail does, values capped.
enum AuditParameters {
    /// Large documents are omitted; secrets are never logged.
    private static func isExcluded(_ name: String) -> Bool {
        if name == "Action" || name == "Version" || name.hasPrefix("X-Amz-") { return true }
        let lower = name.lowercased()
        return lower.contains("secret") || lower.contains("token") || lower.contains("password")
            || lower.contains("privatekey") || lower.contains("assertion") || name == "SAMLMetadataDocument"
    }

    static func lowerCamel(_ s: String) -> String {
        if let b = s.utf8.first, b < 0x80 {
            // ASCII first letter (every Query parameter name): no Character machinery.
            guard b >= 0x41 && b <= 0x5a else { return s }
            var u = Array(s.utf8)
            u[0] = b | 0x20
            return String(decoding: u, as: UTF8.self)
        }
        guard let f = s.first else { return s }
        // SAMLProviderArn -> sAMLProviderArn, as CloudTrail spells it.
        return f.lowercased() + s.dropFirst()
    }

    static func from(_ params: QueryParameters) -> JSONText? {
        var j = JSONText()
        var any = false
        for (name, value) in params.pairs.prefix(64) where !isExcluded(name) {
            j.string(lowerCamel(AuditEvent.cap(name, 128)), AuditEvent.cap(value, 512))
            any = true
        }
        return any ? j : nil
    }
}
