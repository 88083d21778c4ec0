// Loads the botocore-signed fixture written by Fixtures/make_vectors.py. Located
// relative to this source file because the package declares no test resources.
import Foundation
import AWSAuth

struct SigV4Vector {
    let name, method, path, rawQuery, body, accessKeyID, secretAccessKey, region, service, signature: String
    let headers, inputHeaders: [(String, String)]
    let sessionToken, authorization: String?
    let now: Int64
    let presigned: Bool
    let presignQuery: [(String, String)]
    let expires: Int64?

    var request: SigV4Request {
        SigV4Request(method: method, path: path, rawQuery: rawQuery, headers: headers, body: Array(body.utf8))
    }

    var host: String { headers.first { $0.0.lowercased() == "host" }?.1 ?? "" }

    static func load(filePath: String = #filePath) throws -> [SigV4Vector] {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4_vectors.json")
        let data = try Data(contentsOf: url)
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return list.map { v in
            func pairs(_ key: String) -> [(String, String)] {
                ((v[key] as? [[String]]) ?? []).map { ($0[0], $0[1]) }
            }
            return SigV4Vector(name: v["name"] as? String ?? "", method: v["method"] as? String ?? "",
                               path: v["path"] as? String ?? "", rawQuery: v["rawQuery"] as? String ?? "",
                               body: v["body"] as? String ?? "", accessKeyID: v["accessKeyID"] as? String ?? "",
                               secretAccessKey: v["secretAccessKey"] as? String ?? "", region: v["region"] as? String ?? "",
                               service: v["service"] as? String ?? "", signature: v["signature"] as? String ?? "",
                               headers: pairs("headers"), inputHeaders: pairs("inputHeaders"),
                               sessionToken: v["sessionToken"] as? String, authorization: v["authorization"] as? String,
                               now: (v["now"] as? NSNumber)?.int64Value ?? 0, presigned: v["presigned"] as? Bool ?? false,
                               presignQuery: pairs("presignQuery"), expires: (v["expires"] as? NSNumber)?.int64Value)
        }
    }
}
