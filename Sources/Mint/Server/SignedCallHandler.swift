// A SigV4-signed Query request, end to end: parameters, authentication, action and
// version checks, authorization (IAM is for admin keys only), dispatch, audit.
import AWSAuth
import BrokerCore

extension MintService {
    func handleSignedCall(_ call: SignedCall) -> CallResult {
        let now = clock()
        var service = AWSService.sts
        var eventName = "Unknown"
        var event: AuditEvent?
        do {
            let contentType = call.headers.first { $0.0.lowercased() == "content-type" }?.1
            let params = try QueryParameters.parse(rawQuery: call.rawQuery, body: call.body, contentType: contentType)
            guard let actionName = params["Action"] else { throw MintError.missingAction }
            eventName = actionName
            let action = MintAction(rawValue: actionName)
            if let a = action { service = a.service }

            var e = AuditEvent(time: now, service: service, eventName: actionName, region: configuration.region, context: call.context)
            e.requestParameters = AuditParameters.from(params)
            e.readOnly = action?.readOnly ?? true
            e.recipientAccountID = configuration.accountID
            event = e

            let snap = snapshot
            let authenticator = CallerAuthenticator(sealer: sealer, adminSecrets: snap.adminSecrets)
            let request = SigV4Request(method: call.method, path: call.path, rawQuery: call.rawQuery,
                                       headers: call.headers, body: call.body)
            let caller = try authenticator.authenticate(request, expectedService: action?.service, now: now)
            event?.userIdentity = userIdentity(caller)

            guard let known = action else {
                throw MintError.invalidAction("Could not find operation \(AuditEvent.cap(actionName, 64)) for version \(AuditEvent.cap(params["Version"] ?? "NO_VERSION_SPECIFIED", 32))")
            }
            guard let version = params["Version"] else {
                throw MintError.missingParameter("The request must contain the parameter Version.")
            }
            guard version == service.apiVersion else {
                throw MintError.invalidAction("Could not find operation \(actionName) for version \(AuditEvent.cap(version, 32))")
            }
            if service == .iam, case .session(let s) = caller {
                throw MintError.accessDenied("User: \(s.assumedRoleArn) is not authorized to perform: iam:\(actionName)")
            }
            let outcome = try dispatch(known, params: params, caller: caller)
            event?.responseElements = outcome.auditResponse
            if let e = event { audit.append(e) }
            return .success(action: actionName, service: service, resultXML: outcome.resultXML)
        } catch {
            let wire = MintError.wire(error)
            var e = event ?? AuditEvent(time: now, service: service, eventName: eventName, region: configuration.region, context: call.context)
            e.error = wire
            audit.append(e)
            return .failure(service: service, error: wire)
        }
    }

    private func dispatch(_ action: MintAction, params: QueryParameters, caller: Caller) throws -> ActionOutcome {
        switch action {
        case .getCallerIdentity: return getCallerIdentity(caller)
        case .createSAMLProvider: return try createSAMLProvider(params)
        case .updateSAMLProvider: return try updateSAMLProvider(params)
        case .getSAMLProvider: return try getSAMLProvider(params)
        case .listSAMLProviders: return listSAMLProviders()
        case .deleteSAMLProvider: return try deleteSAMLProvider(params)
        case .tagSAMLProvider: return try tagSAMLProvider(params)
        case .untagSAMLProvider: return try untagSAMLProvider(params)
        case .listSAMLProviderTags: return try listSAMLProviderTags(params)
        case .createRole: return try createRole(params)
        case .getRole: return try getRole(params)
        case .listRoles: return try listRoles(params)
        case .updateRole: return try updateRole(params)
        case .updateAssumeRolePolicy: return try updateAssumeRolePolicy(params)
        case .deleteRole: return try deleteRole(params)
        case .tagRole: return try tagRole(params)
        case .untagRole: return try untagRole(params)
        case .listRoleTags: return try listRoleTags(params)
        case .createAccessKey: return try createAccessKey(params)
        case .listAccessKeys: return try listAccessKeys(params)
        case .deleteAccessKey: return try deleteAccessKey(params)
        }
    }

    /// CloudTrail userIdentity for the caller (aws-wire.md §7.3).
    func userIdentity(_ caller: Caller) -> JSONText {
        var j = JSONText()
        switch caller {
        case .admin(let key):
            j.string("type", "IAMUser")
            j.string("principalId", admin.userID)
            j.string("arn", admin.arn)
            j.string("accountId", configuration.accountID)
            j.string("accessKeyId", key)
            j.string("userName", AdminIdentity.userName)
        case .session(let s):
            j.string("type", "AssumedRole")
            j.string("principalId", s.assumedRoleID)
            j.string("arn", s.assumedRoleArn)
            j.string("accountId", s.accountID)
            j.string("accessKeyId", s.accessKeyID)
            var issuer = JSONText()
            issuer.string("type", "Role")
            issuer.string("principalId", s.roleID)
            issuer.string("arn", s.roleArn)
            issuer.string("accountId", s.accountID)
            issuer.string("userName", s.roleName)
            var attrs = JSONText()
            attrs.string("creationDate", ISO8601.format(s.issuedAt))
            attrs.string("mfaAuthenticated", "false")
            var ctx = JSONText()
            ctx.object("sessionIssuer", issuer)
            ctx.object("attributes", attrs)
            ctx.string("sourceIdentity", s.sourceIdentity)
            j.object("sessionContext", ctx)
        }
        return j
    }
}
