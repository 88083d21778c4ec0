// A JSON syntax check for session policies (only when one is sent, so
// JSONSerialization's cost stays off the common path).
import Foundation

enum JSONSyntax {
    /// nil when `text` is a JSON object; otherwise why not.
    static func objectError(_ text: String) -> String? {
        guard let data = text.data(using: .utf8) else { return "not UTF-8" }
        do {
            let v = try JSONSerialization.jsonObject(with: data)
            return v is [String: Any] ? nil : "the top level is not an object"
        } catch {
            return "syntax error"
        }
    }
}
