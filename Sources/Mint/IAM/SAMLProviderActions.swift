// IAM SAML provider actions (aws-wire.md §5.1). The metadata document is parsed
// by the SAML module; mint keeps the document, its entityID, signing certificates
// and validUntil. Every change bumps the configuration version so gate refetches.
import AWSAuth
import BrokerCore
import SAML

extension MintService {
    static let maxProviders = 100
    static let hundredYears: Int64 = 100 * 365 * 86400 + 25 * 86400

    // MARK: shared checks

    func parsedMetadata(_ document: String) throws -> IdPMetadata {
        do { return try IdPMetadata.parse(document) } catch {
            throw MintError.from(MintError.wire(error))
        }
    }

    private func checkMetadataShape(_ doc: String?, _ check: inout ConstraintCheck) {
        check.length(doc, "sAMLMetadataDocument", min: 1000, max: 10_000_000)
    }

    /// Name of the provider an ARN names in this account, or the IAM error.
    func providerName(fromArn arn: String?) throws -> String {
        var check = ConstraintCheck()
        check.required(arn, "sAMLProviderArn")
        check.length(arn, "sAMLProviderArn", min: 20, max: 2048)
        try check.check()
        let a = arn ?? ""
        let prefix = "arn:aws:iam::\(configuration.accountID):saml-provider/"
        guard a.hasPrefix(prefix) else {
            throw MintError.invalidInput("ARN \(AuditEvent.cap(a)) is not valid: expected \(prefix)<name>.")
        }
        return String(a.dropFirst(prefix.utf8.count))
    }

    func existingProvider(_ name: String, arn: String) throws -> SAMLProviderRecord {
        guard let p = snapshot.providers[name] else {
            throw MintError.noSuchEntity("SAMLProvider \(AuditEvent.cap(arn)) not found.")
        }
        return p
    }

    func providerArn(_ name: String) -> String { ARNs.samlProvider(account: configuration.accountID, name: name) }

    // MARK: actions

