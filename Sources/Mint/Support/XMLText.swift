// Result XML written into one byte buffer. AWSXML.element per field built several
// temporary strings each, and the AssumeRoleWithSAML result carries a session token
// of several hundred bytes; here text that needs no escaping (nearly all of it) is
// copied in one go, and anything else goes through AWSXML.escape, so the output is
// byte-identical to AWSXML.element.
import BrokerCore

struct XMLText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// `<name>escaped text</name>`
    mutating func element(_ name: String, _ text: String) {
        tagged(name, XMLText.needsEscaping(text) ? AWSXML.escape(text) : text)
    }

    /// `<name>text</name>` for text the broker generated from an alphabet XML leaves
    /// alone (base64, hex, digits, ISO 8601): the session token alone is ~1 KB, and
    /// scanning it for escapes was 2 % of mint's CPU per exchange.
    mutating func generatedElement(_ name: String, _ text: String) {
        assert(!XMLText.needsEscaping(text))
        tagged(name, text)
    }

    private mutating func tagged(_ name: String, _ content: String) {
        bytes.append(UInt8(ascii: "<")); bytes.append(contentsOf: name.utf8); bytes.append(UInt8(ascii: ">"))
        bytes.append(contentsOf: content.utf8)
        bytes.append(contentsOf: "</".utf8); bytes.append(contentsOf: name.utf8); bytes.append(UInt8(ascii: ">"))
    }

    /// The bytes AWSXML.escape changes: & < > " ' and C0 controls.
    static func needsEscaping(_ s: String) -> Bool {
        var text = s
        return text.withUTF8 { u in
            for c in u where c < 0x20 || c == 0x26 || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x27 { return true }
            return false
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
