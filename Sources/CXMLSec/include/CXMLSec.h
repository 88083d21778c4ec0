// Thin C layer over libxml2 + xmlsec (OpenSSL backend) + a few OpenSSL calls.
// Why C: xmlsec's API is partly macros (transform ids) and its contexts are
// structs whose ownership rules (signKey is freed by Finalize) must be handled
// precisely; doing that here keeps the Swift side free of manual lifetimes.
#pragma once
#include <stddef.h>
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, and its encoding.h then includes the system
// ICU headers, which clash with Foundation's bundled ICU in any Swift module that
// imports both ("UErrorCode has different definitions"). Swift never touches the
// ICU-only fields (they sit inside xmlCharEncodingHandler, only used by pointer),
// so the Swift view is built without them.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>

// xmlsec's headers need the same -D flags the C file is compiled with (struct
// layouts depend on them), so Swift never sees them: keys are opaque here.
struct _xmlSecKey;
typedef struct _xmlSecKey *cxs_key;

/// Initialises libxml2, xmlsec and its OpenSSL backend exactly once per process
/// (thread-safe). Returns 0 on success; the result of the first call is cached.
int cxs_initialize(void);

/// Silences libxml2's per-thread error printers so hostile input cannot flood
/// stderr. libxml2 keeps these handlers thread-local, so call it on every thread
/// before parsing (cheap: two stores).
void cxs_quiet_current_thread(void);

/// Outcome of a hardened parse.
typedef enum {
    CXS_PARSE_OK = 0,
    CXS_PARSE_DOCTYPE = 1,      // a DOCTYPE was seen: parsing stopped before any declaration was read
    CXS_PARSE_MALFORMED = 2,    // not well-formed XML (or a libxml2 resource limit hit)
    CXS_PARSE_XMLID = 3         // libxml2 registered an ID by itself (xml:id): we register IDs ourselves
} cxs_parse_result;

/// Parses `len` bytes with network access, DTD loading, entity substitution and
/// XInclude all off; stops at the first DOCTYPE. On CXS_PARSE_OK *out owns the document.
cxs_parse_result cxs_parse_hardened(const char *bytes, int len, xmlDocPtr *out);

/// Outcome of verifying one ds:Signature.
typedef enum {
    CXS_VERIFY_OK = 0,
    CXS_VERIFY_INVALID = 1,     // processed, but the digest or the signature value did not match
    CXS_VERIFY_ERROR = 2,       // xmlsec refused to process it (disallowed transform/URI, bad key type...)
    CXS_VERIFY_REFERENCE = 3    // not exactly one reference, or its URI differs from the expected one
} cxs_verify_result;

/// Verifies `signature` with a BORROWED key (never freed or copied here: the
/// context's signKey is cleared before finalisation). Only same-document
/// references and an allowlist of transforms are enabled inside xmlsec too,
/// as a second line behind the tree checks done in Swift. `expectedURI` is
/// "#<ID of the signature's parent>"; the single verified reference must carry it.
cxs_verify_result cxs_verify_signature(xmlNodePtr signature, cxs_key key, int allowSHA1,
                                       const char *expectedURI);

/// Signs a ds:Signature template with a BORROWED private key.
int cxs_sign_signature(xmlNodePtr signature, cxs_key key);

/// Loads the public key of a DER certificate. Caller owns the result (cxs_key_destroy).
cxs_key cxs_key_from_certificate_der(const unsigned char *der, int len);
/// Loads a PEM private key file. Caller owns the result.
cxs_key cxs_key_from_private_pem_file(const char *path);
void cxs_key_destroy(cxs_key key);

typedef enum {
    CXS_B64_OK = 0,
    CXS_B64_INVALID_CHARACTER = 1,   // *detail = offset of the character
    CXS_B64_BAD_PADDING = 2,
    CXS_B64_BAD_LENGTH = 3,          // *detail = significant characters
    CXS_B64_TOO_LARGE = 4
} cxs_b64_result;

/// Strict base64 (rules documented on Base64Input in Swift): CR/LF/TAB skipped,
/// space skipped or read as '+' (spaceIsPlus), everything else strict. Writes at
/// most `capacity` bytes to `out`; on CXS_B64_OK *written is the decoded length.
cxs_b64_result cxs_base64_decode(const unsigned char *in, size_t count, int spaceIsPlus,
                                 unsigned char *out, size_t capacity, size_t *written, size_t *detail);

/// SHA-256 of `len` bytes into out[32].
void cxs_sha256(const unsigned char *bytes, size_t len, unsigned char *out);

/// Checks a DER certificate: 0 = usable (RSA >= 2048 bits or EC >= 256 bits),
/// 1 = does not parse as X.509, 2 = key type or size not acceptable.
int cxs_certificate_check(const unsigned char *der, int len);

/// Writes a fresh RSA-2048 key and a self-signed certificate (valid `days`) as PEM
/// files (the key file mode 0600). Returns 0 on success.
int cxs_generate_self_signed(const char *keyPath, const char *certPath, const char *commonName, int days);

/// Reads the first certificate of a PEM file as DER into a malloc'd buffer
/// (*out, caller frees with free()). Returns its length or -1.
int cxs_certificate_pem_file_to_der(const char *path, unsigned char **out);

/// Validation scope for libxml2/xmlsec allocations on the calling thread (see
/// XMLArena.c): between begin and end they come from a per-thread region that is
/// reused once all of them were freed. Scopes nest; always pair the calls.
void cxs_arena_begin(void);
void cxs_arena_end(void);
/// For tests: bytes bumped in this thread's current chunk, and its blocks not yet freed.
size_t cxs_arena_chunk_bytes_in_use(void);
long cxs_arena_live_blocks(void);

/// For `broker bench` only: parse + verify the Assertion's signature the way the C
/// floor program does (Tests/SAMLTests/Bench/xmlsec_floor.c). 1 when it verifies.
int cxs_floor_verify(const char *xml, int len, cxs_key key);

/// For tests of ExclusiveC14NTransform.c. How many canonicalisations on this thread
/// our writer rendered, how many took libxml2's subtree path (what the writer leaves to
/// libxml2) and how many xmlsec's node-set path.
void cxs_c14n_counts(long *writtenRuns, long *subtreeRuns, long *nodeSetRuns);
/// Exclusive c14n of `apex`'s subtree minus `excluded`'s (NULL: nothing left out), as a
/// Reference with an enveloped signature selects it, by our klass and by xmlsec's;
/// `transformNode` (may be NULL) is a ds:Transform whose InclusiveNamespaces both read.
/// Outputs are xmlFree'd by the caller. 0, or -2 when a klass refused the Transform, -1 on error.
int cxs_c14n_compare_with_xmlsec(xmlNodePtr apex, xmlNodePtr excluded, xmlNodePtr transformNode,
                                 xmlChar **ours, int *oursLen, xmlChar **theirs, int *theirsLen);
