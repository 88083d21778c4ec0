// The admin user's access keys. Secrets are sealed (AES-GCM, AAD = key id) under
// the certs-dir key before they reach the store; the in-memory snapshot holds the
// opened secrets so SigV4 checks never touch SQLite.
import AWSAuth
import BrokerCore
import Foundation

extension MintService {
    static let maxAdminKeys = 10

    func sealAdminSecret(_ secret: String, accessKeyID: String) -> String {
        Crypto.base64(AESGCM.seal(Array(secret.utf8), key: keys.adminSecretsKey, aad: Array(accessKeyID.utf8)))
    }

    func openAdminSecret(_ k: AdminKeyRecord) -> String? {
        guard let sealed = Crypto.base64Decode(k.sealedSecret),
              let plain = AESGCM.open(sealed, key: keys.adminSecretsKey, aad: Array(k.accessKeyID.utf8)) else { return nil }
        return String(bytes: plain, encoding: .utf8)
    }

    private func checkUserName(_ params: QueryParameters) throws {
        if let u = params["UserName"], u != AdminIdentity.userName {
            throw MintError.noSuchEntity("The user with name \(AuditEvent.cap(u, 64)) cannot be found.")
        }
    }

    private func accessKeyMemberXML(_ k: AdminKeyRecord) -> String {
        AWSXML.element("UserName", AdminIdentity.userName) + AWSXML.element("AccessKeyId", k.accessKeyID)
            + AWSXML.element("Status", k.status) + AWSXML.element("CreateDate", ISO8601.format(k.createDate))
    }

    func createAccessKey(_ params: QueryParameters) throws -> ActionOutcome {
        try checkUserName(params)
        writeLock.lock(); defer { writeLock.unlock() }
        guard snapshot.adminKeys.count < MintService.maxAdminKeys else {
            throw MintError.limitExceeded("Cannot exceed quota for AccessKeysPerUser: \(MintService.maxAdminKeys)")
        }
        let id = CredentialFormat.newAccessKeyID(prefix: "AKIA")
        let secret = CredentialFormat.newSecretAccessKey()
        let record = AdminKeyRecord(accessKeyID: id, sealedSecret: sealAdminSecret(secret, accessKeyID: id),
                                    status: "Active", createDate: clock())
        try store.upsertAdminKey(record)
        try reloadSnapshot()
        var audit = JSONText()
        var key = JSONText()
        key.string("accessKeyId", id)
        key.string("userName", AdminIdentity.userName)
        audit.object("accessKey", key)
        let xml = "<AccessKey>" + AWSXML.element("UserName", AdminIdentity.userName) + AWSXML.element("AccessKeyId", id)
            + AWSXML.element("Status", "Active") + AWSXML.element("SecretAccessKey", secret)
            + AWSXML.element("CreateDate", ISO8601.format(record.createDate)) + "</AccessKey>"
        return ActionOutcome(xml, audit: audit)
    }

    func listAccessKeys(_ params: QueryParameters) throws -> ActionOutcome {
        try checkUserName(params)
        let members = snapshot.adminKeys.map { "<member>" + accessKeyMemberXML($0) + "</member>" }.joined()
        return ActionOutcome(AWSXML.element("UserName", AdminIdentity.userName)
                             + "<AccessKeyMetadata>" + members + "</AccessKeyMetadata><IsTruncated>false</IsTruncated>")
    }

    func deleteAccessKey(_ params: QueryParameters) throws -> ActionOutcome {
        try checkUserName(params)
        var check = ConstraintCheck()
        let id = params["AccessKeyId"]
        check.required(id, "accessKeyId")
        check.length(id, "accessKeyId", min: 16, max: 128)
        try check.check()
        writeLock.lock(); defer { writeLock.unlock() }
        guard let key = snapshot.adminKeys.first(where: { $0.accessKeyID == id }) else {
            throw MintError.noSuchEntity("The Access Key with id \(AuditEvent.cap(id ?? "", 128)) cannot be found.")
        }
        guard try store.deleteAdminKey(key.accessKeyID) else {
            throw MintError.deleteConflict("Cannot delete access key \(key.accessKeyID): it is the last admin key, and without it nobody could administer the broker.")
        }
        try reloadSnapshot()
        return ActionOutcome(nil)
    }
}
