import XCTest
@testable import Mint

final class MintPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
