// TrustPolicy module
