// Exclusive XML Canonicalization 1.0 without comments of one element's subtree (minus
// an enveloped signature's), written straight into a byte buffer.
//
// Why not libxml2's xmlC14NExecute: it writes the canonical form a few bytes at a time
// through an xmlOutputBuffer (a strlen and a buffer append per name, quote and bracket),
// escapes every text and attribute value into a freshly allocated copy, and keeps the
// namespaces and attributes to print in linked lists allocated per element. On a signed
// ~6 KB response that was about a fifth of a whole validation (perf, dwarf call graphs).
//
// What is rendered is exactly what libxml2 2.9 renders, not merely what the spec says:
// IdPs sign with libxml2 (xmlsec, PHP's DOM) as often as with anything else, and a
// byte of difference is a signature that does not verify. So the namespace axis is a
// line-by-line port of libxml2's xmlExcC14NProcessNamespacesAxis, including its stack
// of rendered namespaces and its two lookups (xmlC14NVisibleNsStackFind for
// InclusiveNamespaces prefixes, xmlExcC14NVisibleNsStackFind for the rest), its
// attribute order (xmlC14NAttrsCompare, insertion as xmlListInsert does it), its
// escaping (xmlC11NNormalizeString) and its quoting of namespace URIs
// (xmlBufWriteQuotedString). Every node-set libxml2 would see here is "everything"
// (no visibility callback), so its `visible` flags are all 1 and are left out.
//
// Anything else — an entity reference, a node type SAML never has, a namespace URI
// that is relative or that libxml2's URI parser refuses, nesting beyond a cap — makes
// the writer stop with CXS_C14N_UNSUPPORTED and the caller canonicalise with libxml2
// as before, which then renders it or fails exactly as it always did. Tests compare
// the two on hand-made hostile layouts and on thousands of generated documents.
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ExclusiveC14NWriter.h"

enum {
    CXS_C14N_MAX_DEPTH = 256,            // deeper: libxml2's path (its parser refuses deeper documents anyway)
    CXS_C14N_MAX_LISTED = 128,           // namespaces or attributes printed by one element
    CXS_C14N_KEEP_BYTES = 1 << 20,       // a larger output buffer is not kept for the next call
    CXS_C14N_URI_CACHE = 16,
    CXS_C14N_URI_CACHE_MAX_LEN = 512,
};

/* ---------- output ---------- */

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int failed;
} cxs_bytes;

