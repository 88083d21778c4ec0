// Every Query action mint serves over `.signedCall`, with its service. One table,
// so what an admin key or a session can reach is visible in one place. Anything
// not listed is InvalidAction. (AssumeRoleWithSAML arrives as `.exchangeSAML`,
// after gate validated the assertion, never as a signed call.)
import BrokerCore

enum MintAction: String, CaseIterable {
    // STS — any authenticated caller
    case getCallerIdentity = "GetCallerIdentity"
    // IAM — admin keys only
    case createSAMLProvider = "CreateSAMLProvider"
    case updateSAMLProvider = "UpdateSAMLProvider"
    case getSAMLProvider = "GetSAMLProvider"
    case listSAMLProviders = "ListSAMLProviders"
    case deleteSAMLProvider = "DeleteSAMLProvider"
    case tagSAMLProvider = "TagSAMLProvider"
    case untagSAMLProvider = "UntagSAMLProvider"
    case listSAMLProviderTags = "ListSAMLProviderTags"
    case createRole = "CreateRole"
    case getRole = "GetRole"
    case listRoles = "ListRoles"
    case updateRole = "UpdateRole"
    case updateAssumeRolePolicy = "UpdateAssumeRolePolicy"
    case deleteRole = "DeleteRole"
    case tagRole = "TagRole"
    case untagRole = "UntagRole"
    case listRoleTags = "ListRoleTags"
    case createAccessKey = "CreateAccessKey"
    case listAccessKeys = "ListAccessKeys"
    case deleteAccessKey = "DeleteAccessKey"

    var service: AWSService { self == .getCallerIdentity ? .sts : .iam }

    /// Read-only actions (CloudTrail's `readOnly`).
    var readOnly: Bool {
        switch self {
        case .getCallerIdentity, .getSAMLProvider, .listSAMLProviders, .listSAMLProviderTags, .getRole, .listRoles,
             .listRoleTags, .listAccessKeys:
            return true
        default:
            return false
        }
    }
}

/// What an action produced: the inner result XML (nil: no Result element) and the
/// non-secret response elements for the audit line.
struct ActionOutcome {
    var resultXML: String?
    var auditResponse: JSONText?
    init(_ resultXML: String?, audit: JSONText? = nil) { self.resultXML = resultXML; self.auditResponse = audit }
}
