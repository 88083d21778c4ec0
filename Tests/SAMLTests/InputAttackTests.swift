import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// Size, base64 and parser attacks (threats §C4), plus base64 and time unit behaviour.
final class InputAttackTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    private func validate(b64: String) throws -> Result<SAMLClaim, SAMLRejection> {
        f.validator.validate(samlAssertion: b64, principalArn: SAMLFixture.providerArn, roleArn: SAMLFixture.roleArn,
                             trust: try f.trust(), now: SAMLFixture.now)
    }

    func testOversizeInputIsRefusedBeforeDecoding() throws {
        assertRejected(try validate(b64: String(repeating: "A", count: 100_004)), .size, .invalidIdentityToken)
        assertRejected(try validate(b64: "AA"), .size, .invalidIdentityToken)
    }

    func testDecodedSizeCap() throws {
        var limits = SAMLValidationLimits()
        limits.maxDecodedBytes = 1_000
        let v = SAMLValidator(settings: ServiceProviderSettings(acsURLs: [SAMLFixture.acs], audiences: [SAMLFixture.acs]), limits: limits)
        let r = v.validate(samlAssertion: try f.signer.signedResponse(f.spec()), principalArn: SAMLFixture.providerArn,
                           roleArn: SAMLFixture.roleArn, trust: try f.trust(), now: SAMLFixture.now)
        assertRejected(r, .size, .invalidIdentityToken)
    }

    func testBadBase64IsRefused() throws {
        let good = try f.signer.signedResponse(f.spec())
        assertRejected(try validate(b64: "!" + good.dropFirst()), .base64, .invalidIdentityToken)
        assertRejected(try validate(b64: good + "="), .base64, .invalidIdentityToken)
        assertRejected(try validate(b64: "PHg+=A==" ), .base64, .invalidIdentityToken)
        assertRejected(try validate(b64: String(good.dropLast())), .base64, .invalidIdentityToken)
    }

    func testNotXMLIsRefused() throws {
        assertRejected(try validate(b64: Base64Input.encode(Array("this is not xml at all".utf8))), .xmlParse, .invalidIdentityToken)
    }

    func testXXEDoctypeIsRefused() throws {
        let xml = try f.xml()
        let xxe = xml.replacingFirst("<samlp:Response", with: "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><samlp:Response")
            .replacingFirst("alice@example.com", with: "&x;")
        assertRejected(try f.validate(xml: xxe), .doctype, .invalidIdentityToken)
    }

    func testBillionLaughsIsRefused() throws {
        var dtd = "<!DOCTYPE r [<!ENTITY l0 \"lol\">"
        for i in 1...9 { dtd += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        dtd += "]>"
        let xml = dtd + "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_a\">&l9;</samlp:Response>"
        assertRejected(try f.validate(xml: xml), .doctype, .invalidIdentityToken)
    }

    func testExternalDTDIsRefused() throws {
        let xml = try f.xml().replacingFirst("<samlp:Response", with: "<!DOCTYPE samlp:Response SYSTEM \"http://127.0.0.1:1/x.dtd\"><samlp:Response")
        assertRejected(try f.validate(xml: xml), .doctype, .invalidIdentityToken)
    }

    func testDeepNestingIsRefused() throws {
        let deep = String(repeating: "<x:a xmlns:x=\"urn:x\">", count: 40) + String(repeating: "</x:a>", count: 40)
        let xml = try f.xml().replacingFirst("<samlp:Status>", with: "<samlp:Extensions>\(deep)</samlp:Extensions><samlp:Status>")
        assertRejected(try f.validate(xml: xml), .limits, .invalidIdentityToken)
    }

    func testTooManyElementsIsRefused() throws {
        let many = String(repeating: "<x:a xmlns:x=\"urn:x\"/>", count: 3_100)
        let xml = try f.xml().replacingFirst("<samlp:Status>", with: "<samlp:Extensions>\(many)</samlp:Extensions><samlp:Status>")
        assertRejected(try f.validate(xml: xml), .limits, .invalidIdentityToken)
    }

    func testRejectionCarriesAssertionIDOnceKnown() throws {
        let xml = try f.xml { $0.audience = "urn:other" }
        guard case .failure(let r) = try f.validate(xml: xml) else { return XCTFail("expected rejection") }
        XCTAssertEqual(r.assertionID, XMLText.id(of: XMLText.element(xml, "<saml:Assertion", ">")!))
        XCTAssertFalse(r.message.contains("<saml:"), "message must not echo the document")
    }

    func testRandomMutationsNeverCrashAndAreRejected() throws {
        let original = Array(try f.xml().utf8)
        let trust = try f.trust()
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        var rejected = 0
        let rounds = 300
        for _ in 0..<rounds {
            var bytes = original
            switch next() % 3 {
            case 0: bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
            case 1: bytes.removeSubrange((next() % bytes.count)...)
            default: bytes.insert(contentsOf: Array("<!---->".utf8), at: next() % bytes.count)
            }
            let r = f.validator.validate(samlAssertion: Base64Input.encode(bytes), principalArn: SAMLFixture.providerArn,
                                         roleArn: SAMLFixture.roleArn, trust: trust, now: SAMLFixture.now)
            switch r {
            case .failure: rejected += 1
            case .success(let claim): XCTAssertEqual(claim.subject, "alice@example.com", "a mutation changed identity yet passed")
            }
        }
        XCTAssertGreaterThan(rejected, rounds * 8 / 10)
    }

    func testBase64DecoderRules() {
        XCTAssertEqual(try? Base64Input.decode(Array("aGk=".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get(), Array("hi".utf8))
        XCTAssertEqual(try? Base64Input.decode(Array("aG\r\nk=".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get(), Array("hi".utf8))
        XCTAssertEqual(try? Base64Input.decode(Array("+/8=".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get(), [0xFB, 0xFF])
        XCTAssertEqual(try? Base64Input.decode(Array(" /8=".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get(), [0xFB, 0xFF])
        XCTAssertNil(try? Base64Input.decode(Array("aGl=".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get(), "non-zero trailing bits")
        XCTAssertNil(try? Base64Input.decode(Array("aGk".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get())
        XCTAssertNil(try? Base64Input.decode(Array("aG=k".utf8), spaceIsPlus: true, maxDecodedBytes: 10).get())
    }

    /// The decoder's quad-at-a-time fast path against Foundation's decoder, on random
    /// data of every length class, wrapped or not; and any byte outside the alphabet
    /// placed anywhere is refused at its offset.
    func testBase64MatchesFoundationOnRandomInputAndRefusesStrayBytes() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0..<40) + [255, 256, 257, 3000, 6001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoded = Data(bytes).base64EncodedString()
            let wrapped = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            for text in [encoded, wrapped] {
                XCTAssertEqual(try? Base64Input.decode(Array(text.utf8), spaceIsPlus: false, maxDecodedBytes: 10_000).get(), bytes, "length \(length)")
            }
            guard !encoded.isEmpty else { continue }
            var damaged = Array(encoded.utf8)
            let at = Int.random(in: 0..<damaged.count, using: &rng)
            damaged[at] = [UInt8(ascii: "*"), UInt8(ascii: "-"), 0x80, 0x00, UInt8(ascii: "_")].randomElement(using: &rng)!
            switch Base64Input.decode(damaged, spaceIsPlus: false, maxDecodedBytes: 10_000) {
            case .failure(.invalidCharacter(let offset)): XCTAssertEqual(offset, at, "length \(length)")
            case .failure(.badPadding) where encoded.utf8.dropFirst(at).allSatisfy({ $0 == UInt8(ascii: "=") }): break
            case let other: XCTFail("length \(length), stray byte at \(at): \(other)")
            }
        }
    }

    /// Every byte value at several places of a stretch long enough for the 16-character
    /// SIMD blocks: alphabet bytes decode as Foundation decodes them, '=' inside is bad
    /// padding, whitespace is the rules' business, anything else is refused at its offset.
    func testBase64EveryByteValueInsideTheSIMDBlocks() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var rng = SystemRandomNumberGenerator()
        let base = Array(Data((0..<48).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString().utf8)
        for position in [0, 5, 15, 16, 31, 40, 63] {
            for value in 0...255 {
                var text = base
                text[position] = UInt8(value)
                let result = Base64Input.decode(text, spaceIsPlus: false, maxDecodedBytes: 1_000)
                if alphabet.contains(UInt8(value)) {
                    XCTAssertEqual(try? result.get(), Data(base64Encoded: Data(text)).map(Array.init), "byte \(value) at \(position)")
                } else if value == 0x3D {
                    // Inside: bad padding. As the last character it is real padding, which
                    // decodes when the bits it drops are zero (our rule; Foundation's too then).
                    if case .success(let bytes) = result, position == text.count - 1 {
                        XCTAssertEqual(bytes, Data(base64Encoded: Data(text)).map(Array.init))
                    } else {
                        guard case .failure(.badPadding) = result else { return XCTFail("'=' at \(position): \(result)") }
                    }
                } else if [0x09, 0x0A, 0x0D, 0x20].contains(value) {
                    continue
                } else {
                    guard case .failure(.invalidCharacter(let offset)) = result, offset == position else {
                        return XCTFail("byte \(value) at \(position): \(result)")
                    }
                }
            }
        }
    }

    func testXSDateTime() {
        XCTAssertEqual(XSDateTime.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(XSDateTime.parse("2025-06-15T15:06:40Z"), 1_750_000_000)
        XCTAssertEqual(XSDateTime.parse("2025-06-15T15:06:40.123Z"), 1_750_000_000)
        XCTAssertEqual(XSDateTime.parse("2025-06-15T17:06:40+02:00"), 1_750_000_000)
        XCTAssertNil(XSDateTime.parse("2025-06-15T15:06:40"))
        XCTAssertNil(XSDateTime.parse("2025-02-30T00:00:00Z"))
        XCTAssertEqual(XSDateTime.format(1_750_000_000), "2025-06-15T15:06:40Z")
    }
}
