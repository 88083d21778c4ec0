// Which Query actions exist, which service each belongs to, and whether it is
// signed. gate routes on this table only; mint re-derives everything it needs.
import BrokerCore

public enum ActionCatalog {
    /// STS actions that take no signature: gate validates the token itself.
    public static let unsignedSTS: Set<String> = ["AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"]

    public static let signedSTS: Set<String> = ["GetCallerIdentity"]

    public static let iam: Set<String> = [
        "CreateSAMLProvider", "UpdateSAMLProvider", "GetSAMLProvider", "ListSAMLProviders", "DeleteSAMLProvider",
        "TagSAMLProvider", "UntagSAMLProvider", "ListSAMLProviderTags",
        "CreateRole", "GetRole", "ListRoles", "UpdateRole", "UpdateAssumeRolePolicy", "DeleteRole",
        "TagRole", "UntagRole", "ListRoleTags",
        "CreateAccessKey", "ListAccessKeys", "DeleteAccessKey",
    ]

    public static func service(of action: String) -> AWSService? {
        if unsignedSTS.contains(action) || signedSTS.contains(action) { return .sts }
        if iam.contains(action) { return .iam }
        return nil
    }
}
