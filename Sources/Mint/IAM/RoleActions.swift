// IAM role actions (aws-wire.md §5.3). Trust policies are parsed by the
// TrustPolicy module at write time, so a stored policy always parses, and are
// returned percent-encoded as IAM does.
import AWSAuth
import BrokerCore
import TrustPolicy

extension MintService {
    static let maxRoles = 1000
    static let trustPolicyQuota = 2048

    // MARK: shared checks

    private func checkRoleName(_ name: String?, _ check: inout ConstraintCheck) {
        check.required(name, "roleName")
        check.length(name, "roleName", min: 1, max: 64)
        check.pattern(name, "roleName", CharacterClasses.roleNamePattern) { CharacterClasses.all($0, CharacterClasses.isRoleNameChar) }
    }

    private func checkPolicyShape(_ doc: String?, _ member: String, _ check: inout ConstraintCheck) {
        check.required(doc, member)
        check.length(doc, member, min: 1, max: 131_072)
        check.pattern(doc, member, CharacterClasses.policyPattern) { CharacterClasses.all($0, CharacterClasses.isPolicyChar) }
    }

    private func checkDescription(_ d: String?, _ check: inout ConstraintCheck) {
        check.length(d, "description", min: 0, max: 1000)
        check.pattern(d, "description", CharacterClasses.descriptionPattern) { CharacterClasses.all($0, CharacterClasses.isDescriptionChar) }
    }

    /// Parses a trust policy and applies the quota; the parsed form is returned for caching.
    func validatedTrustPolicy(_ text: String) throws -> TrustPolicy {
        let policy: TrustPolicy
        do { policy = try TrustPolicy.parse(text) } catch {
            throw MintError.from(MintError.wire(error))
        }
        guard policy.nonWhitespaceLength <= MintService.trustPolicyQuota else {
            throw MintError.limitExceeded("Cannot exceed quota for ACLSizePerRole: \(MintService.trustPolicyQuota)")
        }
        return policy
    }

    func existingRole(_ name: String) throws -> RoleRecord {
        guard let r = snapshot.role(named: name) else {
            throw MintError.noSuchEntity("The role with name \(AuditEvent.cap(name, 64)) cannot be found.")
        }
        return r.record
    }

    private func roleName(_ params: QueryParameters) throws -> String {
        var check = ConstraintCheck()
        checkRoleName(params["RoleName"], &check)
        try check.check()
        return params["RoleName"] ?? ""
    }

    func roleXML(_ r: RoleRecord, includeTags: Bool) -> String {
        var x = AWSXML.element("Path", r.path)
        x += AWSXML.element("RoleName", r.name)
        x += AWSXML.element("RoleId", r.roleID)
        x += AWSXML.element("Arn", ARNs.role(account: configuration.accountID, path: r.path, name: r.name))
        x += AWSXML.element("CreateDate", ISO8601.format(r.createDate))
        x += AWSXML.element("AssumeRolePolicyDocument", percentEncodeRFC3986(r.trustPolicy))
        if let d = r.description { x += AWSXML.element("Description", d) }
        x += AWSXML.element("MaxSessionDuration", String(r.maxSessionDuration))
        if includeTags && !r.tags.isEmpty { x += "<Tags>" + IAMTags.xml(r.tags) + "</Tags>" }
        return x
    }

    // MARK: actions

    func createRole(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let name = params["RoleName"], doc = params["AssumeRolePolicyDocument"]
        let path = params["Path"] ?? "/", description = params["Description"]
        checkRoleName(name, &check)
        checkPolicyShape(doc, "assumeRolePolicyDocument", &check)
        check.length(path, "path", min: 1, max: 512)
        check.pattern(path, "path", CharacterClasses.pathPattern, CharacterClasses.isValidPath)
        checkDescription(description, &check)
        let maxSession = check.integer(params["MaxSessionDuration"], "maxSessionDuration", min: 3600, max: 43200) ?? 3600
        let tags = IAMTags.read(params, &check)
        try check.check()
        let record = try createRole(RoleDefinition(name: name ?? "", path: path, description: description,
                                                   maxSessionDuration: maxSession, trustPolicy: doc ?? "", tags: tags))
        var audit = JSONText()
        var role = JSONText()
        role.string("arn", ARNs.role(account: configuration.accountID, path: record.path, name: record.name))
        role.string("roleId", record.roleID)
        audit.object("role", role)
        return ActionOutcome("<Role>" + roleXML(record, includeTags: true) + "</Role>", audit: audit)
    }

