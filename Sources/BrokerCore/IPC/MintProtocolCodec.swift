// Encoding and decoding of the messages listed in MintProtocol.swift.

public enum MintCodec {
    // MARK: frames

    public static func frame(type: UInt8, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [MintProtocol.magic.0, MintProtocol.magic.1, MintProtocol.version, type]
        out.reserveCapacity(MintProtocol.headerSize + payload.count)
        let n = UInt32(payload.count)
        out += [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
                UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
        out += payload
        return out
    }

    /// A writer whose first bytes are a frame header with the type and length left
    /// blank, so encoding a message allocates its buffer once instead of building the
    /// payload and then copying it behind a header (see `framed`).
    static func frameWriter(capacity: Int) -> WireWriter {
        var w = WireWriter(capacity: MintProtocol.headerSize + capacity)
        w.u8(MintProtocol.magic.0); w.u8(MintProtocol.magic.1); w.u8(MintProtocol.version); w.u8(0); w.u32(0)
        return w
    }

    /// The frame a `frameWriter` holds, with its type and payload length filled in.
    static func framed(_ w: consuming WireWriter, type: UInt8) -> [UInt8] {
        var out = w.bytes
        let n = UInt32(truncatingIfNeeded: out.count - MintProtocol.headerSize)
        out[3] = type
        out[4] = UInt8(truncatingIfNeeded: n >> 24); out[5] = UInt8(truncatingIfNeeded: n >> 16)
        out[6] = UInt8(truncatingIfNeeded: n >> 8); out[7] = UInt8(truncatingIfNeeded: n)
        return out
    }

    /// Validates a frame header; returns (type, payload length).
    public static func parseHeader(_ h: [UInt8]) throws -> (UInt8, Int) {
        guard h.count == MintProtocol.headerSize else { throw WireError.truncated(field: "header") }
        guard h[0] == MintProtocol.magic.0, h[1] == MintProtocol.magic.1 else { throw WireError.invalid(field: "magic") }
        guard h[2] == MintProtocol.version else { throw WireError.invalid(field: "version") }
        let n = Int(h[4]) << 24 | Int(h[5]) << 16 | Int(h[6]) << 8 | Int(h[7])
        guard n <= MintProtocol.maxFrame else { throw WireError.tooLong(field: "frame", limit: MintProtocol.maxFrame) }
        return (h[3], n)
    }

    // MARK: requests

    public static func encode(_ r: MintRequest) -> [UInt8] {
        var w = frameWriter(capacity: estimatedSize(r))
        switch r {
        case .ping, .fetchTrustAnchors:
            break
        case .signedCall(let c):
            writeContext(&w, c.context)
            w.string(c.method); w.string(c.path); w.string(c.rawQuery); w.pairs(c.headers); w.blob(c.body)
        case .exchangeSAML(let x):
            writeContext(&w, x.context)
            w.string(x.roleArn); w.string(x.principalArn); w.optionalI64(x.durationSeconds)
            w.optionalString(x.policy); w.strings(x.policyArns)
            writeClaim(&w, x.claim)
        case .reportRejection(let r):
            writeContext(&w, r.context)
            w.string(r.eventName); w.pairs(r.parameters); w.string(r.error.code.rawValue); w.string(r.error.message)
        }
        return framed(w, type: r.type.rawValue)
    }

    /// Enough for a signed call's payload in one allocation (its headers and query
    /// dominate); other requests start small and grow as WireWriter does.
    private static func estimatedSize(_ r: MintRequest) -> Int {
        guard case .signedCall(let c) = r else { return 256 }
        var n = 128 + c.context.requestID.utf8.count + c.context.sourceIP.utf8.count + c.context.userAgent.utf8.count
        n += c.method.utf8.count + c.path.utf8.count + c.rawQuery.utf8.count + c.body.count
        for (k, v) in c.headers { n += 8 + k.utf8.count + v.utf8.count }
        return n
    }

    public static func decodeRequest(type: UInt8, payload: [UInt8]) throws -> MintRequest {
        guard let t = MintRequestType(rawValue: type) else { throw WireError.invalid(field: "type") }
        var r = WireReader(payload)
        let req: MintRequest
        switch t {
        case .ping: req = .ping
        case .fetchTrustAnchors: req = .fetchTrustAnchors
        case .signedCall:
            let ctx = try readContext(&r)
            let method = try r.string("method", max: 16)
            let path = try r.string("path", max: WireLimits.shortString)
            let query = try r.string("query", max: WireLimits.body)
            let headers = try r.pairs("headers", maxCount: WireLimits.headerCount, maxLength: WireLimits.header)
            let body = try r.blob("body", max: WireLimits.body)
            req = .signedCall(SignedCall(context: ctx, method: method, path: path, rawQuery: query, headers: headers, body: body))
        case .exchangeSAML:
            let ctx = try readContext(&r)
            let role = try r.string("roleArn", max: WireLimits.shortString)
            let principal = try r.string("principalArn", max: WireLimits.shortString)
            let duration = try r.optionalI64("durationSeconds")
            let policy = try r.optionalString("policy", max: WireLimits.shortString)
            let arns = try r.strings("policyArns", maxCount: 10, maxLength: WireLimits.shortString)
            let claim = try readClaim(&r)
            req = .exchangeSAML(SAMLExchange(context: ctx, roleArn: role, principalArn: principal, durationSeconds: duration,
                                             policy: policy, policyArns: arns, claim: claim))
        case .reportRejection:
            let ctx = try readContext(&r)
            let name = try r.string("eventName", max: 64)
            let params = try r.pairs("parameters", maxCount: 16, maxLength: WireLimits.shortString)
            let code = try r.string("code", max: 64)
            let message = try r.string("message", max: 8192)
            guard let c = AWSErrorCode(rawValue: code) else { throw WireError.invalid(field: "code") }
            req = .reportRejection(Rejection(context: ctx, eventName: name, parameters: params, error: AWSError(c, message)))
        }
        try r.finish()
        return req
    }

    // MARK: replies

    public static func encode(_ reply: MintReply) -> [UInt8] {
        var capacity = 64
        if case .callResult(_, .success(_, _, let xml?)) = reply { capacity += xml.utf8.count }
        var w = frameWriter(capacity: capacity)
        let type: MintReplyType
        switch reply {
        case .pong(let v):
            type = .pong; w.u64(v)
        case .callResult(let v, let result):
            type = .callResult; w.u64(v)
            switch result {
            case .success(let action, let service, let xml):
                w.u8(0); w.string(action); w.u8(service.rawValue); w.optionalString(xml)
            case .failure(let service, let error):
                w.u8(1); w.u8(service.rawValue); w.string(error.code.rawValue); w.string(error.message)
            }
        case .trustAnchors(let a):
            type = .trustAnchors; w.u64(a.version); w.string(a.accountID)
            w.u32(UInt32(a.providers.count))
            for p in a.providers {
                w.string(p.name); w.string(p.arn); w.string(p.entityID)
                w.u32(UInt32(p.signingCertificatesDER.count))
                for c in p.signingCertificatesDER { w.blob(c) }
                w.strings(p.policy.nameIDFormats); w.i64(p.policy.clockSkewSeconds)
                w.i64(p.policy.maxAssertionAgeSeconds); w.bool(p.policy.allowSHA1); w.bool(p.policy.strictReplay)
            }
        }
        return framed(w, type: type.rawValue)
    }

    public static func decodeReply(type: UInt8, payload: [UInt8]) throws -> MintReply {
        guard let t = MintReplyType(rawValue: type) else { throw WireError.invalid(field: "type") }
        var r = WireReader(payload)
        let reply: MintReply
        switch t {
        case .pong:
            reply = .pong(configVersion: try r.u64("version"))
        case .callResult:
            let v = try r.u64("version")
            switch try r.u8("status") {
            case 0:
                let action = try r.string("action", max: 128)
                guard let svc = AWSService(rawValue: try r.u8("service")) else { throw WireError.invalid(field: "service") }
                let xml = try r.optionalString("result", max: WireLimits.resultXML)
                reply = .callResult(configVersion: v, .success(action: action, service: svc, resultXML: xml))
            case 1:
                guard let svc = AWSService(rawValue: try r.u8("service")) else { throw WireError.invalid(field: "service") }
                guard let code = AWSErrorCode(rawValue: try r.string("code", max: 64)) else { throw WireError.invalid(field: "code") }
                let message = try r.string("message", max: 64 * 1024)
                reply = .callResult(configVersion: v, .failure(service: svc, error: AWSError(code, message)))
            default:
                throw WireError.invalid(field: "status")
            }
        case .trustAnchors:
            let v = try r.u64("version")
            let account = try r.string("accountID", max: 12)
            let n = Int(try r.u32("providers"))
            guard n <= 1000 else { throw WireError.tooLong(field: "providers", limit: 1000) }
            var providers: [SAMLProviderAnchor] = []
            for _ in 0..<n {
                let name = try r.string("name", max: 128)
                let arn = try r.string("arn", max: WireLimits.shortString)
                let entity = try r.string("entityID", max: WireLimits.shortString)
                let certCount = Int(try r.u32("certificates"))
                guard certCount <= 10 else { throw WireError.tooLong(field: "certificates", limit: 10) }
                var certs: [[UInt8]] = []
                for _ in 0..<certCount { certs.append(try r.blob("certificate", max: WireLimits.certificate)) }
                let formats = try r.strings("nameIDFormats", maxCount: 16, maxLength: 256)
                let policy = ProviderPolicy(nameIDFormats: formats, clockSkewSeconds: try r.i64("clockSkew"),
                                            maxAssertionAgeSeconds: try r.i64("maxAge"), allowSHA1: try r.bool("allowSHA1"),
                                            strictReplay: try r.bool("strictReplay"))
                providers.append(SAMLProviderAnchor(name: name, arn: arn, entityID: entity, signingCertificatesDER: certs, policy: policy))
            }
            reply = .trustAnchors(TrustAnchors(version: v, accountID: account, providers: providers))
        }
        try r.finish()
        return reply
    }

    // MARK: shared pieces

    private static func writeContext(_ w: inout WireWriter, _ c: RequestContext) {
        w.string(c.requestID); w.string(c.sourceIP); w.string(c.userAgent)
    }

    private static func readContext(_ r: inout WireReader) throws -> RequestContext {
        RequestContext(requestID: try r.string("requestID", max: 64), sourceIP: try r.string("sourceIP", max: 64),
                       userAgent: try r.string("userAgent", max: 1024))
    }

    private static func writeClaim(_ w: inout WireWriter, _ c: SAMLClaim) {
        w.string(c.providerName); w.string(c.issuer); w.string(c.subject); w.string(c.subjectFormat)
        w.string(c.recipient); w.strings(c.audiences); w.string(c.assertionID); w.i64(c.issueInstant)
        w.i64(c.notOnOrAfter)
        w.u32(UInt32(c.rolePairs.count)); for p in c.rolePairs { w.string(p.roleArn); w.string(p.principalArn) }
        w.string(c.roleSessionName); w.optionalI64(c.sessionDuration); w.optionalI64(c.sessionNotOnOrAfter)
        w.pairs(c.principalTags.map { ($0.key, $0.value) }); w.strings(c.transitiveTagKeys)
        w.optionalString(c.sourceIdentity)
        w.u32(UInt32(c.conditionKeys.count)); for (k, v) in c.conditionKeys { w.string(k); w.strings(v) }
    }

    private static func readClaim(_ r: inout WireReader) throws -> SAMLClaim {
        let s = WireLimits.shortString
        let provider = try r.string("providerName", max: 128)
        let issuer = try r.string("issuer", max: s)
        let subject = try r.string("subject", max: s)
        let format = try r.string("subjectFormat", max: 256)
        let recipient = try r.string("recipient", max: s)
        let audiences = try r.strings("audiences", maxCount: 32, maxLength: s)
        let id = try r.string("assertionID", max: 256)
        let issued = try r.i64("issueInstant")
        let notAfter = try r.i64("notOnOrAfter")
        let pairCount = Int(try r.u32("rolePairs"))
        guard pairCount <= WireLimits.listCount else { throw WireError.tooLong(field: "rolePairs", limit: WireLimits.listCount) }
        var pairs: [RolePair] = []
        for _ in 0..<pairCount {
            pairs.append(RolePair(roleArn: try r.string("roleArn", max: s), principalArn: try r.string("principalArn", max: s)))
        }
        let session = try r.string("roleSessionName", max: 64)
        let duration = try r.optionalI64("sessionDuration")
        let sessionNotAfter = try r.optionalI64("sessionNotOnOrAfter")
        let tags = try r.pairs("principalTags", maxCount: 50, maxLength: 1024).map { SessionTag(key: $0.0, value: $0.1) }
        let transitive = try r.strings("transitiveTagKeys", maxCount: 50, maxLength: 128)
        let source = try r.optionalString("sourceIdentity", max: 64)
        let keyCount = Int(try r.u32("conditionKeys"))
        guard keyCount <= 64 else { throw WireError.tooLong(field: "conditionKeys", limit: 64) }
        var keys: [(String, [String])] = []
        for _ in 0..<keyCount {
            keys.append((try r.string("conditionKey", max: 128), try r.strings("conditionValues", maxCount: WireLimits.listCount, maxLength: s)))
        }
        return SAMLClaim(providerName: provider, issuer: issuer, subject: subject, subjectFormat: format, recipient: recipient,
                         audiences: audiences, assertionID: id, issueInstant: issued, notOnOrAfter: notAfter, rolePairs: pairs,
                         roleSessionName: session, sessionDuration: duration, sessionNotOnOrAfter: sessionNotAfter,
                         principalTags: tags, transitiveTagKeys: transitive, sourceIdentity: source, conditionKeys: keys)
    }
}
