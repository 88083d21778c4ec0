// `broker admin …`: the admin API from the command line. It signs IAM Query
// requests with SigV4 exactly as the aws CLI would and sends them to the running
// broker, so it exercises (and is audited by) the same path as every SDK.
import Foundation
import AWSAuth
import BrokerCore
#if canImport(FoundationXML)
import FoundationXML
#endif

enum AdminCommand {
    static let help = """
    broker admin <action> [--endpoint URL] [--data DIR | --profile-file FILE]
      create-key                                   new admin access key (printed once)
      list-keys
      delete-key ACCESS_KEY_ID
      create-saml-provider --name NAME --metadata FILE
      update-saml-provider --name NAME --metadata FILE
      list-saml-providers
      get-saml-provider --name NAME
      delete-saml-provider --name NAME
      create-role --name NAME --trust-policy FILE [--max-session-duration SECONDS] [--description TEXT]
      get-role --name NAME
      list-roles
      update-assume-role-policy --name NAME --trust-policy FILE
      delete-role --name NAME
      call ACTION [Param=Value ...]                any IAM action, parameters as the Query API names them
    Credentials: <data>/admin-credentials (default ./data), or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    Endpoint: --endpoint, default http://127.0.0.1:8080.
    """

    static func run(_ argv: [String]) throws {
        let a = try Arguments(argv, valued: ["endpoint", "data", "profile-file", "name", "metadata", "trust-policy",
                                             "max-session-duration", "description"])
        guard let action = a.positional.first else { throw UsageError("which action? (see broker admin --help)") }
        let client = try AdminClient(endpoint: a.string("endpoint", default: "http://127.0.0.1:8080"),
                                     credentialsFile: a.string("profile-file") ?? absolutePath(a.string("data", default: "data")) + "/admin-credentials")
        func need(_ flag: String) throws -> String {
            guard let v = a.string(flag) else { throw UsageError("\(action) needs --\(flag)") }
            return v
        }
        func file(_ flag: String) throws -> String {
            let path = try need(flag)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw UsageError("cannot read \(path)") }
            return text
        }
        func providerArn() throws -> String {
            "arn:aws:iam::\(try client.accountID()):saml-provider/\(try need("name"))"
        }
        var params: [(String, String)]
        let iamAction: String
        switch action {
        case "create-key": iamAction = "CreateAccessKey"; params = []
        case "list-keys": iamAction = "ListAccessKeys"; params = []
        case "delete-key":
            guard a.positional.count == 2 else { throw UsageError("delete-key needs the access key id") }
            iamAction = "DeleteAccessKey"; params = [("AccessKeyId", a.positional[1])]
        case "create-saml-provider":
            iamAction = "CreateSAMLProvider"; params = [("Name", try need("name")), ("SAMLMetadataDocument", try file("metadata"))]
        case "update-saml-provider":
            iamAction = "UpdateSAMLProvider"; params = [("SAMLProviderArn", try providerArn()), ("SAMLMetadataDocument", try file("metadata"))]
        case "list-saml-providers": iamAction = "ListSAMLProviders"; params = []
        case "get-saml-provider": iamAction = "GetSAMLProvider"; params = [("SAMLProviderArn", try providerArn())]
        case "delete-saml-provider": iamAction = "DeleteSAMLProvider"; params = [("SAMLProviderArn", try providerArn())]
        case "create-role":
            iamAction = "CreateRole"
            params = [("RoleName", try need("name")), ("AssumeRolePolicyDocument", try file("trust-policy"))]
            if let d = a.string("max-session-duration") { params.append(("MaxSessionDuration", d)) }
            if let d = a.string("description") { params.append(("Description", d)) }
        case "get-role": iamAction = "GetRole"; params = [("RoleName", try need("name"))]
        case "list-roles": iamAction = "ListRoles"; params = []
        case "update-assume-role-policy":
            iamAction = "UpdateAssumeRolePolicy"; params = [("RoleName", try need("name")), ("PolicyDocument", try file("trust-policy"))]
        case "delete-role": iamAction = "DeleteRole"; params = [("RoleName", try need("name"))]
        case "call":
            guard a.positional.count >= 2 else { throw UsageError("call needs an action name") }
            iamAction = a.positional[1]
            params = try a.positional.dropFirst(2).map {
                guard let eq = $0.firstIndex(of: "=") else { throw UsageError("parameters are Name=Value, not '\($0)'") }
                return (String($0[..<eq]), String($0[$0.index(after: eq)...]))
            }
        default:
            throw UsageError("unknown admin action '\(action)' (see broker admin --help)")
        }
        let (status, body) = try client.call(service: .iam, action: iamAction, params: params)
        let fields = XMLLeaves.extract(body)
        if status != 200 {
            let code = fields.first { $0.0.hasSuffix("Error/Code") }?.1 ?? "HTTP \(status)"
            let message = fields.first { $0.0.hasSuffix("Error/Message") }?.1 ?? ""
            throw UsageError("\(code): \(message)")
        }
        for (path, value) in fields where !path.contains("ResponseMetadata") {
            let shown = path.hasSuffix("AssumeRolePolicyDocument") ? (value.removingPercentEncoding ?? value) : value
            print("\(path.split(separator: "/").dropFirst(2).joined(separator: "/")): \(shown)")
        }
    }
}

