// IAM resource tags: reading `Tags.member.N.Key/Value` and `TagKeys.member.N`,
// their shape constraints, merging, and their XML.
import BrokerCore

enum IAMTags {
    static let maxTags = 50

    /// Reads and validates `Tags.member.N.{Key,Value}` into `check`.
    static func read(_ params: QueryParameters, _ check: inout ConstraintCheck) -> [ResourceTag] {
        let rows = params.structList("Tags", fields: ["Key", "Value"], limit: maxTags + 1)
        check.count(rows.count, "tags", max: maxTags)
        var tags: [ResourceTag] = []
        for (i, row) in rows.prefix(maxTags).enumerated() {
            let member = "tags.\(i + 1).member"
            check.required(row["Key"], "\(member).key")
            check.required(row["Value"], "\(member).value")
            check.length(row["Key"], "\(member).key", min: 1, max: 128)
            check.pattern(row["Key"], "\(member).key", CharacterClasses.tagPattern) { CharacterClasses.all($0, CharacterClasses.isTagChar) }
            check.length(row["Value"], "\(member).value", min: 0, max: 256)
            check.pattern(row["Value"], "\(member).value", CharacterClasses.tagPattern) { CharacterClasses.all($0, CharacterClasses.isTagChar) }
            if let k = row["Key"], let v = row["Value"] { tags.append(ResourceTag(key: k, value: v)) }
        }
        return tags
    }

    static func readKeys(_ params: QueryParameters, _ check: inout ConstraintCheck) -> [String] {
        let keys = params.list("TagKeys", limit: maxTags + 1)
        check.count(keys.count, "tagKeys", max: maxTags)
        for (i, k) in keys.prefix(maxTags).enumerated() {
            check.length(k, "tagKeys.\(i + 1).member", min: 1, max: 128)
        }
        return Array(keys.prefix(maxTags))
    }

    /// New tags overwrite existing ones with the same key (case-insensitively), as TagRole does.
    static func merge(_ existing: [ResourceTag], _ added: [ResourceTag], resource: String) throws -> [ResourceTag] {
        var out = existing
        for t in added {
            if let i = out.firstIndex(where: { $0.key.lowercased() == t.key.lowercased() }) { out[i] = t } else { out.append(t) }
        }
        guard out.count <= maxTags else {
            throw MintError.limitExceeded("Cannot exceed quota for TagsPer\(resource): \(maxTags) (the request would leave \(out.count) tags).")
        }
        return out
    }

    static func remove(_ existing: [ResourceTag], keys: [String]) -> [ResourceTag] {
        let drop = Set(keys.map { $0.lowercased() })
        return existing.filter { !drop.contains($0.key.lowercased()) }
    }

    /// Rejects two tags whose keys differ only in case, naming the key.
    static func requireUniqueKeys(_ tags: [ResourceTag]) throws {
        var seen = Set<String>()
        for t in tags where !seen.insert(t.key.lowercased()).inserted {
            throw MintError.invalidInput("Duplicate tag keys found: '\(AuditEvent.cap(t.key, 128))'. Please note that Tag keys are case insensitive.")
        }
    }

    /// `<member><Key>…</Key><Value>…</Value></member>…`, sorted by key.
    static func xml(_ tags: [ResourceTag]) -> String {
        tags.sorted { $0.key < $1.key }.map {
            "<member>" + AWSXML.element("Key", $0.key) + AWSXML.element("Value", $0.value) + "</member>"
        }.joined()
    }
}
