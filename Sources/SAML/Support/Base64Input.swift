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
        if let fast = input.withContiguousStorageIfAvailable({ decode(buffer: $0, spaceIsPlus: spaceIsPlus, maxDecodedBytes: maxDecodedBytes) }) {
            return fast
        }
        let copy = Array(input)
        return copy.withUnsafeBufferPointer { decode(buffer: $0, spaceIsPlus: spaceIsPlus, maxDecodedBytes: maxDecodedBytes) }
    }

    // Hot path of every request (a ~8 KB parameter): one pass over raw bytes,
    // table lookups without bounds checks, output written in place.
    private static func decode(buffer: UnsafeBufferPointer<UInt8>, spaceIsPlus: Bool, maxDecodedBytes: Int) -> Result<[UInt8], Failure> {
        let capacity = min(maxDecodedBytes, buffer.count / 4 * 3 + 3)
        var failure: Failure?
        var n = 0
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            table.withUnsafeBufferPointer { t in
                var quad: UInt32 = 0
                var inQuad = 0
                var significant = 0
                var padding = 0
                var offset = 0
                let count = buffer.count
                while offset < count {
                    // Fast path: four alphabet characters at a quad boundary (almost all input).
                    if inQuad == 0, padding == 0, offset + 4 <= count, n + 3 <= capacity {
                        let a = t[Int(buffer[offset])], b = t[Int(buffer[offset + 1])]
                        let c = t[Int(buffer[offset + 2])], d = t[Int(buffer[offset + 3])]
                        if (a | b | c | d) >= 0 {
                            let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                            out[n] = UInt8(truncatingIfNeeded: v >> 16)
                            out[n + 1] = UInt8(truncatingIfNeeded: v >> 8)
                            out[n + 2] = UInt8(truncatingIfNeeded: v)
                            n += 3
                            offset += 4
                            significant += 4
                            continue
                        }
                    }
                    var c = buffer[offset]
                    offset += 1
                    if c == 0x0A || c == 0x0D || c == 0x09 { continue }
                    if c == 0x20 {
                        if spaceIsPlus { c = 0x2B } else { continue }
                    }
                    if c == 0x3D {
                        padding += 1
                        significant += 1
                        if padding > 2 { failure = .badPadding; return }
                        continue
                    }
                    if padding > 0 { failure = .badPadding; return }   // data after '='
                    let v = t[Int(c)]
                    if v < 0 { failure = .invalidCharacter(offset: offset - 1); return }
                    quad = (quad << 6) | UInt32(v)
                    inQuad += 1
                    significant += 1
                    if inQuad == 4 {
                        if n + 3 > capacity { failure = .tooLarge(limit: maxDecodedBytes); return }
                        out[n] = UInt8(truncatingIfNeeded: quad >> 16)
                        out[n + 1] = UInt8(truncatingIfNeeded: quad >> 8)
                        out[n + 2] = UInt8(truncatingIfNeeded: quad)
                        n += 3
                        quad = 0
                        inQuad = 0
                    }
                }
                guard significant % 4 == 0 else { failure = .badLength(significant); return }
                switch (inQuad, padding) {
                case (0, 0): break
                case (2, 2):
                    guard quad & 0xF == 0 else { failure = .badPadding; return }
                    guard n + 1 <= capacity else { failure = .tooLarge(limit: maxDecodedBytes); return }
                    out[n] = UInt8(truncatingIfNeeded: quad >> 4)
                    n += 1
                case (3, 1):
                    guard quad & 0x3 == 0 else { failure = .badPadding; return }
                    guard n + 2 <= capacity else { failure = .tooLarge(limit: maxDecodedBytes); return }
                    out[n] = UInt8(truncatingIfNeeded: quad >> 10)
                    out[n + 1] = UInt8(truncatingIfNeeded: quad >> 2)
                    n += 2
                default:
                    failure = .badPadding
                }
            }
            initialized = failure == nil ? n : 0
        }
        if let f = failure { return .failure(f) }
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
