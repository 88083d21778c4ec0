// Test fixtures: IdP metadata with real (self-signed, test-only) certificates, and
// trust policies.
import BrokerCore

enum Fixtures {
    static let account = "123456789012"
    static let acs = "http://127.0.0.1:8080/saml"
    static let issuer = "https://idp.example.test/saml"
    static let issuer2 = "https://idp2.example.test/saml"
    static let certificate1 = "MIIDGTCCAgGgAwIBAgIUcldXCzG0XYXBdPv63EC9I+wQX84wDQYJKoZIhvcNAQELBQAwGzEZMBcGA1UEAwwQaWRwLmV4YW1wbGUudGVzdDAgFw0yNjExMjEyMjM2NDhaGA8yMTI2MTAyODIyMzY0OFowGzEZMBcGA1UEAwwQaWRwLmV4YW1wbGUudGVzdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBANqkfp4gn+pQgrSNTeTH9rgkOpKAAUdAjLE11EwUqWZkIyTvDc5zY7hPXLrO/MxLQmWFlISxC0N+c9STalTejVIU05zQYY5nAw4PcXWVcqh1e7mrInH3ADbyAYXw+QMa0wKHkaQ9Kq6shSPR0ZcSJ20dKuF67UmYYU9Kr2zuQh8kOfey/bxOEE89bNosBqxX6Xf7/RA8m676sF7pD7FSMOvmJqDMFk5vYRbBP/iYErmnQ6+Q9+deYe2ajHzVqH3L1E1aKzIAg81B32dP1gkh8E0AQzRU4vMew/bfEKYkFbVvQEQu6TinQRkuk5qXMaqPxRThPdGBxDRHB5li216rB8cCAwEAAaNTMFEwHQYDVR0OBBYEFNnB1XpyJF3RQIPc0ML+GZsRzC0sMB8GA1UdIwQYMBaAFNnB1XpyJF3RQIPc0ML+GZsRzC0sMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAKawzNaR0m1mIwU8axvLVVUcxjshevKDMkG/55qoNJ36m8iPqdKgBD+8tdjmZV2ayu9WVapsdOr4suvnu6URmO8XkkqgZPnXntQZfm2QC3dEf5Xp536XLM15l8wv7M7w4R7cdOklp+EwFOr6JREysEa2x+RWDzqS1uaJD0u515TFtdNoCtDc7SNmA8KD9K7iodCpWR8BwyC47FSFE2d37Wgktx5k+oq6OFUEJg66+hyezCWAevNvsAnzuULo+0ZsMcWb01n7rnn2IDDLX5Ocot1M/d75QH5KdgHSxJ3O76gDo72JhEA6y3ERpxpz0J2FoR/h5YbkndCeGJ+CkP8OCQc="
    static let certificate2 = "MIIDGzCCAgOgAwIBAgIUEqF42XbxeXyejjiMcDu5H2TZCuYwDQYJKoZIhvcNAQELBQAwHDEaMBgGA1UEAwwRaWRwMi5leGFtcGxlLnRlc3QwIBcNMjYxMTIxMjIzNjQ5WhgPMjEyNjEwMjgyMjM2NDlaMBwxGjAYBgNVBAMMEWlkcDIuZXhhbXBsZS50ZXN0MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA414yxHRnyDJp8YJhaa9f0gqgQiKK3SmeR0O0lE0fL4qAsqybo4nN1Swvp8dzTYNY8+KHy7Qae8SHPXRyXhXsiiQ3x0MT8BfUynIbFXQE+i1l7n7Q7iJK+8ss5kicL+O2HZeQUj8Qf2sDLkMM1e2oSGLm9xvjSTKXmvgO7W1MgpZJfXST7K8CUePg0aHPS1zRdTKAHY6YtYEpcbhgazHA7/sTfS91QVnnEgSQ9wL4hK3WYUcVSxPp+UYgD30QtTpKCxRnCkkWSFiwbrvJ89ySgeUx+Zs1nddxgy4ZoocTyB7pT6FJpMFxoVyO32+hxC9Alef+mNjT5YLsGwYS5yJDqQIDAQABo1MwUTAdBgNVHQ4EFgQUBGnwrORQjxsXbKvAtbxSTIvJmAIwHwYDVR0jBBgwFoAUBGnwrORQjxsXbKvAtbxSTIvJmAIwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAyVCrmpKaqoZsNHEXT2iz9NgU0dR7rGEH3RShXwhZbGB9skGfMDkmb2xLrmbl+r7hY2cGDkLRb3K8xS1XtKcTe8yi0s4g/nJkwkjD71h9MYCeZNjnhsbtTPIlbPlys/+kEIuHw73bdZuj1o5FzaLOmXAThwWz1u7wnNEW+p26jCoMppNDRipgyRWepdoOpENMV1iDiOLRMwwlk+ZoDc0xkqMOJp2+HlrYAy3xy/ua9CdxygKvdKSs6aAr4A9glhp5nsLEIQTZVwxXs1Nqftvo8MeZg7Yb28XOViDEp39gGl4xjuarC48CwlQsi0X9lFgy0gMGmJP+5hLYb7z8iT7gyg=="

    static func metadata(entityID: String = issuer, certificate: String = certificate1, validUntil: String? = nil) -> String {
        let vu = validUntil.map { " validUntil=\"\($0)\"" } ?? ""
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="\(entityID)"\(vu)>
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing">
              <ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(certificate)</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
            </md:KeyDescriptor>
            <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """
    }

    static func providerArn(_ name: String = "corp") -> String { "arn:aws:iam::\(account):saml-provider/\(name)" }
    static func roleArn(_ name: String = "dev", path: String = "/") -> String { "arn:aws:iam::\(account):role\(path)\(name)" }

    /// Allows AssumeRoleWithSAML (and optionally more actions) from the provider, with the console wizard's saml:aud condition.
    static func trustPolicy(provider: String = providerArn(), actions: [String] = ["sts:AssumeRoleWithSAML"],
                            extraCondition: String = "") -> String {
        let acts = actions.map { "\"\($0)\"" }.joined(separator: ",")
        return """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"\(provider)"},"Action":[\(acts)],"Condition":{"StringEquals":{"SAML:aud":"\(acs)"\(extraCondition)}}}]}
        """
    }
}
