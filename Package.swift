// swift-tools-version:6.0
// The broker: a self-hosted SAML/OIDC federation broker.
// No third-party Swift packages: Foundation, the toolchain, and Debian's C libraries.
import PackageDescription

let xmlsecFlags: [String] = [
    "-I/usr/include/libxml2", "-I/usr/include/xmlsec1",
    "-D__XMLSEC_FUNCTION__=__func__", "-DXMLSEC_NO_SIZE_T", "-DXMLSEC_OPENSSL3_ENGINES=1",
    "-DXMLSEC_NO_GOST=1", "-DXMLSEC_NO_GOST2012=1", "-DXMLSEC_NO_CRYPTO_DYNAMIC_LOADING=1",
    "-DXMLSEC_CRYPTO_OPENSSL=1",
]

let package = Package(
    name: "broker",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "broker", targets: ["broker"]),
    ],
    targets: [
        // C shims: what Swift cannot call directly (xmlsec macros, OpenSSL, SQLite).
        .target(name: "CXMLSec",
                cSettings: [.unsafeFlags(xmlsecFlags)],
                linkerSettings: [.linkedLibrary("xmlsec1-openssl"), .linkedLibrary("xmlsec1"),
                                 .linkedLibrary("xml2"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "CCrypto",
                linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "CSQLite",
                linkerSettings: [.linkedLibrary("sqlite3")]),

        // Values, errors, wire formats shared by every process. No I/O.
        .target(name: "BrokerCore"),
        // Strict HTTP/1.1 server (gate's only network listener).
        .target(name: "HTTPServer", dependencies: ["BrokerCore"]),
        // SAML metadata + Response validation (libxml2 + libxmlsec1), dev IdP signer.
        .target(name: "SAML", dependencies: ["BrokerCore", "CXMLSec"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
        // SigV4 signing/verification and the crypto primitives behind it and behind sealing.
        .target(name: "AWSAuth", dependencies: ["BrokerCore", "CCrypto"]),
        // IAM trust-policy grammar and evaluation.
        .target(name: "TrustPolicy", dependencies: ["BrokerCore"]),
        // gate: the IdP-facing, unprivileged process.
        .target(name: "Gate", dependencies: ["BrokerCore", "HTTPServer", "SAML"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
        // mint: the privileged token-exchange process that owns keys and the store.
        .target(name: "Mint", dependencies: ["BrokerCore", "AWSAuth", "TrustPolicy", "SAML", "CSQLite"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
        .executableTarget(name: "broker", dependencies: ["BrokerCore", "Gate", "Mint", "SAML", "AWSAuth", "HTTPServer"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),

        .testTarget(name: "BrokerCoreTests", dependencies: ["BrokerCore"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "SAMLTests", dependencies: ["SAML"], exclude: ["Bench"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
        .testTarget(name: "AWSAuthTests", dependencies: ["AWSAuth"], exclude: ["Fixtures"]),
        .testTarget(name: "TrustPolicyTests", dependencies: ["TrustPolicy"]),
        .testTarget(name: "GateTests", dependencies: ["Gate", "HTTPServer", "BrokerCore"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
        .testTarget(name: "MintTests", dependencies: ["Mint"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/libxml2", "-Xcc", "-I/usr/include/xmlsec1"])]),
    ],
    swiftLanguageModes: [.v5]
)
