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

    private static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    static func decode<C: Collection>(_ input: C, spaceIsPlus: Bool, maxDecodedBytes: Int) -> Result<[UInt8], Failure>
    where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(min(maxDecodedBytes, input.count * 3 / 4 + 3))
        var quad: UInt32 = 0
        var inQuad = 0
        var significant = 0
        var padding = 0
        var offset = -1
        for raw in input {
            offset += 1
            var c = raw
            switch c {
            case 0x0A, 0x0D, 0x09: continue
            case 0x20:
                if spaceIsPlus { c = 0x2B } else { continue }
            case 0x3D:   // '='
                padding += 1
                significant += 1
                if padding > 2 { return .failure(.badPadding) }
                continue
            default: break
            }
            if padding > 0 { return .failure(.badPadding) }   // data after '='
            let v = table[Int(c)]
            if v < 0 { return .failure(.invalidCharacter(offset: offset)) }
            quad = (quad << 6) | UInt32(v)
            inQuad += 1
            significant += 1
            if inQuad == 4 {
                if out.count + 3 > maxDecodedBytes { return .failure(.tooLarge(limit: maxDecodedBytes)) }
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                out.append(UInt8(truncatingIfNeeded: quad >> 8))
                out.append(UInt8(truncatingIfNeeded: quad))
                quad = 0
                inQuad = 0
            }
        }
        guard significant % 4 == 0 else { return .failure(.badLength(significant)) }
        switch (inQuad, padding) {
        case (0, 0): break
        case (2, 2):
            guard quad & 0xF == 0 else { return .failure(.badPadding) }
            out.append(UInt8(truncatingIfNeeded: quad >> 4))
        case (3, 1):
            guard quad & 0x3 == 0 else { return .failure(.badPadding) }
            out.append(UInt8(truncatingIfNeeded: quad >> 10))
            out.append(UInt8(truncatingIfNeeded: quad >> 2))
        default:
            return .failure(.badPadding)
        }
        if out.count > maxDecodedBytes { return .failure(.tooLarge(limit: maxDecodedBytes)) }
        return .success(out)
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
