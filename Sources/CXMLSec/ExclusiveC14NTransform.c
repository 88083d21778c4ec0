// Exclusive XML Canonicalization 1.0 without comments
// (`http://www.w3.org/2001/10/xml-exc-c14n#`) as an xmlsec transform klass of our own,
// registered in place of xmlsec's (cxs_do_initialize). It is the canonicalisation of
// every SAML signature: SignedInfo, and the Reference's enveloped subtree.
//
// libxml2 still canonicalises (xmlC14NExecute); what changes is how it is told which
// nodes to render. xmlsec passes a node-set and a visibility callback, so libxml2 walks
// the whole document and asks, for every element, attribute and namespace node,
// whether it is in the set — and xmlsec answers by walking that node's ancestors once
// per set in the chain, with a linear search at each step. For a signed Assertion that
// was 12 % of a whole validation's instructions (callgrind, xmlSecNodeSetContains).
//
// The node-sets XML-DSig builds here have one shape: "the subtree of element A"
// (SignedInfo; the element a same-document Reference names), optionally "minus the
// subtree of element S" (the enveloped-signature transform). Exclusive c14n of such a
// set is exactly exclusive c14n of A's subtree with S left out: in exclusive mode no
// xml:* attribute is inherited from omitted ancestors, and a namespace is rendered where
// it is visibly used, found through the element's own ns pointer or, for
// InclusiveNamespaces prefixes, by searching up its parent chain — which stays intact.
// So for that shape our own writer (ExclusiveC14NWriter.c) renders A's subtree without S
// straight into a buffer, which goes to the next transform (the digest) in one push.
// What the writer leaves to libxml2 (entity references, odd node types, relative
// namespace URIs) is rendered by showing libxml2 a document whose only child is A, with
// S unlinked, and asking it to canonicalise all of it (no callback); the few pointers
// changed are put back before returning. Any other node-set takes xmlsec's path
// unchanged: libxml2 with xmlSecNodeSetContains. Tests compare the outputs with
// xmlsec's own klass on hostile namespace layouts and on generated documents.
#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/buffer.h>
#include <xmlsec/nodeset.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmltree.h>
#include <string.h>

#include "ExclusiveC14NTransform.h"
#include "ExclusiveC14NWriter.h"

// PrefixList tokens beyond this are refused (real IdPs send one to three).
#define CXS_C14N_MAX_PREFIXES 32

typedef struct {
    xmlChar *prefixes[CXS_C14N_MAX_PREFIXES + 1];  // NULL-terminated, owned
    int count;
} cxs_c14n_ctx;

#define CXS_C14N_SIZE (sizeof(xmlSecTransform) + sizeof(cxs_c14n_ctx))
#define CXS_C14N_CTX(t) ((cxs_c14n_ctx *)(((xmlSecByte *)(t)) + sizeof(xmlSecTransform)))

static _Thread_local long cxs_c14n_written_runs;
static _Thread_local long cxs_c14n_subtree_runs;
static _Thread_local long cxs_c14n_node_set_runs;

static int cxs_c14n_initialize(xmlSecTransformPtr t);
static void cxs_c14n_finalize(xmlSecTransformPtr t);
static int cxs_c14n_read_node(xmlSecTransformPtr t, xmlNodePtr node, xmlSecTransformCtxPtr ctx);
static int cxs_c14n_push_xml(xmlSecTransformPtr t, xmlSecNodeSetPtr nodes, xmlSecTransformCtxPtr ctx);
static int cxs_c14n_pop_bin(xmlSecTransformPtr t, xmlSecByte *data, xmlSecSize maxSize, xmlSecSize *size,
                            xmlSecTransformCtxPtr ctx);

