import Foundation
import XCTest
import AWSAuth

final class CryptoTests: XCTestCase {
    func testSHA256AndSHA1KnownAnswers() {
        XCTAssertEqual(Crypto.sha256Hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Crypto.sha256Hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Crypto.hex(Crypto.sha1(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    func testHMACSHA256RFC4231Case2() {
        XCTAssertEqual(Crypto.hex(Crypto.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// A key longer than the 64-byte block is hashed first; an empty key and empty data are valid too.
    func testHMACSHA256LongKeyAndEmptyInputs() {
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        XCTAssertEqual(Crypto.hex(Crypto.hmacSHA256(key: longKey, data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        XCTAssertEqual(Crypto.hex(Crypto.hmacSHA256(key: [], data: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        let blockKey = [UInt8](repeating: 0x0b, count: 64)
        XCTAssertEqual(Crypto.hex(Crypto.hmacSHA256(key: blockKey, data: [1, 2, 3])),
                       "b84701c925a3f7996d18137a9905894d76fd40869f8d632e18ba6b8847c30e78")
    }

    func testBase64RoundTripAndStrictDecode() {
        for n in 0..<10 {
            let b = Array((0..<n).map { UInt8($0 * 37 & 0xff) })
            XCTAssertEqual(Crypto.base64Decode(Crypto.base64(b)), b)
        }
        XCTAssertEqual(Crypto.base64(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Crypto.base64(Array("fo".utf8)), "Zm8=")
        for bad in ["Zm8", "Zm8==", "Z===", "Zm9=Zm9v", "Zm 9v", "Zm9-", "Zm9=", "Zh=="] {
            XCTAssertNil(Crypto.base64Decode(bad), bad)
        }
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Crypto.constantTimeEqual([1, 2, 3], [1, 2]))
        XCTAssertTrue(Crypto.constantTimeEqual([], []))
    }

    func testRandomBytes() {
        XCTAssertEqual(Crypto.randomBytes(32).count, 32)
        XCTAssertNotEqual(Crypto.randomBytes(32), Crypto.randomBytes(32))
        XCTAssertEqual(Crypto.randomBytes(0), [])
    }

    /// Small requests come from a per-thread pool (CCrypto.c): across many refills no
    /// 16-byte draw repeats and the bytes look uniform (every value appears).
    func testPooledRandomBytesNeverRepeatAcrossRefills() {
        var seen = Set<[UInt8]>()
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<20_000 {
            let r = Crypto.randomBytes(16)
            XCTAssertTrue(seen.insert(r).inserted, "a 16-byte draw repeated")
            for b in r { counts[Int(b)] += 1 }
        }
        XCTAssertFalse(counts.contains(0))
        XCTAssertNotEqual(Crypto.randomBytes(64), Crypto.randomBytes(64))
        XCTAssertEqual(Crypto.randomBytes(65).count, 65)
    }

    /// A forked child must not hand out the bytes its parent's pool holds next.
    func testForkedChildDoesNotRepeatTheParentsPool() throws {
        _ = Crypto.randomBytes(16)   // the pool is filled now
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let pid = fork()
        if pid == 0 {
            var r = Crypto.randomBytes(16)
            _ = write(fds[1], &r, 16)
            _exit(0)
        }
        XCTAssertGreaterThan(pid, 0)
        close(fds[1])
        let parentNext = Crypto.randomBytes(16)
        var child = [UInt8](repeating: 0, count: 16)
        var got = 0
        for _ in 0..<50 where got < 16 {   // bounded: 50 reads of at most 100 ms each
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 {
                let n = child.withUnsafeMutableBytes { read(fds[0], $0.baseAddress! + got, 16 - got) }
                if n <= 0 { break }
                got += n
            }
        }
        close(fds[0])
        var status: Int32 = 0
        if got < 16 { kill(pid, SIGKILL) }
        waitpid(pid, &status, 0)
        XCTAssertEqual(got, 16, "the child answered")
        XCTAssertNotEqual(child, parentNext)
    }

    func testAESGCM() throws {
        let key = AESGCMKey.generate(id: "k")
        let sealed = AESGCM.seal(Array("hello".utf8), key: key, aad: [9])
        XCTAssertEqual(sealed.count, 12 + 5 + 16)
        XCTAssertEqual(AESGCM.open(sealed, key: key, aad: [9]), Array("hello".utf8))
        XCTAssertNil(AESGCM.open(sealed, key: key, aad: [8]))
        XCTAssertNil(AESGCM.open(sealed, key: AESGCMKey.generate(id: "k"), aad: [9]))
        XCTAssertEqual(AESGCM.open(AESGCM.seal([], key: key, aad: []), key: key, aad: []), [])
        XCTAssertNil(AESGCM.open(Array(sealed.prefix(27)), key: key, aad: [9]))
    }

    func testCredentialFormats() {
        let akid = CredentialFormat.newAccessKeyID(prefix: "ASIA")
        XCTAssertTrue(CredentialFormat.isAccessKeyID(akid), akid)
        XCTAssertTrue(akid.hasPrefix("ASIA"))
        XCTAssertNotEqual(akid, CredentialFormat.newAccessKeyID(prefix: "ASIA"))
        let secret = CredentialFormat.newSecretAccessKey()
        XCTAssertEqual(secret.count, 40)
        XCTAssertTrue(secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") })
        let uid = CredentialFormat.newUniqueID(prefix: "AROA")
        XCTAssertEqual(uid.count, 21)
        XCTAssertTrue(uid.dropFirst(4).allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        for bad in ["AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLE1", "XKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL1", "akiaiosfodnn7example"] {
            XCTAssertFalse(CredentialFormat.isAccessKeyID(bad), bad)
        }
        XCTAssertTrue(CredentialFormat.isAccessKeyID("AKIAIOSFODNN7EXAMPLE"))
    }
}
