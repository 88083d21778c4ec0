import CXMLSec

/// libxml2/xmlsec process setup. Every entry point calls `prepare()` first: the
/// library init runs once per process, the error silencing once per call because
/// libxml2 keeps error handlers per thread.
enum XMLRuntime {
    static let initialized: Bool = cxs_initialize() == 0

    @discardableResult
    static func prepare() -> Bool {
        guard initialized else { return false }
        cxs_quiet_current_thread()
        return true
    }
}

/// An owned libxml2 document; freed exactly once when the wrapper goes away, so
/// node pointers taken from it must not outlive it (they never leave one validation).
final class XMLDocumentHandle {
    let doc: xmlDocPtr
    init(_ doc: xmlDocPtr) { self.doc = doc }
    deinit { xmlFreeDoc(doc) }

    var root: XMLNodePtr? { xmlDocGetRootElement(doc) }
}