    /// Shared by CreateRole and the roles file.
    func createRole(_ def: RoleDefinition) throws -> RoleRecord {
        _ = try validatedTrustPolicy(def.trustPolicy)
        writeLock.lock(); defer { writeLock.unlock() }
        let snap = snapshot
        if let existing = snap.role(named: def.name) {
            throw MintError.entityAlreadyExists("Role with name \(existing.record.name) already exists.")
        }
        guard snap.roles.count < MintService.maxRoles else {
            throw MintError.limitExceeded("Cannot exceed quota for RolesPerAccount: \(MintService.maxRoles).")
        }
        let record = RoleRecord(name: def.name, roleID: CredentialFormat.newUniqueID(prefix: "AROA"), path: def.path,
                                description: def.description, maxSessionDuration: def.maxSessionDuration,
                                trustPolicy: def.trustPolicy, createDate: clock(), tags: def.tags)
        do {
            try store.insertRole(record)
        } catch let e as StoreError where e.isConstraintViolation {
            // Tag keys are unique case-insensitively; the transaction has rolled back the role too.
            throw MintError.invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        }
        try reloadSnapshot()
        return record
    }

    func getRole(_ params: QueryParameters) throws -> ActionOutcome {
        let r = try existingRole(try roleName(params))
        return ActionOutcome("<Role>" + roleXML(r, includeTags: true) + "</Role>")
    }

    func listRoles(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let prefix = params["PathPrefix"] ?? "/"
        check.length(prefix, "pathPrefix", min: 1, max: 512)
        try check.check()
        let roles = snapshot.sortedRoles.filter { $0.record.path.hasPrefix(prefix) }
        let page = try Pagination.page(roles, params: params, key: \.lowerName)
        var members = ""
        for role in page.items { members += "<member>" + role.summaryXML + "</member>" }
        return ActionOutcome("<Roles>" + members + "</Roles>" + page.xml)
    }

    func updateRole(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        checkRoleName(params["RoleName"], &check)
        checkDescription(params["Description"], &check)
        let maxSession = check.integer(params["MaxSessionDuration"], "maxSessionDuration", min: 3600, max: 43200)
        try check.check()
        try modifyRole(params["RoleName"] ?? "") { r in
            if let d = params["Description"] { r.description = d }
            if let m = maxSession { r.maxSessionDuration = m }
        }
        return ActionOutcome("")
    }

    func updateAssumeRolePolicy(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        checkRoleName(params["RoleName"], &check)
        checkPolicyShape(params["PolicyDocument"], "policyDocument", &check)
        try check.check()
        let doc = params["PolicyDocument"] ?? ""
        _ = try existingRole(params["RoleName"] ?? "")
        _ = try validatedTrustPolicy(doc)
        try modifyRole(params["RoleName"] ?? "") { $0.trustPolicy = doc }
        return ActionOutcome(nil)
    }

    func deleteRole(_ params: QueryParameters) throws -> ActionOutcome {
        let name = try roleName(params)
        writeLock.lock(); defer { writeLock.unlock() }
        let r = try existingRole(name)
        try store.deleteRole(r.name)
        try reloadSnapshot()
        return ActionOutcome(nil)
    }

    func tagRole(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        checkRoleName(params["RoleName"], &check)
        let tags = IAMTags.read(params, &check)
        if tags.isEmpty { check.required(nil, "tags") }
        try check.check()
        try IAMTags.requireUniqueKeys(tags)
        try modifyRole(params["RoleName"] ?? "") { r in r.tags = try IAMTags.merge(r.tags, tags, resource: "Role") }
        return ActionOutcome(nil)
    }

    func untagRole(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        checkRoleName(params["RoleName"], &check)
        let keys = IAMTags.readKeys(params, &check)
        if keys.isEmpty { check.required(nil, "tagKeys") }
        try check.check()
        try modifyRole(params["RoleName"] ?? "") { r in r.tags = IAMTags.remove(r.tags, keys: keys) }
        return ActionOutcome(nil)
    }

    func listRoleTags(_ params: QueryParameters) throws -> ActionOutcome {
        let r = try existingRole(try roleName(params))
        let page = try Pagination.page(r.tags.sorted { $0.key < $1.key }, params: params, key: { $0.key })
        return ActionOutcome("<Tags>" + IAMTags.xml(page.items) + "</Tags>" + page.xml)
    }

    /// Read-modify-write of one role under the write lock, as one transaction.
    func modifyRole(_ name: String, _ change: (inout RoleRecord) throws -> Void) throws {
        writeLock.lock(); defer { writeLock.unlock() }
        var r = try existingRole(name)
        try change(&r)
        try store.updateRole(r)
        try reloadSnapshot()
    }
}

/// A role as the admin defines it (CreateRole parameters or a roles-file entry).
struct RoleDefinition: Equatable {
    var name: String
    var path: String
    var description: String?
    var maxSessionDuration: Int64
    var trustPolicy: String
    var tags: [ResourceTag]
}
