// `broker explain` and `broker dev-idp`: the SAML pipeline offline, and a
// development IdP so a newcomer can see the whole flow without a corporate IdP.
import Foundation
import BrokerCore
import Gate
import SAML

enum ExplainCommand {
    static let help = """
    broker explain FILE --metadata IDP.xml [--provider NAME] [--public-url URL] [--account-id ID] [--drop-in]
                   [--nameid-format URI ...] [--clock-skew SECONDS] [--allow-sha1]
      Runs gate's SAML validation pipeline offline on a saved response (XML or base64) and prints every
      check with PASS or FAIL and what was expected and found. Exit status 0 when every check passes.
      The provider is named after the metadata file unless --provider is given; the ACS URL / audience
      is <public-url>/saml (default http://127.0.0.1:8080).
    """

    static func run(_ argv: [String]) throws {
        let a = try Arguments(argv, valued: ["metadata", "provider", "public-url", "account-id", "nameid-format", "clock-skew"],
                              booleans: ["drop-in", "allow-sha1"])
        guard a.positional.count == 1 else { throw UsageError("give exactly one FILE (see broker explain --help)") }
        guard let metadataPath = a.string("metadata") else { throw UsageError("--metadata IDP.xml is required") }
        guard let document = FileManager.default.contents(atPath: a.positional[0]) else { throw UsageError("cannot read \(a.positional[0])") }
        guard let metadataText = try? String(contentsOfFile: metadataPath, encoding: .utf8) else { throw UsageError("cannot read \(metadataPath)") }
        let metadata = try IdPMetadata.parse(metadataText)
        let name = a.string("provider") ?? URL(fileURLWithPath: metadataPath).deletingPathExtension().lastPathComponent
        let account = a.string("account-id", default: "123456789012")
        var policy = ProviderPolicy()
        if !a.all("nameid-format").isEmpty { policy.nameIDFormats = a.all("nameid-format") }
        policy.clockSkewSeconds = Int64(try a.int("clock-skew", default: 60))
        policy.allowSHA1 = a.flag("allow-sha1")
        let anchor = SAMLProviderAnchor(name: name, arn: "arn:aws:iam::\(account):saml-provider/\(name)", entityID: metadata.entityID,
                                        signingCertificatesDER: metadata.signingCertificatesDER, policy: policy)
        let trust = try SAMLTrustStore(anchors: TrustAnchors(version: 1, accountID: account, providers: [anchor]))
        let sp = GateConfiguration.serviceProvider(publicURL: a.string("public-url", default: "http://127.0.0.1:8080"), dropInMode: a.flag("drop-in"))
        let explanation = SAMLValidator(settings: sp).explain(document: Array(document), providerName: name, trust: trust,
                                                              now: Int64(Date().timeIntervalSince1970))
        print(explanation.render())
        if explanation.claim == nil { exit(1) }
    }
}

enum DevIdPCommand {
    static let help = """
    broker dev-idp init [--certs DIR] [--metadata DIR] [--entity-id ID]
      FOR DEVELOPMENT ONLY. Creates a development IdP: an RSA-2048 key and certificate in <certs>/dev-idp/
      and its metadata as <metadata>/dev-idp.xml, which `broker up` loads as the SAML provider `dev-idp`
      (restart the broker, or upload it with `broker admin create-saml-provider --name dev-idp`).
    broker dev-idp assert --email ADDRESS --role ROLE [--role ROLE ...] [--session-name NAME] [--tag KEY=VALUE ...]
                          [--session-duration SECONDS] [--source-identity ID] [--sign assertion|response|both]
                          [--algorithm rsa-sha256|rsa-pss-sha256] [--public-url URL] [--account-id ID] [--certs DIR] [--entity-id ID]
      Prints a signed SAMLResponse (base64) for AssumeRoleWithSAML. ROLE is a role name or a role ARN.
    """

    static let defaultEntityID = "urn:broker:dev-idp"

