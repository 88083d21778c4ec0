import BrokerCore

typealias BrokerCorePolicy = ProviderPolicy
