import XCTest
@testable import SAML

/// The byte-level ARN parser behind Role values and request parameters.
final class ARNParsingTests: XCTestCase {
    func testAcceptedShapes() {
        XCTAssertEqual(AttributeARN.parse("arn:aws:iam::123456789012:role/Dev"), .role("arn:aws:iam::123456789012:role/Dev"))
        XCTAssertEqual(AttributeARN.parse("arn:aws-cn:iam::123456789012:role/path/to/Dev+=,.@-_"),
                       .role("arn:aws-cn:iam::123456789012:role/path/to/Dev+=,.@-_"))
        XCTAssertEqual(AttributeARN.parse("arn:aws-us-gov:iam::123456789012:saml-provider/corp"),
                       .samlProvider("arn:aws-us-gov:iam::123456789012:saml-provider/corp"))
    }

    func testRefusedShapes() {
        for bad in ["arn:aws:iam::12345678901:role/Dev",            // 11 digits
                    "arn:aws:iam::1234567890123:role/Dev",          // 13 digits
                    "arn:aws:iam::12345678901x:role/Dev",
                    "arn:aws:iam:us-east-1:123456789012:role/Dev",  // region not empty
                    "arn:aws:sts::123456789012:role/Dev",
                    "arn:aws-xx:iam::123456789012:role/Dev",
                    "ARN:aws:iam::123456789012:role/Dev",
                    "arn:aws:iam::123456789012:role/",
                    "arn:aws:iam::123456789012:role/path/",         // empty name after the path
                    "arn:aws:iam::123456789012:role/D ev",
                    "arn:aws:iam::123456789012:user/Dev",
                    "arn:aws:iam::123456789012:saml-provider/a/b",  // no paths for providers
                    "arn:aws:iam::123456789012:saml-provider/",
                    "arn:aws:iam::123456789012:role/" + String(repeating: "a", count: 65),
                    "arn:aws:iam::123456789012:saml-provider/" + String(repeating: "a", count: 129),
                    "arn:aws:iam::123456789012:role/\u{212A}elvin",  // non-ASCII
                    "arn:aws:iam::123456789012",
                    "short"] {
            XCTAssertNil(AttributeARN.parse(bad), bad)
        }
    }

    func testAccountField() {
        XCTAssertEqual(AttributeARN.account("arn:aws:iam::123456789012:role/a:b"), "123456789012")
        XCTAssertEqual(RequestShape.problem(principalArn: "arn:aws:iam::123456789012:saml-provider/p",
                                            roleArn: "arn:aws:iam::210987654321:role/r"),
                       "Principal exists outside the account of the Role being assumed.")
        XCTAssertNil(RequestShape.problem(principalArn: "arn:aws:iam::123456789012:saml-provider/p",
                                          roleArn: "arn:aws:iam::123456789012:role/r"))
    }
}