/// Signs and sends Query requests with the admin credentials.
final class AdminClient {
    private let http: LoopbackHTTPClient
    private let hostHeader: String
    private let accessKeyID: String
    private let secret: String
    private var cachedAccount: String?

    init(endpoint: String, credentialsFile: String) throws {
        http = try LoopbackHTTPClient(url: endpoint)
        hostHeader = "\(http.host):\(http.port)"
        let env = ProcessInfo.processInfo.environment
        if let id = env["AWS_ACCESS_KEY_ID"], let s = env["AWS_SECRET_ACCESS_KEY"] {
            accessKeyID = id; secret = s
        } else {
            guard let text = try? String(contentsOfFile: credentialsFile, encoding: .utf8) else {
                throw UsageError("no credentials: cannot read \(credentialsFile) (use --data DIR, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
            }
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            guard let id = values["aws_access_key_id"], let s = values["aws_secret_access_key"] else {
                throw UsageError("\(credentialsFile) has no aws_access_key_id / aws_secret_access_key")
            }
            accessKeyID = id; secret = s
        }
    }

    func call(service: AWSService, action: String, params: [(String, String)]) throws -> (Int, [UInt8]) {
        let all = [("Action", action), ("Version", service.apiVersion)] + params
        let body = Array(all.map { percentEncodeRFC3986($0.0) + "=" + percentEncodeRFC3986($0.1) }.joined(separator: "&").utf8)
        var headers: [(String, String)] = [("Host", hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        headers += SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: headers, body: body, accessKeyID: accessKeyID,
                              secretAccessKey: secret, sessionToken: nil, region: "us-east-1", service: service.signingName,
                              now: Int64(Date().timeIntervalSince1970))
        headers.append(("User-Agent", "broker-admin"))
        return try http.request(method: "POST", path: "/", headers: headers, body: body)
    }

    func accountID() throws -> String {
        if let a = cachedAccount { return a }
        let (status, body) = try call(service: .sts, action: "GetCallerIdentity", params: [])
        guard status == 200, let account = XMLLeaves.extract(body).first(where: { $0.0.hasSuffix("/Account") })?.1 else {
            throw UsageError("GetCallerIdentity failed (HTTP \(status))")
        }
        cachedAccount = account
        return account
    }
}

/// Flattens an AWS XML response into (path, text) pairs for printing.
final class XMLLeaves: NSObject, XMLParserDelegate {
    private var stack: [String] = []
    private var text = ""
    private var leaves: [(String, String)] = []

    static func extract(_ body: [UInt8]) -> [(String, String)] {
        let d = XMLLeaves()
        let p = XMLParser(data: Data(body))
        p.delegate = d
        _ = p.parse()
        return d.leaves
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        stack.append(name); text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !t.isEmpty { leaves.append((stack.joined(separator: "/"), t)) }
        text = ""
        stack.removeLast()
    }
}
