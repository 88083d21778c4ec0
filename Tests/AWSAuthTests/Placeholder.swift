import XCTest
@testable import AWSAuth

final class AWSAuthPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
