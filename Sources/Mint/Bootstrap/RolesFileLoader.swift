// Declarative roles: {"roles":[{"name":"dev","path":"/","description":"…",
// "maxSessionDuration":3600,"assumeRolePolicyDocument":{…}}]}. Missing roles are
// created and changed ones updated on every start; roles not in the file are left
// alone (they may have been made through the API). Any invalid entry stops mint
// with the file, the entry and the reason.
import Foundation

extension MintService {
    func loadRolesFile() throws {
        guard let path = configuration.rolesFile, FileManager.default.fileExists(atPath: path) else { return }
        let defs = try RolesFile.parse(path: path)
        for def in defs {
            do {
                _ = try validatedTrustPolicy(def.trustPolicy)
                if let existing = snapshot.role(named: def.name)?.record {
                    if existing.path != def.path || existing.description != def.description
                        || existing.maxSessionDuration != def.maxSessionDuration || existing.trustPolicy != def.trustPolicy {
                        try modifyRole(existing.name) { r in
                            r.path = def.path; r.description = def.description
                            r.maxSessionDuration = def.maxSessionDuration; r.trustPolicy = def.trustPolicy
                        }
                    }
                } else {
                    _ = try createRole(def)
                }
            } catch let e as MintStartupError {
                throw e
            } catch {
                throw MintStartupError("roles file \(path): role '\(def.name)': \(MintError.wire(error).message)")
            }
        }
    }
}

enum RolesFile {
    static let maxSize = 4 * 1024 * 1024

    static func parse(path: String) throws -> [RoleDefinition] {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxSize else {
            throw MintStartupError("roles file \(path): unreadable or larger than \(maxSize) bytes")
        }
        return try parse(data: data, path: path)
    }

    static func parse(data: Data, path: String) throws -> [RoleDefinition] {
        func fail(_ why: String) -> MintStartupError { MintStartupError("roles file \(path): \(why)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        guard let roles = root["roles"] as? [[String: Any]] else { throw fail("expected \"roles\": [ {…}, … ]") }
        var seen = Set<String>()
        var out: [RoleDefinition] = []
        for (i, r) in roles.enumerated() {
            let label = "roles[\(i)]"
            guard let name = r["name"] as? String, (1...64).contains(name.unicodeScalars.count),
                  CharacterClasses.all(name, CharacterClasses.isRoleNameChar) else {
                throw fail("\(label): \"name\" must be 1-64 characters of [\\w+=,.@-]")
            }
            guard seen.insert(name.lowercased()).inserted else { throw fail("\(label): role '\(name)' appears twice") }
            let path = (r["path"] as? String) ?? "/"
            guard path.utf8.count <= 512, CharacterClasses.isValidPath(path) else {
                throw fail("\(label) '\(name)': \"path\" must be / or /segments/")
            }
            let description = r["description"] as? String
            if let d = description, d.unicodeScalars.count > 1000 || !CharacterClasses.all(d, CharacterClasses.isDescriptionChar) {
                throw fail("\(label) '\(name)': \"description\" must be at most 1000 printable characters")
            }
            var maxSession: Int64 = 3600
            if let m = r["maxSessionDuration"] {
                guard let n = (m as? NSNumber)?.int64Value, (3600...43200).contains(n) else {
                    throw fail("\(label) '\(name)': \"maxSessionDuration\" must be an integer from 3600 to 43200")
                }
                maxSession = n
            }
            let policyText: String
            if let s = r["assumeRolePolicyDocument"] as? String {
                policyText = s
            } else if let o = r["assumeRolePolicyDocument"] as? [String: Any],
                      let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]),
                      let s = String(data: d, encoding: .utf8) {
                policyText = s
            } else {
                throw fail("\(label) '\(name)': \"assumeRolePolicyDocument\" (a trust policy object) is required")
            }
            out.append(RoleDefinition(name: name, path: path, description: description, maxSessionDuration: maxSession,
                                      trustPolicy: policyText, tags: []))
        }
        return out
    }
}
