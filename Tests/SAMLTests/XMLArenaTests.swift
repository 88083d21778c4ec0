import CXMLSec
import Foundation
import XCTest
@testable import SAML

/// The per-validation region allocator behind xmlMalloc (CXMLSec/XMLArena.c): a
/// validation, accepted or rejected, must free every block it took, and blocks
/// that outlive a scope must stay intact.
final class XMLArenaTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    /// Runs `body` on a fresh thread, so this thread's arena starts empty.
    private func onFreshThread(_ body: @escaping @Sendable () -> Void) {
        let done = expectation(description: "thread")
        Thread { body(); done.fulfill() }.start()
        wait(for: [done], timeout: 30)
    }

    func testValidationsLeaveNoLiveBlocks() throws {
        let trust = try f.trust()
        let good = try f.xml()
        let wrongAudience = try f.xml { $0.audience = "https://elsewhere.example/saml" }
        let tampered = good.replacingOccurrences(of: SAMLFixture.roleArn, with: "arn:aws:iam::123456789012:role/Admin")
        let foreign = try f.attacker.signedResponseXML(f.spec())
        let doctype = "<!DOCTYPE r [<!ENTITY a \"b\">]>" + good
        let validator = f.validator
        let inputs = [good, wrongAudience, tampered, foreign, doctype, "<unclosed"]
        let results = Results()
        onFreshThread {
            for xml in inputs {
                let r = validator.validate(samlAssertion: Base64Input.encode(Array(xml.utf8)), principalArn: SAMLFixture.providerArn,
                                           roleArn: SAMLFixture.roleArn, trust: trust, now: SAMLFixture.now)
                results.append((accepted: (try? r.get()) != nil, live: cxs_arena_live_blocks(), bytes: cxs_arena_chunk_bytes_in_use()))
            }
        }
        let seen = results.values
        XCTAssertEqual(seen.map(\.accepted), [true, false, false, false, false, false])
        for (i, s) in seen.enumerated() {
            XCTAssertEqual(s.live, 0, "input \(i) left blocks allocated in the arena")
            XCTAssertEqual(s.bytes, 0, "input \(i): the chunk was not started over")
        }
    }

    func testBlocksOutlivingTheScopeStayIntact() {
        let results = Results()
        onFreshThread {
            cxs_arena_begin()
            let kept = xmlMalloc(100)!.assumingMemoryBound(to: UInt8.self)
            memset(kept, 0xA5, 100)
            cxs_arena_end()
            // The chunk still holds `kept`: the next scope must not hand its bytes out again.
            cxs_arena_begin()
            let next = xmlMalloc(100)!.assumingMemoryBound(to: UInt8.self)
            memset(next, 0x5A, 100)
            let grown = xmlRealloc(next, 5_000)!.assumingMemoryBound(to: UInt8.self)
            let copy = xmlMemStrdup("kept")!
            cxs_arena_end()
            let keptIntact = (0..<100).allSatisfy { kept[$0] == 0xA5 }
            let grownIntact = (0..<100).allSatisfy { grown[$0] == 0x5A }
            let copied = String(cString: copy) == "kept"
            results.append((accepted: keptIntact && grownIntact && copied, live: cxs_arena_live_blocks(), bytes: 0))
            xmlFree(kept); xmlFree(grown); xmlFree(copy)
            cxs_arena_begin(); cxs_arena_end()
            results.append((accepted: true, live: cxs_arena_live_blocks(), bytes: cxs_arena_chunk_bytes_in_use()))
        }
        let seen = results.values
        XCTAssertEqual(seen.count, 2)
        XCTAssertTrue(seen[0].accepted, "a block allocated in an earlier scope was overwritten")
        XCTAssertEqual(seen[0].live, 3)
        XCTAssertEqual(seen[1].live, 0)
        XCTAssertEqual(seen[1].bytes, 0)
    }

    func testLargeBlocksAndPlainAllocationsBypassTheArena() {
        let results = Results()
        onFreshThread {
            cxs_arena_begin()
            let big = xmlMalloc(1 << 20)!
            memset(big, 1, 1 << 20)
            let bigLive = cxs_arena_live_blocks()
            cxs_arena_end()
            let outside = xmlMalloc(64)!
            let outsideLive = cxs_arena_live_blocks()
            xmlFree(big); xmlFree(outside)
            results.append((accepted: true, live: bigLive + outsideLive, bytes: cxs_arena_chunk_bytes_in_use()))
        }
        XCTAssertEqual(results.values.first?.live, 0, "a 1 MiB block or an allocation outside a scope went to the arena")
    }
}

/// Results handed from a worker thread to the test.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(accepted: Bool, live: Int, bytes: Int)] = []
    func append(_ item: (accepted: Bool, live: Int, bytes: Int)) { lock.lock(); items.append(item); lock.unlock() }
    var values: [(accepted: Bool, live: Int, bytes: Int)] { lock.lock(); defer { lock.unlock() }; return items }
}
