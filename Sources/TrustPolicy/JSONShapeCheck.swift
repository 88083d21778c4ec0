// A pass over the raw JSON before Foundation parses it. JSONSerialization silently
// keeps the last of duplicate keys ({"Effect":"Deny","Effect":"Allow"} reads as Allow
// to us and as Deny to a reviewer) and recurses without a depth limit; both are
// refused here.

enum JSONShapeCheck {
    static func check(_ bytes: [UInt8], maxDepth: Int) throws {
        struct Frame { let isObject: Bool; var keys: Set<String> = []; var expectingKey: Bool }
        var stack: [Frame] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[i] == UInt8(ascii: "{")
                stack.append(Frame(isObject: isObject, expectingKey: isObject))
                if stack.count > maxDepth {
                    throw PolicyError(.nesting, "Policy document is nested more than \(maxDepth) levels deep.")
                }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                i += 1
            case UInt8(ascii: ","):
                if let top = stack.indices.last, stack[top].isObject { stack[top].expectingKey = true }
                i += 1
            case UInt8(ascii: "\""):
                let (text, next) = readString(bytes, from: i + 1)
                if let top = stack.indices.last, stack[top].isObject, stack[top].expectingKey {
                    guard stack[top].keys.insert(text).inserted else {
                        throw PolicyError(.duplicateKey, "Duplicate key '\(text.prefix(64))' in a JSON object of the policy document.")
                    }
                    stack[top].expectingKey = false
                }
                i = next
            default:
                i += 1
            }
        }
    }

    /// Decodes a JSON string body starting after its opening quote; returns the text and
    /// the index after the closing quote. Malformed escapes are left for JSONSerialization to reject.
    private static func readString(_ b: [UInt8], from start: Int) -> (String, Int) {
        var out: [UInt8] = []
        var pendingHigh: UInt32?
        var i = start
        func flushHigh() { if pendingHigh != nil { out += Array("\u{FFFD}".utf8); pendingHigh = nil } }
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { flushHigh(); return (String(decoding: out, as: UTF8.self), i + 1) }
            if c == UInt8(ascii: "\\"), i + 1 < b.count {
                let e = b[i + 1]
                if e == UInt8(ascii: "u"), i + 5 < b.count, let v = UInt32(String(decoding: b[(i + 2)...(i + 5)], as: UTF8.self), radix: 16) {
                    if (0xD800...0xDBFF).contains(v) { flushHigh(); pendingHigh = v }
                    else if (0xDC00...0xDFFF).contains(v), let hi = pendingHigh {
                        let scalar = 0x10000 + ((hi - 0xD800) << 10) + (v - 0xDC00)
                        out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                        pendingHigh = nil
                    } else {
                        flushHigh()
                        out += Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8)
                    }
                    i += 6
                    continue
                }
                flushHigh()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                default: out.append(e)
                }
                i += 2
                continue
            }
            flushHigh()
            out.append(c)
            i += 1
        }
        return (String(decoding: out, as: UTF8.self), i)
    }
}
