// AssumeRoleWithSAML, gate's half: request parameters, then the SAML pipeline,
// then the typed claim to mint. The assertion itself never leaves this process.
import Foundation
import BrokerCore
import HTTPServer
import SAML

struct AssumeRoleWithSAMLRoute {
    let validator: SAMLValidator
    let anchors: TrustAnchorCache

    private static let action = "AssumeRoleWithSAML"

    /// `client` only refetches stale trust anchors (rare, blocking); the exchange itself
    /// is returned for the caller to send to mint without waiting.
    func handle(params: QueryParameters, context: RequestContext, client: MintClient, report: (Rejection) -> Void,
                errorResponse: (AWSError, AWSService, String, Int?) -> HTTPResponse) -> GateService.Answer {
        let roleArn = params["RoleArn"], principalArn = params["PrincipalArn"], assertion = params["SAMLAssertion"]
        var auditParameters: [(String, String)] = []
        if let r = roleArn { auditParameters.append(("roleArn", String(r.prefix(2048)))) }
        if let p = principalArn { auditParameters.append(("principalArn", String(p.prefix(2048)))) }
        do {
            try checkVersion(params)
            var rules = ParameterRules()
            rules.required(roleArn, "RoleArn"); rules.length(roleArn, "RoleArn", min: 20, max: 2048)
            rules.required(principalArn, "PrincipalArn"); rules.length(principalArn, "PrincipalArn", min: 20, max: 2048)
            rules.required(assertion, "SAMLAssertion")
            rules.length(assertion, "SAMLAssertion", min: 4, max: 100_000, sensitive: true)
            let duration = rules.integer(params["DurationSeconds"], "DurationSeconds", min: 900, max: 43_200)
            rules.length(params["Policy"], "Policy", min: 1, max: 2048)
            let policyArns = params.structList("PolicyArns", fields: ["arn"], limit: 10).compactMap { $0["arn"] }
            rules.count(policyArns, "PolicyArns", max: 10)
            for a in policyArns { rules.length(a, "PolicyArns.member.arn", min: 20, max: 2048) }
            try rules.check()

            let trust = try anchors.current(using: client)
            let now = Int64(Date().timeIntervalSince1970)
            switch validator.validate(samlAssertion: assertion!, principalArn: principalArn!, roleArn: roleArn!, trust: trust, now: now) {
            case .failure(let rejection):
                if let id = rejection.assertionID { auditParameters.append(("sAMLAssertionID", String(id.prefix(256)))) }
                throw rejection
            case .success(let claim):
                let exchange = SAMLExchange(context: context, roleArn: roleArn!, principalArn: principalArn!,
                                            durationSeconds: duration, policy: params["Policy"], policyArns: policyArns, claim: claim)
                return .mint(.exchangeSAML(exchange), service: .sts, requestID: context.requestID)
            }
        } catch {
            let aws = asAWSError(error)
            if aws.code != .serviceUnavailable {
                report(Rejection(context: context, eventName: Self.action, parameters: auditParameters, error: aws))
            }
            return .now(errorResponse(aws, .sts, context.requestID, nil))
        }
    }

    private func checkVersion(_ params: QueryParameters) throws {
        guard let v = params["Version"] else {
            throw AWSError(.missingParameter, "The request must contain the parameter Version.")
        }
        guard v == AWSService.sts.apiVersion else {
            throw AWSError(.invalidAction, "Could not find operation \(Self.action) for version \(String(v.prefix(32))).")
        }
    }
}