static xmlSecTransformKlass cxs_exc_c14n_klass = {
    sizeof(xmlSecTransformKlass), CXS_C14N_SIZE,
    BAD_CAST "exc-c14n", BAD_CAST CXS_HREF_EXC_C14N,
    xmlSecTransformUsageC14NMethod | xmlSecTransformUsageDSigTransform,
    cxs_c14n_initialize, cxs_c14n_finalize, cxs_c14n_read_node, NULL,
    NULL, NULL, NULL,
    xmlSecTransformDefaultGetDataType, NULL, cxs_c14n_pop_bin,
    cxs_c14n_push_xml, NULL, NULL, NULL, NULL };

xmlSecTransformId cxs_transform_exc_c14n(void) { return &cxs_exc_c14n_klass; }

static cxs_c14n_ctx *cxs_c14n_ctx_of(xmlSecTransformPtr t) {
    if (t == NULL || t->id != &cxs_exc_c14n_klass || !xmlSecTransformCheckSize(t, CXS_C14N_SIZE)) return NULL;
    return CXS_C14N_CTX(t);
}

static int cxs_c14n_initialize(xmlSecTransformPtr t) {
    cxs_c14n_ctx *c = cxs_c14n_ctx_of(t);
    if (c == NULL) return -1;
    memset(c, 0, sizeof(*c));
    return 0;
}

static void cxs_c14n_finalize(xmlSecTransformPtr t) {
    cxs_c14n_ctx *c = cxs_c14n_ctx_of(t);
    if (c == NULL) return;
    for (int i = 0; i < c->count; i++) xmlFree(c->prefixes[i]);
    memset(c, 0, sizeof(*c));
}