static int cxs_bytes_grow(cxs_bytes *b, size_t need) {
    size_t cap = b->cap != 0 ? b->cap : 16384;
    while (cap - b->len < need) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    unsigned char *d = realloc(b->data, cap);
    if (d == NULL) return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static inline void cxs_put(cxs_bytes *b, const void *p, size_t n) {
    if (n == 0) return;
    if (b->cap - b->len < n && (b->failed || cxs_bytes_grow(b, n) < 0)) {
        b->failed = 1;
        return;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void cxs_put_str(cxs_bytes *b, const xmlChar *s) { cxs_put(b, s, strlen((const char *)s)); }
#define CXS_PUT_LIT(b, lit) cxs_put((b), (lit), sizeof(lit) - 1)

// xmlC11NNormalizeString's replacements, by mode.
enum { CXS_ESC_TEXT = 1, CXS_ESC_ATTR = 2, CXS_ESC_PI = 4 };
static const unsigned char cxs_escaped_in[256] = {
    ['&'] = CXS_ESC_TEXT | CXS_ESC_ATTR, ['<'] = CXS_ESC_TEXT | CXS_ESC_ATTR, ['>'] = CXS_ESC_TEXT,
    ['"'] = CXS_ESC_ATTR, ['\t'] = CXS_ESC_ATTR, ['\n'] = CXS_ESC_ATTR,
    ['\r'] = CXS_ESC_TEXT | CXS_ESC_ATTR | CXS_ESC_PI,
};

static void cxs_put_escape(cxs_bytes *b, unsigned char c) {
    switch (c) {
    case '&': CXS_PUT_LIT(b, "&amp;"); break;
    case '<': CXS_PUT_LIT(b, "&lt;"); break;
    case '>': CXS_PUT_LIT(b, "&gt;"); break;
    case '"': CXS_PUT_LIT(b, "&quot;"); break;
    case '\t': CXS_PUT_LIT(b, "&#x9;"); break;
    case '\n': CXS_PUT_LIT(b, "&#xA;"); break;
    default: CXS_PUT_LIT(b, "&#xD;"); break;
    }
}

static void cxs_put_escaped(cxs_bytes *b, const xmlChar *s, unsigned char mode) {
    const xmlChar *run = s;
    for (;; s++) {
        unsigned char c = *s;
        if (c == 0) break;
        if (cxs_escaped_in[c] & mode) {
            cxs_put(b, run, (size_t)(s - run));
            cxs_put_escape(b, c);
            run = s + 1;
        }
    }
    cxs_put(b, run, (size_t)(s - run));
}

/// xmlBufWriteQuotedString: double quotes, or single quotes around a value holding a
/// double quote, or (holding both) double quotes with each double quote as &quot;.
static void cxs_put_quoted(cxs_bytes *b, const xmlChar *s) {
    if (strchr((const char *)s, '"') == NULL) {
        CXS_PUT_LIT(b, "\"");
        cxs_put_str(b, s);
        CXS_PUT_LIT(b, "\"");
    } else if (strchr((const char *)s, '\'') == NULL) {
        CXS_PUT_LIT(b, "'");
        cxs_put_str(b, s);
        CXS_PUT_LIT(b, "'");
    } else {
        CXS_PUT_LIT(b, "\"");
        for (const xmlChar *run = s;; s++) {
            if (*s == '"' || *s == 0) {
                cxs_put(b, run, (size_t)(s - run));
                if (*s == 0) break;
                CXS_PUT_LIT(b, "&quot;");
                run = s + 1;
            }
        }
        CXS_PUT_LIT(b, "\"");
    }
}

/* ---------- libxml2's comparisons ---------- */

/// xmlC14NStrEqual: NULL equals "".
static int cxs_c14n_str_equal(const xmlChar *a, const xmlChar *b) {
    if (a == b) return 1;
    if (a == NULL) return *b == 0;
    if (b == NULL) return *a == 0;
    return strcmp((const char *)a, (const char *)b) == 0;
}

static int cxs_is_empty(const xmlChar *s) { return s == NULL || *s == 0; }

static int cxs_is_xml_ns(xmlNsPtr ns) {
    return ns != NULL && xmlStrEqual(ns->prefix, BAD_CAST "xml") && xmlStrEqual(ns->href, XML_XML_NAMESPACE);
}

/// xmlC14NNsCompare.
static int cxs_ns_compare(xmlNsPtr a, xmlNsPtr b) {
    if (a == b) return 0;
    return xmlStrcmp(a->prefix, b->prefix);
}

/// xmlC14NAttrsCompare.
static int cxs_attr_compare(xmlAttrPtr a, xmlAttrPtr b) {
    if (a == b) return 0;
    if (a->ns == b->ns) return xmlStrcmp(a->name, b->name);
    if (a->ns == NULL) return -1;
    if (b->ns == NULL) return 1;
    if (a->ns->prefix == NULL) return -1;
    if (b->ns->prefix == NULL) return 1;
    int r = xmlStrcmp(a->ns->href, b->ns->href);
    return r != 0 ? r : xmlStrcmp(a->name, b->name);
}

/// xmlListInsert into a sorted list: before the first entry not less than the new one.
static int cxs_insert_sorted(void **list, int *count, void *item, int (*compare)(void *, void *)) {
    if (*count == CXS_C14N_MAX_LISTED) return -1;
    int at = 0;
    while (at < *count && compare(list[at], item) < 0) at++;
    memmove(&list[at + 1], &list[at], (size_t)(*count - at) * sizeof(void *));
    list[at] = item;
    (*count)++;
    return 0;
}

static int cxs_ns_compare_any(void *a, void *b) { return cxs_ns_compare((xmlNsPtr)a, (xmlNsPtr)b); }
static int cxs_attr_compare_any(void *a, void *b) { return cxs_attr_compare((xmlAttrPtr)a, (xmlAttrPtr)b); }

/* ---------- rendered namespaces (xmlC14NVisibleNsStack) ---------- */

typedef struct {
    xmlNsPtr *tab;
    int end, prevStart, prevEnd, max;
} cxs_ns_stack;

static int cxs_ns_push(cxs_ns_stack *s, xmlNsPtr ns) {
    if (s->end == s->max) {
        int max = s->max != 0 ? s->max * 2 : 64;
        xmlNsPtr *tab = realloc(s->tab, (size_t)max * sizeof(xmlNsPtr));
        if (tab == NULL) return -1;
        s->tab = tab;
        s->max = max;
    }
    s->tab[s->end++] = ns;
    return 0;
}

/// Whether `ns` (NULL fields as "") counts as rendered: the nearest entry with its
/// prefix has its URI; with no such entry, only xmlns="" does. `windowed` is libxml2's
/// xmlC14NVisibleNsStackFind (InclusiveNamespaces prefixes), which looks back only to
/// the previous output element unless `ns` is xmlns=""; otherwise it is
/// xmlExcC14NVisibleNsStackFind, which looks through the whole stack.
static int cxs_ns_rendered(const cxs_ns_stack *s, xmlNsPtr ns, int windowed) {
    const xmlChar *prefix = (ns == NULL || ns->prefix == NULL) ? BAD_CAST "" : ns->prefix;
    const xmlChar *href = (ns == NULL || ns->href == NULL) ? BAD_CAST "" : ns->href;
    int emptyNs = cxs_c14n_str_equal(prefix, NULL) && cxs_c14n_str_equal(href, NULL);
    int start = (windowed && !emptyNs) ? s->prevStart : 0;
    for (int i = s->end - 1; i >= start; --i) {
        xmlNsPtr ns1 = s->tab[i];
        if (cxs_c14n_str_equal(prefix, ns1 != NULL ? ns1->prefix : NULL)) {
            return cxs_c14n_str_equal(href, ns1 != NULL ? ns1->href : NULL);
        }
    }
    return emptyNs;
}

/* ---------- relative namespace URIs ---------- */

// libxml2 fails canonicalisation when an element in the output declares a namespace
// whose URI xmlParseURI refuses or finds no scheme in. The verdict depends on the
// string alone, so accepted URIs (a response uses the same few) are remembered per
// thread instead of parsed again for every element. (Malloc'd, not xmlMalloc'd: they
// outlive the validation's allocation scope. A handful per thread, never freed.)
static __thread struct { char *href; size_t len; } cxs_absolute_uris[CXS_C14N_URI_CACHE];
static __thread int cxs_absolute_uris_next;

static int cxs_namespace_uri_is_absolute(const xmlChar *href) {
    size_t len = strlen((const char *)href);
    for (int i = 0; i < CXS_C14N_URI_CACHE; i++) {
        if (cxs_absolute_uris[i].href != NULL && cxs_absolute_uris[i].len == len
            && memcmp(cxs_absolute_uris[i].href, href, len) == 0) return 1;
    }
    xmlURIPtr uri = xmlParseURI((const char *)href);
    if (uri == NULL) return 0;
    int absolute = !cxs_is_empty((const xmlChar *)uri->scheme);
    xmlFreeURI(uri);
    if (absolute && len <= CXS_C14N_URI_CACHE_MAX_LEN) {
        char *copy = malloc(len + 1);
        if (copy != NULL) {
            memcpy(copy, href, len + 1);
            int slot = cxs_absolute_uris_next;
            cxs_absolute_uris_next = (slot + 1) % CXS_C14N_URI_CACHE;
            free(cxs_absolute_uris[slot].href);
            cxs_absolute_uris[slot].href = copy;
            cxs_absolute_uris[slot].len = len;
        }
    }
    return absolute;
}

/* ---------- the walk ---------- */

typedef struct {
    cxs_bytes *out;
    cxs_ns_stack *ns;
    xmlNodePtr excluded;
    xmlChar **prefixes;
} cxs_walk;

static void cxs_put_qname(cxs_bytes *b, xmlNsPtr ns, const xmlChar *name) {
    if (ns != NULL && !cxs_is_empty(ns->prefix)) {
        cxs_put_str(b, ns->prefix);
        CXS_PUT_LIT(b, ":");
    }
    cxs_put_str(b, name);
}

/// xmlC14NPrintNamespaces.
static void cxs_put_namespace(cxs_bytes *b, xmlNsPtr ns) {
    if (ns->prefix != NULL) {
        CXS_PUT_LIT(b, " xmlns:");
        cxs_put_str(b, ns->prefix);
        CXS_PUT_LIT(b, "=");
    } else {
        CXS_PUT_LIT(b, " xmlns=");
    }
    if (ns->href != NULL) cxs_put_quoted(b, ns->href);
    else CXS_PUT_LIT(b, "\"\"");
}

/// xmlExcC14NProcessNamespacesAxis for an element in the output. (Not inlined: its
/// list stays out of the recursive walk's frames.)
__attribute__((noinline)) static cxs_c14n_write_result cxs_namespaces(cxs_walk *w, xmlNodePtr cur) {
    void *list[CXS_C14N_MAX_LISTED];
    int count = 0;
    int hasEmptyNs = 0, hasVisiblyUtilizedEmptyNs = 0, hasEmptyNsInInclusiveList = 0;

    for (int i = 0; w->prefixes != NULL && w->prefixes[i] != NULL; i++) {
        const xmlChar *prefix = w->prefixes[i];
        if (xmlStrEqual(prefix, BAD_CAST "#default") || xmlStrEqual(prefix, BAD_CAST "")) {
            prefix = NULL;
            hasEmptyNsInInclusiveList = 1;
        }
        xmlNsPtr ns = xmlSearchNs(cur->doc, cur, prefix);
        if (ns != NULL && !cxs_is_xml_ns(ns)) {
            int rendered = cxs_ns_rendered(w->ns, ns, 1);
            if (cxs_ns_push(w->ns, ns) < 0) return CXS_C14N_NO_MEMORY;
            if (!rendered && cxs_insert_sorted(list, &count, ns, cxs_ns_compare_any) < 0) return CXS_C14N_UNSUPPORTED;
            if (cxs_is_empty(ns->prefix)) hasEmptyNs = 1;
        }
    }

    xmlNsPtr ns = cur->ns;
    if (ns == NULL) {
        ns = xmlSearchNs(cur->doc, cur, NULL);
        hasVisiblyUtilizedEmptyNs = 1;
    }
    if (ns != NULL && !cxs_is_xml_ns(ns)) {
        if (!cxs_ns_rendered(w->ns, ns, 0) && cxs_insert_sorted(list, &count, ns, cxs_ns_compare_any) < 0) {
            return CXS_C14N_UNSUPPORTED;
        }
        if (cxs_ns_push(w->ns, ns) < 0) return CXS_C14N_NO_MEMORY;
        if (cxs_is_empty(ns->prefix)) hasEmptyNs = 1;
    }

    for (xmlAttrPtr attr = cur->properties; attr != NULL; attr = attr->next) {
        if (attr->ns != NULL && !cxs_is_xml_ns(attr->ns)) {
            int rendered = cxs_ns_rendered(w->ns, attr->ns, 0);
            if (cxs_ns_push(w->ns, attr->ns) < 0) return CXS_C14N_NO_MEMORY;
            if (!rendered && cxs_insert_sorted(list, &count, attr->ns, cxs_ns_compare_any) < 0) return CXS_C14N_UNSUPPORTED;
            if (cxs_is_empty(attr->ns->prefix)) hasEmptyNs = 1;
        } else if (attr->ns != NULL && cxs_is_empty(attr->ns->prefix) && cxs_is_empty(attr->ns->href)) {
            hasVisiblyUtilizedEmptyNs = 1;
        }
    }

    // xmlns="" (undeclaring a default namespace an output ancestor rendered) goes first.
    xmlNs noNamespace;
    memset(&noNamespace, 0, sizeof(noNamespace));
    if (hasVisiblyUtilizedEmptyNs && !hasEmptyNs && !hasEmptyNsInInclusiveList) {
        if (!cxs_ns_rendered(w->ns, &noNamespace, 0)) cxs_put_namespace(w->out, &noNamespace);
    } else if (!hasEmptyNs && hasEmptyNsInInclusiveList) {
        if (!cxs_ns_rendered(w->ns, &noNamespace, 1)) cxs_put_namespace(w->out, &noNamespace);
    }
    for (int i = 0; i < count; i++) cxs_put_namespace(w->out, (xmlNsPtr)list[i]);
    return CXS_C14N_WRITTEN;
}

/// xmlC14NProcessAttrsAxis (exclusive: the element's own attributes, sorted) and xmlC14NPrintAttrs.
__attribute__((noinline)) static cxs_c14n_write_result cxs_attributes(cxs_walk *w, xmlNodePtr cur) {
    void *list[CXS_C14N_MAX_LISTED];
    int count = 0;
    for (xmlAttrPtr attr = cur->properties; attr != NULL; attr = attr->next) {
        if (cxs_insert_sorted(list, &count, attr, cxs_attr_compare_any) < 0) return CXS_C14N_UNSUPPORTED;
    }
    for (int i = 0; i < count; i++) {
        xmlAttrPtr attr = (xmlAttrPtr)list[i];
        CXS_PUT_LIT(w->out, " ");
        cxs_put_qname(w->out, attr->ns, attr->name);
        CXS_PUT_LIT(w->out, "=\"");
        // xmlNodeListGetString(doc, children, 1): the text children's content, as is.
        for (xmlNodePtr v = attr->children; v != NULL; v = v->next) {
            if (v->type != XML_TEXT_NODE && v->type != XML_CDATA_SECTION_NODE) return CXS_C14N_UNSUPPORTED;
            if (v->content != NULL) cxs_put_escaped(w->out, v->content, CXS_ESC_ATTR);
        }
        CXS_PUT_LIT(w->out, "\"");
    }
    return CXS_C14N_WRITTEN;
}

/// xmlC14NProcessElementNode for an element in the output.
static cxs_c14n_write_result cxs_element(cxs_walk *w, xmlNodePtr cur, int depth) {
    if (depth > CXS_C14N_MAX_DEPTH) return CXS_C14N_UNSUPPORTED;
    for (xmlNsPtr def = cur->nsDef; def != NULL; def = def->next) {
        if (!cxs_is_empty(def->href) && !cxs_namespace_uri_is_absolute(def->href)) return CXS_C14N_UNSUPPORTED;
    }
    int savedEnd = w->ns->end, savedPrevStart = w->ns->prevStart, savedPrevEnd = w->ns->prevEnd;

    CXS_PUT_LIT(w->out, "<");
    cxs_put_qname(w->out, cur->ns, cur->name);
    cxs_c14n_write_result rc = cxs_namespaces(w, cur);
    if (rc != CXS_C14N_WRITTEN) return rc;
    w->ns->prevStart = w->ns->prevEnd;
    w->ns->prevEnd = w->ns->end;
    if ((rc = cxs_attributes(w, cur)) != CXS_C14N_WRITTEN) return rc;
    CXS_PUT_LIT(w->out, ">");

    for (xmlNodePtr child = cur->children; child != NULL; child = child->next) {
        if (child == w->excluded) continue;
        switch (child->type) {
        case XML_ELEMENT_NODE:
            if ((rc = cxs_element(w, child, depth + 1)) != CXS_C14N_WRITTEN) return rc;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (child->content != NULL) cxs_put_escaped(w->out, child->content, CXS_ESC_TEXT);
            break;
        case XML_PI_NODE:
            // Inside the document element: no line feeds around it.
            CXS_PUT_LIT(w->out, "<?");
            cxs_put_str(w->out, child->name);
            if (!cxs_is_empty(child->content)) {
                CXS_PUT_LIT(w->out, " ");
                cxs_put_escaped(w->out, child->content, CXS_ESC_PI);
            }
            CXS_PUT_LIT(w->out, "?>");
            break;
        case XML_COMMENT_NODE:
            break;   // without comments
        default:
            return CXS_C14N_UNSUPPORTED;
        }
    }

    CXS_PUT_LIT(w->out, "</");
    cxs_put_qname(w->out, cur->ns, cur->name);
    CXS_PUT_LIT(w->out, ">");
    w->ns->end = savedEnd;
    w->ns->prevStart = savedPrevStart;
    w->ns->prevEnd = savedPrevEnd;
    return CXS_C14N_WRITTEN;
}

static __thread cxs_bytes cxs_c14n_out;
static __thread cxs_ns_stack cxs_c14n_ns;

cxs_c14n_write_result cxs_c14n_write_subtree(xmlNodePtr apex, xmlNodePtr excluded, xmlChar **prefixes,
                                             const unsigned char **out, size_t *outLen) {
    *out = NULL;
    *outLen = 0;
    if (apex == NULL || apex->type != XML_ELEMENT_NODE) return CXS_C14N_UNSUPPORTED;
    cxs_bytes *b = &cxs_c14n_out;
    if (b->cap > CXS_C14N_KEEP_BYTES) {
        free(b->data);
        memset(b, 0, sizeof(*b));
    }
    b->len = 0;
    b->failed = 0;
    cxs_ns_stack *ns = &cxs_c14n_ns;
    ns->end = ns->prevStart = ns->prevEnd = 0;
    cxs_walk w = { b, ns, excluded, prefixes };
    cxs_c14n_write_result rc = cxs_element(&w, apex, 0);
    if (rc != CXS_C14N_WRITTEN) return rc;
    if (b->failed) return CXS_C14N_NO_MEMORY;
    *out = b->data != NULL ? b->data : (const unsigned char *)"";
    *outLen = b->len;
    return CXS_C14N_WRITTEN;
}
