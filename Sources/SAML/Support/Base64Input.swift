import CXMLSec

/// Strict base64 decoding for values that crossed an HTML form or a PEM/XML file.
///
/// Tolerated damage, and only this: line breaks and tabs (IdPs wrap at 76 columns)
/// and, when `spaceIsPlus`, spaces that a non-percent-encoded form body made of `+`
/// (aws-wire.md §8.3). Everything else that is not base64 — bad characters,
/// misplaced or excess padding, non-zero trailing bits — is refused, so two
/// different strings never decode to the same document.
enum Base64Input {
    enum Failure: Error, Equatable {
        case invalidCharacter(offset: Int)
        case badPadding
        case badLength(Int)
        case tooLarge(limit: Int)
    }

    static func decode<C: Collection>(_ input: C, spaceIsPlus: Bool, maxDecodedBytes: Int) -> Result<[UInt8], Failure>
    where C.Element == UInt8 {
        if let fast = input.withContiguousStorageIfAvailable({ decode(buffer: $0, spaceIsPlus: spaceIsPlus, maxDecodedBytes: maxDecodedBytes) }) {
            return fast
        }
        let copy = Array(input)
        return copy.withUnsafeBufferPointer { decode(buffer: $0, spaceIsPlus: spaceIsPlus, maxDecodedBytes: maxDecodedBytes) }
    }

    // Hot path of every request (a ~8 KB parameter): the loop is cxs_base64_decode
    // (C), writing straight into the result array.
    private static func decode(buffer: UnsafeBufferPointer<UInt8>, spaceIsPlus: Bool, maxDecodedBytes: Int) -> Result<[UInt8], Failure> {
        let capacity = max(0, min(maxDecodedBytes, buffer.count / 4 * 3 + 3))
        var result = CXS_B64_OK
        var detail = 0
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            var written = 0
            result = cxs_base64_decode(buffer.baseAddress, buffer.count, spaceIsPlus ? 1 : 0,
                                       out.baseAddress, capacity, &written, &detail)
            initialized = result == CXS_B64_OK ? written : 0
        }
        switch result {
        case CXS_B64_OK:
            if out.count > maxDecodedBytes { return .failure(.tooLarge(limit: maxDecodedBytes)) }
            return .success(out)
        case CXS_B64_INVALID_CHARACTER: return .failure(.invalidCharacter(offset: detail))
        case CXS_B64_BAD_LENGTH: return .failure(.badLength(detail))
        case CXS_B64_TOO_LARGE: return .failure(.tooLarge(limit: maxDecodedBytes))
        default: return .failure(.badPadding)
        }
    }

    static func describe(_ failure: Failure) -> String {
        switch failure {
        case .invalidCharacter(let offset): return "character at offset \(offset) is not base64"
        case .badPadding: return "padding is malformed"
        case .badLength(let n): return "\(n) base64 characters is not a multiple of 4"
        case .tooLarge(let limit): return "decoded size exceeds \(limit) bytes"
        }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(0x3D); out.append(0x3D)
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(0x3D)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
