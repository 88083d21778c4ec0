import XCTest
@testable import SAML

final class SAMLPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