    static func run(_ argv: [String]) throws {
        let a = try Arguments(argv, valued: ["certs", "metadata", "entity-id", "email", "role", "session-name", "tag", "public-url",
                                             "account-id", "session-duration", "source-identity", "sign", "algorithm"])
        let certs = absolutePath(a.string("certs", default: "certs")) + "/dev-idp"
        let entityID = a.string("entity-id", default: defaultEntityID)
        switch a.positional.first {
        case "init":
            let metadataDir = absolutePath(a.string("metadata", default: "metadata"))
            try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.createDirectory(atPath: metadataDir, withIntermediateDirectories: true)
            let metadataPath = metadataDir + "/dev-idp.xml"
            try DevIdP.initialize(keyPath: certs + "/key.pem", certificatePath: certs + "/cert.pem", metadataPath: metadataPath, entityID: entityID)
            print("""
            dev-idp: created a DEVELOPMENT identity provider — never use it in production: its key is a file on this machine.
              key and certificate: \(certs)/key.pem, \(certs)/cert.pem
              metadata:            \(metadataPath)   (loaded as saml-provider/dev-idp when the broker starts)
            Next: restart `broker up`, create a role that trusts arn:aws:iam::<account>:saml-provider/dev-idp, then
              broker dev-idp assert --email you@example.com --role <role>
            """)
        case "assert":
            guard let email = a.string("email") else { throw UsageError("assert needs --email") }
            let roles = a.all("role")
            guard !roles.isEmpty else { throw UsageError("assert needs at least one --role") }
            let account = a.string("account-id", default: "123456789012")
            let providerArn = "arn:aws:iam::\(account):saml-provider/dev-idp"
            let pairs = roles.map { ($0.hasPrefix("arn:") ? $0 : "arn:aws:iam::\(account):role/\($0)", providerArn) }
            let publicURL = a.string("public-url", default: "http://127.0.0.1:8080")
            let acs = GateConfiguration.serviceProvider(publicURL: publicURL, dropInMode: false).acsURLs[0]
            let sessionName = a.string("session-name") ?? String(email.prefix { $0 != "@" }.filter { $0.isLetter || $0.isNumber || "+=,.@-_".contains($0) }.prefix(64))
            var spec = DevIdP.ResponseSpec(issuer: entityID, acsURL: acs, audience: acs, roles: pairs, nameID: email,
                                           sessionName: sessionName.count >= 2 ? sessionName : "dev-user",
                                           now: Int64(Date().timeIntervalSince1970))
            spec.tags = try a.all("tag").map {
                guard let eq = $0.firstIndex(of: "=") else { throw UsageError("--tag takes KEY=VALUE, not '\($0)'") }
                return (String($0[..<eq]), String($0[$0.index(after: eq)...]))
            }
            if let d = a.string("session-duration") {
                guard let n = Int(d) else { throw UsageError("--session-duration must be seconds") }
                spec.sessionDuration = n
            }
            spec.sourceIdentity = a.string("source-identity")
            switch a.string("sign", default: "assertion") {
            case "assertion": spec.sign = .assertion
            case "response": spec.sign = .response
            case "both": spec.sign = .both
            case let other: throw UsageError("--sign is assertion, response or both, not \(other)")
            }
            switch a.string("algorithm", default: "rsa-sha256") {
            case "rsa-sha256": spec.algorithm = .rsaSHA256
            case "rsa-pss-sha256": spec.algorithm = .rsaPSSSHA256
            case let other: throw UsageError("--algorithm is rsa-sha256 or rsa-pss-sha256, not \(other)")
            }
            guard FileManager.default.fileExists(atPath: certs + "/key.pem") else {
                throw UsageError("no development IdP in \(certs): run `broker dev-idp init` first")
            }
            let signer = try DevIdP.Signer(keyPEMPath: certs + "/key.pem", certificatePEMPath: certs + "/cert.pem")
            print(try signer.signedResponse(spec))
        default:
            throw UsageError("dev-idp takes `init` or `assert` (see broker dev-idp --help)")
        }
    }
}
