import XCTest
@testable import TrustPolicy

final class TrustPolicyPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
