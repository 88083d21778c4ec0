import XCTest
@testable import HTTPServer

/// Mutated requests: the parser must never crash, and must reach the same verdict
/// whether the bytes arrive at once, one by one, or in odd-sized pieces.
final class RequestParserFuzzTests: XCTestCase {
    /// Deterministic, so a failure reproduces.
    private struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    private let seeds = [
        "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;e=\"x\"\r\nabc\r\n0\r\nT: v\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
    ]
    private let interesting: [UInt8] = [0x00, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x2C, 0x3A, 0x3B, 0x30, 0x46, 0x7F, 0x80, 0xFF]

    private func signature(_ r: ParserHarness.Result) -> String {
        "\(r.requests.map { "\($0.method) \($0.target) \($0.headers.count) \($0.body)" }) \(String(describing: r.error))"
    }

    func testMutatedRequestsGiveTheSameVerdictHoweverSplit() {
        var rng = SplitMix(state: 42)
        for iteration in 0..<3000 {
            var bytes = Array(seeds[iteration % seeds.count].utf8)
            for _ in 0..<(1 + rng.below(3)) {
                let i = rng.below(bytes.count)
                switch rng.below(3) {
                case 0: bytes[i] = interesting[rng.below(interesting.count)]
                case 1: bytes.insert(interesting[rng.below(interesting.count)], at: i)
                default: bytes.remove(at: i)
                }
                if bytes.isEmpty { bytes = [0x47] }
            }
            let whole = ParserHarness.run(bytes)
            let single = ParserHarness.run(bytes, pieceSize: 1)
            let odd = ParserHarness.run(bytes, pieceSize: 1 + rng.below(9))
            XCTAssertEqual(signature(whole), signature(single), "input: \(bytes)")
            XCTAssertEqual(signature(whole), signature(odd), "input: \(bytes)")
        }
    }

    func testRandomBytesNeverCrash() {
        var rng = SplitMix(state: 7)
        for _ in 0..<2000 {
            let bytes = (0..<rng.below(200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = ParserHarness.run(bytes, pieceSize: 1 + rng.below(16))
        }
    }
}