static int cxs_is_xml_space(xmlChar ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/// `<ec:InclusiveNamespaces PrefixList="a b #default"/>`, the only child the transform
/// may have. Tokens are split on runs of whitespace (the attribute is NMTOKENS).
static int cxs_c14n_read_node(xmlSecTransformPtr t, xmlNodePtr node, xmlSecTransformCtxPtr ctx) {
    (void)ctx;
    cxs_c14n_ctx *c = cxs_c14n_ctx_of(t);
    if (c == NULL || node == NULL || c->count != 0) return -1;
    xmlNodePtr cur = xmlSecGetNextElementNode(node->children);
    if (cur == NULL) return 0;
    if (!xmlSecCheckNodeName(cur, xmlSecNodeInclusiveNamespaces, BAD_CAST CXS_HREF_EXC_C14N)) return -1;
    if (xmlSecGetNextElementNode(cur->next) != NULL) return -1;
    xmlChar *list = xmlGetProp(cur, xmlSecAttrPrefixList);
    if (list == NULL) return -1;
    int rc = 0;
    for (const xmlChar *p = list; *p != 0 && rc == 0;) {
        while (cxs_is_xml_space(*p)) p++;
        const xmlChar *start = p;
        while (*p != 0 && !cxs_is_xml_space(*p)) p++;
        if (p == start) break;
        if (c->count == CXS_C14N_MAX_PREFIXES) { rc = -1; break; }
        xmlChar *token = xmlStrndup(start, (int)(p - start));
        if (token == NULL) { rc = -1; break; }
        c->prefixes[c->count++] = token;
    }
    xmlFree(list);
    return rc;
}

/// A node-set that is "the subtree of `apex`, minus the subtree of `excluded`"
/// (`excluded` NULL when nothing inside the apex is left out).
typedef struct {
    xmlNodePtr apex;
    xmlNodePtr excluded;
} cxs_subtree;

static int cxs_is_ancestor_or_self(xmlNodePtr ancestor, xmlNodePtr node) {
    for (xmlNodePtr n = node; n != NULL; n = n->parent) {
        if (n == ancestor) return 1;
    }
    return 0;
}

static xmlNodePtr cxs_single_element(xmlSecNodeSetPtr set) {
    if (set->nodes == NULL || set->nodes->nodeNr != 1 || set->nodes->nodeTab == NULL) return NULL;
    xmlNodePtr n = set->nodes->nodeTab[0];
    return (n != NULL && n->type == XML_ELEMENT_NODE && n->doc == set->doc) ? n : NULL;
}

/// 1 when the chain of sets xmlsec hands over is that shape: every set intersected,
/// each one "the whole document" (a Normal set without a list), the subtree of one
/// element (at most one such set), or everything but the subtree of one element (at
/// most one). Comment-less variants count as the same: comments are never rendered here.
static int cxs_node_set_as_subtree(xmlSecNodeSetPtr nodes, cxs_subtree *out) {
    out->apex = out->excluded = NULL;
    xmlSecNodeSetPtr set = nodes;
    int sets = 0;
    do {
        if (++sets > 8 || set->op != xmlSecNodeSetIntersection || set->doc != nodes->doc) return 0;
        xmlNodePtr only = cxs_single_element(set);
        switch (set->type) {
        case xmlSecNodeSetNormal:
            if (set->nodes != NULL) return 0;
            break;
        case xmlSecNodeSetTree:
        case xmlSecNodeSetTreeWithoutComments:
            if (only == NULL || out->apex != NULL) return 0;
            out->apex = only;
            break;
        case xmlSecNodeSetTreeInvert:
        case xmlSecNodeSetTreeWithoutCommentsInvert:
            if (only == NULL || out->excluded != NULL) return 0;
            out->excluded = only;
            break;
        default:
            return 0;
        }
        set = set->next;
    } while (set != nodes && set != NULL);
    if (set == NULL || out->apex == NULL) return 0;
    if (out->excluded != NULL) {
        // The apex inside the left-out subtree renders nothing: rare enough for the general path.
        if (cxs_is_ancestor_or_self(out->excluded, out->apex)) return 0;
        if (!cxs_is_ancestor_or_self(out->apex, out->excluded)) out->excluded = NULL;
    }
    return 1;
}

/// Canonicalises the subtree as a document of its own (see the top of the file). The
/// document is changed only between the two marked lines and only in next/children/last
/// pointers; parents, namespaces and attributes are untouched.
static int cxs_c14n_subtree(const cxs_subtree *s, xmlChar **prefixes, xmlOutputBufferPtr buf) {
    xmlDocPtr doc = s->apex->doc;
    xmlNodePtr ex = s->excluded;
    xmlNodePtr docChildren = doc->children, apexNext = s->apex->next;
    xmlNodePtr exParent = ex ? ex->parent : NULL, exPrev = ex ? ex->prev : NULL, exNext = ex ? ex->next : NULL;

    // --- changed from here ---
    if (ex != NULL) {
        if (exPrev != NULL) exPrev->next = exNext; else exParent->children = exNext;
        if (exNext != NULL) exNext->prev = exPrev; else exParent->last = exPrev;
    }
    doc->children = s->apex;
    s->apex->next = NULL;
    int rc = xmlC14NExecute(doc, NULL, NULL, XML_C14N_EXCLUSIVE_1_0, prefixes, 0, buf);
    s->apex->next = apexNext;
    doc->children = docChildren;
    if (ex != NULL) {
        if (exPrev != NULL) exPrev->next = ex; else exParent->children = ex;
        if (exNext != NULL) exNext->prev = ex; else exParent->last = ex;
    }
    // --- to here ---
    return rc;
}

/// Canonicalises `nodes` into `buf` with libxml2 and closes `buf`; 0 or -1.
static int cxs_c14n_libxml2(cxs_c14n_ctx *c, xmlSecNodeSetPtr nodes, const cxs_subtree *subtree, xmlOutputBufferPtr buf) {
    if (buf == NULL) return -1;
    xmlChar **prefixes = c->count > 0 ? c->prefixes : NULL;
    int rc;
    if (subtree != NULL) {
        cxs_c14n_subtree_runs++;
        rc = cxs_c14n_subtree(subtree, prefixes, buf);
    } else {
        cxs_c14n_node_set_runs++;
        rc = xmlC14NExecute(nodes->doc, (xmlC14NIsVisibleCallback)xmlSecNodeSetContains, nodes,
                            XML_C14N_EXCLUSIVE_1_0, prefixes, 0, buf);
    }
    int closed = xmlOutputBufferClose(buf);
    return (rc < 0 || closed < 0) ? -1 : 0;
}

/// Canonicalises `nodes` and hands the bytes, as the last ones, to `next` or (NULL)
/// appends them to `out`; 0 or -1.
static int cxs_c14n_run(cxs_c14n_ctx *c, xmlSecNodeSetPtr nodes, xmlSecTransformPtr next, xmlSecBufferPtr out,
                        xmlSecTransformCtxPtr ctx) {
    cxs_subtree subtree;
    int isSubtree = cxs_node_set_as_subtree(nodes, &subtree);
    if (isSubtree) {
        const unsigned char *bytes;
        size_t len;
        switch (cxs_c14n_write_subtree(subtree.apex, subtree.excluded, c->count > 0 ? c->prefixes : NULL, &bytes, &len)) {
        case CXS_C14N_WRITTEN:
            if (len > XMLSEC_SIZE_MAX) return -1;
            cxs_c14n_written_runs++;
            return next != NULL ? xmlSecTransformPushBin(next, bytes, (xmlSecSize)len, 1, ctx)
                                : xmlSecBufferAppend(out, bytes, (xmlSecSize)len);
        case CXS_C14N_NO_MEMORY:
            return -1;
        case CXS_C14N_UNSUPPORTED:
            break;
        }
    }
    xmlOutputBufferPtr buf = next != NULL ? xmlSecTransformCreateOutputBuffer(next, ctx) : xmlSecBufferCreateOutputBuffer(out);
    return cxs_c14n_libxml2(c, nodes, isSubtree ? &subtree : NULL, buf);
}

/// Node-set in, canonical bytes pushed on to the next transform (or kept in outBuf).
static int cxs_c14n_push_xml(xmlSecTransformPtr t, xmlSecNodeSetPtr nodes, xmlSecTransformCtxPtr ctx) {
    cxs_c14n_ctx *c = cxs_c14n_ctx_of(t);
    if (c == NULL || nodes == NULL || nodes->doc == NULL || ctx == NULL) return -1;
    if (t->status == xmlSecTransformStatusWorking || t->status == xmlSecTransformStatusFinished) return 0;
    if (t->status != xmlSecTransformStatusNone) return -1;
    t->status = xmlSecTransformStatusWorking;
    if (cxs_c14n_run(c, nodes, t->next, &(t->outBuf), ctx) < 0) return -1;
    t->status = xmlSecTransformStatusFinished;
    return 0;
}

/// Pull mode: the previous transform's node-set is canonicalised once into outBuf,
/// then handed out in chunks. xmlsec pulls when it signs (the dev IdP, the tests'
/// signers), so every signature the test suites make runs through here.
static int cxs_c14n_pop_bin(xmlSecTransformPtr t, xmlSecByte *data, xmlSecSize maxSize, xmlSecSize *size,
                            xmlSecTransformCtxPtr ctx) {
    cxs_c14n_ctx *c = cxs_c14n_ctx_of(t);
    if (c == NULL || data == NULL || size == NULL || ctx == NULL) return -1;
    *size = 0;
    if (t->status == xmlSecTransformStatusNone) {
        if (t->prev == NULL) {
            t->status = xmlSecTransformStatusFinished;
            return 0;
        }
        if (xmlSecTransformPopXml(t->prev, &(t->inNodes), ctx) < 0 || t->inNodes == NULL) return -1;
        if (cxs_c14n_run(c, t->inNodes, NULL, &(t->outBuf), ctx) < 0) return -1;
        t->status = xmlSecTransformStatusWorking;
    }
    if (t->status == xmlSecTransformStatusFinished) return 0;
    if (t->status != xmlSecTransformStatusWorking) return -1;
    xmlSecSize n = xmlSecBufferGetSize(&(t->outBuf));
    if (n > maxSize) n = maxSize;
    if (n > XMLSEC_TRANSFORM_BINARY_CHUNK) n = XMLSEC_TRANSFORM_BINARY_CHUNK;
    if (n == 0) {
        t->status = xmlSecTransformStatusFinished;
        return 0;
    }
    memcpy(data, xmlSecBufferGetData(&(t->outBuf)), n);
    if (xmlSecBufferRemoveHead(&(t->outBuf), n) < 0) return -1;
    *size = n;
    return 0;
}

/* ---------- test support ---------- */

void cxs_c14n_counts(long *writtenRuns, long *subtreeRuns, long *nodeSetRuns) {
    *writtenRuns = cxs_c14n_written_runs;
    *subtreeRuns = cxs_c14n_subtree_runs;
    *nodeSetRuns = cxs_c14n_node_set_runs;
}

int cxs_c14n_compare_with_xmlsec(xmlNodePtr apex, xmlNodePtr excluded, xmlNodePtr transformNode,
                                 xmlChar **ours, int *oursLen, xmlChar **theirs, int *theirsLen) {
    *ours = *theirs = NULL;
    *oursLen = *theirsLen = 0;
    if (apex == NULL || apex->doc == NULL) return -1;
    xmlSecTransformId ids[2] = { &cxs_exc_c14n_klass, xmlSecTransformExclC14NId };
    xmlChar **outs[2] = { ours, theirs };
    int *lens[2] = { oursLen, theirsLen };
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        // The chain a same-document Reference with an enveloped signature produces:
        // everything, intersected with the apex's subtree, minus the signature's.
        xmlSecNodeSetPtr nodes = xmlSecNodeSetCreate(apex->doc, NULL, xmlSecNodeSetNormal);
        xmlSecNodeSetPtr tree = xmlSecNodeSetGetChildren(apex->doc, apex, 0, 0);
        if (nodes == NULL || tree == NULL || xmlSecNodeSetAdd(nodes, tree, xmlSecNodeSetIntersection) == NULL) {
            if (nodes) xmlSecNodeSetDestroy(nodes);
            if (tree) xmlSecNodeSetDestroy(tree);
            return -1;
        }
        if (excluded != NULL) {
            xmlSecNodeSetPtr minus = xmlSecNodeSetGetChildren(apex->doc, excluded, 1, 1);
            if (minus == NULL || xmlSecNodeSetAdd(nodes, minus, xmlSecNodeSetIntersection) == NULL) {
                if (minus) xmlSecNodeSetDestroy(minus);
                xmlSecNodeSetDestroy(nodes);
                return -1;
            }
        }
        xmlSecTransformCtx tctx;
        xmlSecTransformPtr t = NULL;
        if (xmlSecTransformCtxInitialize(&tctx) < 0) { xmlSecNodeSetDestroy(nodes); return -1; }
        t = xmlSecTransformCreate(ids[i]);
        if (t == NULL) rc = -1;
        if (rc == 0 && transformNode != NULL && t->id->readNode(t, transformNode, &tctx) < 0) rc = -2;
        if (rc == 0 && xmlSecTransformPushXml(t, nodes, &tctx) < 0) rc = -1;
        if (rc == 0) {
            xmlSecSize n = xmlSecBufferGetSize(&(t->outBuf));
            *outs[i] = n > 0 ? xmlStrndup(xmlSecBufferGetData(&(t->outBuf)), (int)n) : xmlStrdup(BAD_CAST "");
            *lens[i] = (int)n;
        }
        if (t) xmlSecTransformDestroy(t);
        xmlSecTransformCtxFinalize(&tctx);
        xmlSecNodeSetDestroy(nodes);
    }
    return rc;
}
