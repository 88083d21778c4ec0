// The hand-written formatters behind every audit line and response timestamp,
// checked against Foundation's, and the batched audit writer's ordering.
import AWSAuth
import BrokerCore
import Foundation
import XCTest
@testable import Mint

final class AuditFormattingTests: XCTestCase {
    func testISO8601MatchesFoundationAcrossTheFourDigitYears() {
        let reference = ISO8601DateFormatter()
        reference.timeZone = TimeZone(identifier: "UTC")
        reference.formatOptions = [.withInternetDateTime]
        var samples: [Int64] = [0, 1, -1, 59, 86_399, 86_400, 951_782_400, 951_868_799, 1_750_000_000, 4_107_542_399,
                                253_402_300_799, -12_212_553_600, 1_709_164_800, 1_709_251_199]
        var x: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<2000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            samples.append(Int64(x % 253_402_300_800))
        }
        // Foundation switches to the Julian calendar before 1582; gmtime and we stay Gregorian.
        for t in samples {
            XCTAssertEqual(ISO8601.format(t), reference.string(from: Date(timeIntervalSince1970: TimeInterval(t))), "t = \(t)")
        }
    }

    func testISO8601OutsideTheFastRangeStillFormats() {
        XCTAssertEqual(ISO8601.format(253_402_300_800), "10000-01-01T00:00:00Z")
    }

    func testJSONQuotingRoundTripsThroughJSONSerialization() throws {
        let nasty = "q\"b\\s/n\nr\rt\tnul\u{0}bell\u{7}us\u{1f}ls\u{2028}ps\u{2029}e\u{e9}\u{1F600}\u{E2}"
        var j = JSONText()
        j.string("k\"\u{1}", nasty)
        j.int("n", -42)
        j.bool("b", true)
        j.null("z")
        j.strings("list", ["a", "\u{2028}"])
        var inner = JSONText()
        inner.string("x", "y")
        j.object("o", inner)
        j.objects("os", [inner, JSONText()])
        let text = j.finished
        XCTAssertFalse(text.contains("\u{2028}"), "U+2028 is escaped")
        XCTAssertTrue(text.contains("\\u2028") && text.contains("\\u0000") && text.contains("\\u001f"))
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["k\"\u{1}"] as? String, nasty)
        XCTAssertEqual(parsed["n"] as? Int, -42)
        XCTAssertEqual(parsed["b"] as? Bool, true)
        XCTAssertTrue(parsed["z"] is NSNull)
        XCTAssertEqual(parsed["list"] as? [String], ["a", "\u{2028}"])
        XCTAssertEqual((parsed["o"] as? [String: String])?["x"], "y")
        XCTAssertEqual((parsed["os"] as? [[String: String]])?.count, 2)
    }

    func testXMLTextMatchesAWSXMLElement() {
        for text in ["", "plain", "a&b<c>d\"e'f", "tab\there\nnew\rret", "nul\u{0}x\u{1f}", "\u{e9}t\u{e9} \u{1F600}", "&amp;"] {
            var x = XMLText()
            x.element("Name", text)
            XCTAssertEqual(x.string, AWSXML.element("Name", text), text)
        }
    }

    func testEventIDsAreVersion4UUIDs() {
        let a = AuditLog.newEventID(), b = AuditLog.newEventID()
        XCTAssertNotEqual(a, b)
        let uuid = UUID(uuidString: a)
        XCTAssertNotNil(uuid, a)
        XCTAssertEqual(a, a.lowercased())
        XCTAssertEqual(Array(a.utf8)[14], UInt8(ascii: "4"))
        XCTAssertTrue("89ab".utf8.contains(Array(a.utf8)[19]))
    }

    /// Lines queued from many threads are all written, each chained to the line
    /// written before it, whatever the interleaving.
    func testChainIsUnbrokenUnderConcurrentAppends() throws {
        let h = try MintHarness()
        defer { h.removeFiles() }
        let call = h.signedCall("GetCallerIdentity")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 { _ = h.service.handle(.signedCall(call)) }
        }
        let lines = h.auditLog.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 400)
        var previous = AuditLog.genesisHash
        for (i, line) in lines.enumerated() {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "line \(i)")
            XCTAssertEqual(object["brokerPrevHash"] as? String, previous, "line \(i)")
            XCTAssertEqual(object["eventName"] as? String, "GetCallerIdentity")
            previous = Crypto.sha256Hex(Array(line.utf8))
        }
    }

    /// Dropping the log (as at process shutdown) writes what was still queued.
    func testReleasingTheLogWritesQueuedLines() throws {
        let dir = NSTemporaryDirectory() + "audit-drop-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/audit.log"
        do {
            let log = try AuditLog(path: path)
            for i in 0..<25 {
                log.append(AuditEvent(time: 1_750_000_000 + Int64(i), service: .sts, eventName: "E\(i)", region: "us-east-1",
                                      context: RequestContext(requestID: "r", sourceIP: "127.0.0.1", userAgent: "t")))
            }
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 25)
        XCTAssertTrue(text.hasSuffix("\n"))
    }
}
