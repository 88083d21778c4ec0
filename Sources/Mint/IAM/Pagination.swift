// IAM's Marker/MaxItems paging. The marker is the sort key of the first item of
// the next page, so it stays valid while items are added or removed before it.
import BrokerCore

struct Pagination<T> {
    var items: [T]
    var nextMarker: String?

    var xml: String {
        if let m = nextMarker { return "<IsTruncated>true</IsTruncated>" + AWSXML.element("Marker", m) }
        return "<IsTruncated>false</IsTruncated>"
    }
}

extension Pagination {
    /// `sorted` must be in ascending order of `key`.
    static func page(_ sorted: [T], params: QueryParameters, key: (T) -> String) throws -> Pagination<T> {
        var check = ConstraintCheck()
        let max = check.integer(params["MaxItems"], "maxItems", min: 1, max: 1000) ?? 100
        let marker = params["Marker"]
        check.length(marker, "marker", min: 1, max: 320)
        try check.check()
        var start = 0
        if let m = marker {
            start = sorted.firstIndex { key($0) >= m } ?? sorted.count
        }
        let end = Swift.min(sorted.count, start + Int(max))
        let next = end < sorted.count ? key(sorted[end]) : nil
        return Pagination(items: Array(sorted[start..<end]), nextMarker: next)
    }
}
