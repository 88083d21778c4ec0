// Who signed a request, once the signature checked out.
import AWSAuth
import BrokerCore

enum Caller {
    /// An AKIA admin key of the single admin IAM user.
    case admin(accessKeyID: String)
    /// An ASIA key whose session token mint sealed.
    case session(SealedSession)
}

/// The fixed identity of the admin user all admin keys belong to.
struct AdminIdentity {
    static let userName = "broker-admin"
    let accountID: String
    let userID: String
    var arn: String { "arn:aws:iam::\(accountID):user/\(AdminIdentity.userName)" }
}

extension SealedSession {
    var assumedRoleID: String { "\(roleID):\(sessionName)" }
    var assumedRoleArn: String { "arn:aws:sts::\(accountID):assumed-role/\(roleName)/\(sessionName)" }
}
