/// Well-known attribute names -> `saml:*` trust-policy keys (aws-wire.md §2.3,
/// §5.5). Keys are lower-cased; the first attribute mapping to a key wins, as
/// AWS maps only one claim per key.
enum ConditionKeyMapping {
    static let table: [String: String] = {
        var t: [String: String] = [:]
        let edu = "urn:oid:1.3.6.1.4.1.5923.1.1.1."
        let eduPerson = ["edupersonaffiliation", "edupersonnickname", "edupersonorgdn", "edupersonorgunitdn",
                         "edupersonprimaryaffiliation", "edupersonprincipalname", "edupersonentitlement",
                         "edupersonprimaryorgunitdn", "edupersonscopedaffiliation", "edupersontargetedid",
                         "edupersonassurance"]
        for (i, k) in eduPerson.enumerated() { t[edu + String(i + 1)] = "saml:" + k }
        let org = "urn:oid:1.3.6.1.4.1.5923.1.2.1."
        let eduOrg = ["eduorghomepageuri", "eduorgidentityauthnpolicyuri", "eduorglegalname",
                      "eduorgsuperioruri", "eduorgwhitepagesuri"]
        for (i, k) in eduOrg.enumerated() { t[org + String(i + 2)] = "saml:" + k }
        t["urn:oid:2.5.4.3"] = "saml:cn"
        let claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
        t[claims + "name"] = "saml:name"
        t[claims + "givenname"] = "saml:givenname"
        t[claims + "surname"] = "saml:surname"
        t[claims + "emailaddress"] = "saml:mail"
        t["http://schemas.xmlsoap.org/claims/CommonName"] = "saml:commonname"
        t["http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid"] = "saml:primarygroupsid"
        t["2.5.4.3"] = "saml:commonname"
        t["2.5.4.4"] = "saml:surname"
        t["2.4.5.42"] = "saml:givenname"
        t["2.5.4.45"] = "saml:x500uniqueidentifier"
        t["0.9.2342.19200300100.1.1"] = "saml:uid"
        t["0.9.2342.19200300100.1.3"] = "saml:mail"
        t["0.9.2342.19200300.100.1.45"] = "saml:organizationstatus"
        return t
    }()

    static func map(_ attributes: [(name: String, values: [String])]) -> [(String, [String])] {
        var out: [(String, [String])] = []
        var used: Set<String> = []
        for (name, values) in attributes {
            guard let key = table[name], used.insert(key).inserted else { continue }
            out.append((key, values))
        }
        return out
    }
}
