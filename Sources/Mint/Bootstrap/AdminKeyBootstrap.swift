// First-start admin credentials. A key given in the environment is (re)registered
// on every start, so an operator can always get back in by setting it; otherwise a
// key is generated once and written to <data>/admin-credentials in the AWS
// shared-credentials form, so `aws --profile broker` works with it directly.
import AWSAuth
import Foundation

extension MintService {
    func bootstrapAdminKeys() throws {
        let existing = try store.adminKeys()
        if let (id, secret) = configuration.bootstrapAdminKey {
            guard id.hasPrefix("AKIA"), (16...128).contains(id.utf8.count), id.utf8.allSatisfy({ CharacterClasses.isWord(Unicode.Scalar($0)) }),
                  secret.utf8.count >= 16, secret.utf8.count <= 128 else {
                throw MintStartupError("BROKER_ADMIN_ACCESS_KEY_ID must be AKIA followed by letters/digits (16-128 characters) and BROKER_ADMIN_SECRET_ACCESS_KEY 16-128 characters")
            }
            let created = existing.first { $0.accessKeyID == id }?.createDate ?? clock()
            try store.upsertAdminKey(AdminKeyRecord(accessKeyID: id, sealedSecret: sealAdminSecret(secret, accessKeyID: id),
                                                    status: "Active", createDate: created))
            if existing.isEmpty { try writeAdminCredentials(id: id, secret: secret) }
            return
        }
        guard existing.isEmpty else { return }
        let id = CredentialFormat.newAccessKeyID(prefix: "AKIA")
        let secret = CredentialFormat.newSecretAccessKey()
        try store.upsertAdminKey(AdminKeyRecord(accessKeyID: id, sealedSecret: sealAdminSecret(secret, accessKeyID: id),
                                                status: "Active", createDate: clock()))
        try writeAdminCredentials(id: id, secret: secret)
    }

    private func writeAdminCredentials(id: String, secret: String) throws {
        try PrivateFiles.write(adminCredentialsPath, "[broker]\naws_access_key_id = \(id)\naws_secret_access_key = \(secret)\n")
    }
}