    func createSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let name = params["Name"], doc = params["SAMLMetadataDocument"]
        check.required(name, "name")
        check.length(name, "name", min: 1, max: 128)
        check.pattern(name, "name", CharacterClasses.providerNamePattern) { CharacterClasses.all($0, CharacterClasses.isProviderNameChar) }
        check.required(doc, "sAMLMetadataDocument")
        checkMetadataShape(doc, &check)
        let tags = IAMTags.read(params, &check)
        try check.check()
        let record = try createProvider(name: name ?? "", document: doc ?? "", tags: tags)
        var audit = JSONText()
        audit.string("sAMLProviderArn", providerArn(record.name))
        return ActionOutcome(AWSXML.element("SAMLProviderArn", providerArn(record.name))
                             + (tags.isEmpty ? "" : "<Tags>" + IAMTags.xml(tags) + "</Tags>"), audit: audit)
    }

    /// Shared by CreateSAMLProvider and the metadata directory.
    @discardableResult
    func createProvider(name: String, document: String, tags: [ResourceTag]) throws -> SAMLProviderRecord {
        try IAMTags.requireUniqueKeys(tags)
        try ProviderPolicyTags.validate(tags)
        let meta = try parsedMetadata(document)
        writeLock.lock(); defer { writeLock.unlock() }
        let snap = snapshot
        guard snap.providers[name] == nil else {
            throw MintError.entityAlreadyExists("SAMLProvider \(name) already exists.")
        }
        guard snap.providers.count < MintService.maxProviders else {
            throw MintError.limitExceeded("Cannot exceed quota for SAMLProvidersPerAccount: \(MintService.maxProviders).")
        }
        let now = clock()
        let record = SAMLProviderRecord(name: name, uuid: CredentialFormat.newUniqueID(prefix: "SP"),
                                        metadataDocument: document, entityID: meta.entityID,
                                        signingCertificatesDER: meta.signingCertificatesDER, validUntil: meta.validUntil,
                                        createDate: now, tags: tags)
        try store.insertProvider(record)
        try reloadSnapshot()
        return record
    }

    func updateSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let doc = params["SAMLMetadataDocument"]
        checkMetadataShape(doc, &check)
        let arn = params["SAMLProviderArn"]
        check.required(arn, "sAMLProviderArn")
        try check.check()
        let name = try providerName(fromArn: arn)
        if let d = doc { try replaceProviderMetadata(name: name, arn: arn ?? "", document: d) }
        else { _ = try existingProvider(name, arn: arn ?? "") }
        return ActionOutcome(AWSXML.element("SAMLProviderArn", providerArn(name)))
    }

    func replaceProviderMetadata(name: String, arn: String, document: String) throws {
        let meta = try parsedMetadata(document)
        writeLock.lock(); defer { writeLock.unlock() }
        var p = try existingProvider(name, arn: arn)
        p.metadataDocument = document
        p.entityID = meta.entityID
        p.signingCertificatesDER = meta.signingCertificatesDER
        p.validUntil = meta.validUntil
        try store.updateProvider(p)
        try reloadSnapshot()
    }

    func getSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        let arn = params["SAMLProviderArn"]
        let name = try providerName(fromArn: arn)
        let p = try existingProvider(name, arn: arn ?? "")
        var xml = AWSXML.element("SAMLProviderUUID", p.uuid)
        xml += AWSXML.element("SAMLMetadataDocument", p.metadataDocument)
        xml += AWSXML.element("CreateDate", ISO8601.format(p.createDate))
        xml += AWSXML.element("ValidUntil", ISO8601.format(validUntil(p)))
        xml += "<Tags>" + IAMTags.xml(p.tags) + "</Tags>"
        return ActionOutcome(xml)
    }

    /// Metadata validUntil, else create date + 100 years (aws-wire.md §9.6: our choice).
    func validUntil(_ p: SAMLProviderRecord) -> Int64 { p.validUntil ?? p.createDate + MintService.hundredYears }

    func listSAMLProviders() -> ActionOutcome {
        let members = snapshot.providers.values.sorted { $0.name < $1.name }.map { p in
            "<member>" + AWSXML.element("Arn", providerArn(p.name)) + AWSXML.element("ValidUntil", ISO8601.format(validUntil(p)))
                + AWSXML.element("CreateDate", ISO8601.format(p.createDate)) + "</member>"
        }
        return ActionOutcome("<SAMLProviderList>" + members.joined() + "</SAMLProviderList>")
    }

    func deleteSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        let arn = params["SAMLProviderArn"]
        let name = try providerName(fromArn: arn)
        writeLock.lock(); defer { writeLock.unlock() }
        _ = try existingProvider(name, arn: arn ?? "")
        try store.deleteProvider(name)
        try reloadSnapshot()
        return ActionOutcome(nil)
    }

    func tagSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let tags = IAMTags.read(params, &check)
        if tags.isEmpty { check.required(nil, "tags") }
        try check.check()
        let arn = params["SAMLProviderArn"]
        let name = try providerName(fromArn: arn)
        try IAMTags.requireUniqueKeys(tags)
        try ProviderPolicyTags.validate(tags)
        writeLock.lock(); defer { writeLock.unlock() }
        var p = try existingProvider(name, arn: arn ?? "")
        p.tags = try IAMTags.merge(p.tags, tags, resource: "SAMLProvider")
        try store.updateProvider(p)
        try reloadSnapshot()
        return ActionOutcome(nil)
    }

    func untagSAMLProvider(_ params: QueryParameters) throws -> ActionOutcome {
        var check = ConstraintCheck()
        let keys = IAMTags.readKeys(params, &check)
        if keys.isEmpty { check.required(nil, "tagKeys") }
        try check.check()
        let arn = params["SAMLProviderArn"]
        let name = try providerName(fromArn: arn)
        writeLock.lock(); defer { writeLock.unlock() }
        var p = try existingProvider(name, arn: arn ?? "")
        p.tags = IAMTags.remove(p.tags, keys: keys)
        try store.updateProvider(p)
        try reloadSnapshot()
        return ActionOutcome(nil)
    }

    func listSAMLProviderTags(_ params: QueryParameters) throws -> ActionOutcome {
        let arn = params["SAMLProviderArn"]
        let name = try providerName(fromArn: arn)
        let p = try existingProvider(name, arn: arn ?? "")
        let page = try Pagination.page(p.tags.sorted { $0.key < $1.key }, params: params, key: { $0.key })
        return ActionOutcome("<Tags>" + IAMTags.xml(page.items) + "</Tags>" + page.xml)
    }
}
