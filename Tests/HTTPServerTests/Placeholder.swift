import XCTest
@testable import HTTPServer

final class HTTPServerPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertTrue(true) } }
