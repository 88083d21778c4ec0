// STS GetCallerIdentity (aws-wire.md §4.1): answered from the verified caller
// alone, no store access.
import BrokerCore

extension MintService {
    func getCallerIdentity(_ caller: Caller) -> ActionOutcome {
        let userID: String, arn: String
        switch caller {
        case .admin:
            userID = admin.userID; arn = admin.arn
        case .session(let s):
            userID = s.assumedRoleID; arn = s.assumedRoleArn
        }
        return ActionOutcome(AWSXML.element("UserId", userID) + AWSXML.element("Account", configuration.accountID)
                             + AWSXML.element("Arn", arn))
    }
}
