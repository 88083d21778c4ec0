// QueryParameters.parse: decoding and the errors a malformed request gets.
import XCTest
@testable import BrokerCore

final class QueryDecodingTests: XCTestCase {
    private func parse(_ q: String, body: String = "") throws -> QueryParameters {
        try QueryParameters.parse(rawQuery: q, body: Array(body.utf8), contentType: body.isEmpty ? nil : "application/x-www-form-urlencoded")
    }

    private func assertMalformed(_ q: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(q), file: file, line: line) { e in
            XCTAssertEqual((e as? AWSError)?.code, .malformedQueryString, file: file, line: line)
            XCTAssertEqual((e as? AWSError)?.message, expected, file: file, line: line)
        }
    }

    func testPlainEscapedAndPlusEncodedValuesDecode() throws {
        let p = try parse("Action=ListRoles&PathPrefix=%2Fa%2Fb%2F&Name=a+b&Empty=&Flag", body: "Version=2010-05-08")
        XCTAssertEqual(p["Action"], "ListRoles")
        XCTAssertEqual(p["PathPrefix"], "/a/b/")
        XCTAssertEqual(p["Name"], "a b")
        XCTAssertEqual(p["Empty"], "")
        XCTAssertEqual(p["Flag"], "")
        XCTAssertEqual(p["Version"], "2010-05-08")
        XCTAssertEqual(p.names, ["Action", "PathPrefix", "Name", "Empty", "Flag", "Version"])
    }

    func testMultiByteUTF8DecodesEscapedOrRaw() throws {
        XCTAssertEqual(try parse("N=%C3%A9")["N"], "é")
        XCTAssertEqual(try QueryParameters.decode(Array("é".utf8), what: "x"), "é")
    }

    func testMalformedEscapesAndInvalidUTF8AreRefusedNamingTheField() {
        assertMalformed("Action=a%2", "Malformed percent-encoding in the value of Action.")
        assertMalformed("Act%zzion=a", "Malformed percent-encoding in the parameter name.")
        assertMalformed("Action=%FF", "The value of Action is not valid UTF-8.")
        XCTAssertThrowsError(try QueryParameters.decode([0x41, 0xFF], what: "value of X")) { e in
            XCTAssertEqual((e as? AWSError)?.message, "The value of X is not valid UTF-8.")
        }
    }

    func testDuplicateParameterIsRefusedEvenAcrossQueryAndBody() {
        XCTAssertThrowsError(try parse("Action=A", body: "Action=B")) { e in
            XCTAssertEqual((e as? AWSError)?.code, .invalidParameterValue)
        }
        XCTAssertThrowsError(try parse("A=1&%41=2")) { e in
            XCTAssertEqual((e as? AWSError)?.code, .invalidParameterValue)
        }
    }

    func testEmptyFieldsAndAnEqualsSignInAValue() throws {
        let p = try parse("&&A=1&&B=x=y&", body: "&C=%3D&")
        XCTAssertEqual(p.names, ["A", "B", "C"])
        XCTAssertEqual(p["B"], "x=y")
        XCTAssertEqual(p["C"], "=")
    }

    /// The decoder against a plain reference on random bodies: a SAMLResponse-sized
    /// value with escapes, plus signs, raw and escaped multi-byte UTF-8.
    func testRandomFormsDecodeLikeAReferenceDecoder() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ABCxyz019+/=-_.~ é€".unicodeScalars)
        for _ in 0..<200 {
            let value = String(String.UnicodeScalarView((0..<Int.random(in: 0...9000, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            var encoded = ""
            for scalar in value.unicodeScalars {
                switch scalar {
                case " ": encoded += Bool.random(using: &rng) ? "+" : "%20"
                case "+", "/", "=", "&": encoded += "%" + String(format: "%02X", scalar.value)
                case "é" where Bool.random(using: &rng): encoded += "%C3%a9"
                default: encoded.unicodeScalars.append(scalar)
                }
            }
            let p = try parse("Action=AssumeRoleWithSAML", body: "SAMLAssertion=\(encoded)&Z=1")
            XCTAssertEqual(p["SAMLAssertion"], value)
            XCTAssertEqual(p["Z"], "1")
        }
    }

    /// The word-at-a-time escape search against a byte loop: every position of `%`
    /// and `+`, neighbours that differ by one bit or one value (`$`, `&`, `*`, `,`,
    /// with bit 7 set), several escapes in one word, and random words.
    func testEscapeSearchFindsTheFirstPercentOrPlusInAWord() {
        func reference(_ bytes: [UInt8]) -> Int { bytes.firstIndex { $0 == 0x25 || $0 == 0x2B } ?? 8 }
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) } }
        let fillers: [UInt8] = [0x24, 0x26, 0x2A, 0x2C, 0xA5, 0xAB, 0x05, 0x0B, 0x00, 0xFF, 0x41]
        for filler in fillers {
            XCTAssertEqual(QueryParameters.firstEscape(word([UInt8](repeating: filler, count: 8))), 8, "filler \(filler)")
            for escape: UInt8 in [0x25, 0x2B] {
                for i in 0..<8 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[i] = escape
                    XCTAssertEqual(QueryParameters.firstEscape(word(bytes)), i, "\(bytes)")
                    if i < 7 { bytes[7] = escape ^ 0x0E }   // the other escape, later
                    XCTAssertEqual(QueryParameters.firstEscape(word(bytes)), i, "\(bytes)")
                }
            }
        }
        var rng = SystemRandomNumberGenerator()
        let biased: [UInt8] = [0x25, 0x2B, 0x24, 0x26, 0x2A, 0x2C, 0x00, 0x01, 0x80, 0xA5, 0xAB, 0xFF]
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in Bool.random(using: &rng) ? biased.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(QueryParameters.firstEscape(word(bytes)), reference(bytes), "\(bytes)")
        }
    }
}
