import BrokerCore
import CXMLSec
import Glibc

/// `broker bench`: single-thread validation throughput on fresh, distinct
/// responses (≈6.1 KB of XML, RSA-2048/SHA-256, signed Assertion with KeyInfo, six
/// PrincipalTags and two directory attributes: the size of the customer's
/// reference document) from a temporary dev IdP.
public enum SAMLBenchmark {
    /// Swift has no one-element labelled tuple, so `.perSecond` comes from this struct.
    public struct Measurement: Sendable {
        /// Wall-clock validations per second.
        public let perSecond: Double
        /// Validations per second of this thread's CPU time: stable on a busy machine.
        public let perCPUSecond: Double
        public let iterations: Int
        /// Average size of the validated responses' XML (before base64).
        public var responseBytes: Int = 0
        /// The C floor on the same documents, per CPU second (see cxs_floor_verify).
        public var floorPerCPUSecond: Double = 0
    }

    /// perSecond is 0 when setup failed or any validation did not succeed.
    public static func validateOnly(iterations: Int) -> Measurement {
        let n = max(1, min(iterations, 1_000_000))
        var template = "/tmp/saml-bench-XXXXXX".utf8CString
        guard let dirPtr = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return Measurement(perSecond: 0, perCPUSecond: 0, iterations: 0) }
        let dir = String(cString: dirPtr)
        defer {
            for f in ["key.pem", "cert.pem", "metadata.xml"] { unlink(dir + "/" + f) }
            rmdir(dir)
        }
        let entityID = "http://127.0.0.1:9999/bench-idp"
        let acs = "http://127.0.0.1:8080/saml"
        let providerArn = "arn:aws:iam::123456789012:saml-provider/bench"
        let roleArn = "arn:aws:iam::123456789012:role/bench"
        do {
            try DevIdP.initialize(keyPath: dir + "/key.pem", certificatePath: dir + "/cert.pem",
                                  metadataPath: dir + "/metadata.xml", entityID: entityID)
            let signer = try DevIdP.Signer(keyPEMPath: dir + "/key.pem", certificatePEMPath: dir + "/cert.pem")
            let anchor = SAMLProviderAnchor(name: "bench", arn: providerArn, entityID: entityID,
                                            signingCertificatesDER: [signer.certificateDER], policy: ProviderPolicy())
            let trust = try SAMLTrustStore(anchors: TrustAnchors(version: 1, accountID: "123456789012", providers: [anchor]))
            let validator = SAMLValidator(settings: ServiceProviderSettings(acsURLs: [acs], audiences: [acs]))
            let now = Int64(time(nil))
            let distinct = min(n, 500)
            var responses: [String] = []
            var xmls: [[UInt8]] = []
            var xmlBytes = 0
            for i in 0..<distinct {
                var spec = DevIdP.ResponseSpec(issuer: entityID, acsURL: acs, roles: [(roleArn, providerArn)],
                                               nameID: "user\(i)@example.com", sessionName: "user\(i)", now: now)
                spec.tags = (0..<6).map { (key: "Tag\($0)", value: "value-\(i)-\($0)") }
                spec.extraAttributes = [(name: "urn:oid:2.5.4.3", values: ["User \(i)"]),
                                        (name: "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", values: ["staff", "member", "employee"])]
                let xml = try signer.signedResponseXML(spec)
                xmlBytes += xml.utf8.count
                responses.append(Base64Input.encode(Array(xml.utf8)))
                xmls.append(Array(xml.utf8))
            }
            func seconds(_ clock: clockid_t) -> Double {
                var ts = timespec()
                clock_gettime(clock, &ts)
                return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
            }
            guard let floorKey = trust.providers.first?.usableKeys.first?.key else {
                return Measurement(perSecond: 0, perCPUSecond: 0, iterations: 0)
            }
            // Ours and the C floor alternate in rounds on the same documents, so a
            // noisy neighbour slows both alike and the ratio stays meaningful.
            let rounds = 10
            let perRound = max(1, n / rounds)
            var wall = 0.0, cpu = 0.0, floorCPU = 0.0
            var ok = 0, floorOK = 0, i = 0
            for _ in 0..<rounds {
                let start = seconds(CLOCK_MONOTONIC), cpuStart = seconds(CLOCK_THREAD_CPUTIME_ID)
                for _ in 0..<perRound {
                    if case .success = validator.validate(samlAssertion: responses[i % distinct], principalArn: providerArn,
                                                          roleArn: roleArn, trust: trust, now: now) { ok += 1 }
                    i += 1
                }
                wall += seconds(CLOCK_MONOTONIC) - start
                cpu += seconds(CLOCK_THREAD_CPUTIME_ID) - cpuStart
                let floorStart = seconds(CLOCK_THREAD_CPUTIME_ID)
                for k in 0..<perRound {
                    floorOK += xmls[(i - perRound + k) % distinct].withUnsafeBufferPointer { b in
                        b.withMemoryRebound(to: CChar.self) { Int(cxs_floor_verify($0.baseAddress, Int32($0.count), floorKey)) }
                    }
                }
                floorCPU += seconds(CLOCK_THREAD_CPUTIME_ID) - floorStart
            }
            let total = perRound * rounds
            guard ok == total, floorOK == total, wall > 0, cpu > 0, floorCPU > 0 else {
                return Measurement(perSecond: 0, perCPUSecond: 0, iterations: total)
            }
            var m = Measurement(perSecond: Double(total) / wall, perCPUSecond: Double(total) / cpu, iterations: total)
            m.responseBytes = xmlBytes / distinct
            m.floorPerCPUSecond = Double(total) / floorCPU
            return m
        } catch {
            return Measurement(perSecond: 0, perCPUSecond: 0, iterations: 0)
        }
    }
}
