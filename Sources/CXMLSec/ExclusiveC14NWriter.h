// Exclusive c14n (without comments) of one element's subtree, written straight into a
// byte buffer (ExclusiveC14NWriter.c). Private to CXMLSec.
#pragma once
#include <libxml/tree.h>
#include <stddef.h>

typedef enum {
    CXS_C14N_WRITTEN = 0,
    /// Something the writer leaves to libxml2 (entity references, relative namespace
    /// URIs, unusual node types, ...): nothing was written; canonicalise with xmlC14NExecute.
    CXS_C14N_UNSUPPORTED = 1,
    CXS_C14N_NO_MEMORY = 2
} cxs_c14n_write_result;

/// Exclusive c14n 1.0 without comments of `apex`'s subtree, leaving out `excluded`'s
/// subtree (NULL: nothing), with `prefixes` (NULL-terminated, or NULL) as the
/// InclusiveNamespaces PrefixList. On CXS_C14N_WRITTEN, `*out`/`*outLen` is the
/// canonical form in a buffer owned by this thread, valid until its next call.
cxs_c14n_write_result cxs_c14n_write_subtree(xmlNodePtr apex, xmlNodePtr excluded, xmlChar **prefixes,
                                             const unsigned char **out, size_t *outLen);
