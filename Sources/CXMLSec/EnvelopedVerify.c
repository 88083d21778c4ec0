// Verification of one enveloped ds:Signature without xmlsec's transform engine.
//
// Why: xmlsec builds a transform chain, node sets and a key-requirement match
// (which reads the RSA modulus back out of the key as a BIGNUM) for every
// document; on a 6 KB response that is a third of the validation time. The
// checks are the same ones xmlsec performs for the only shape we accept
// (threats §C3): the Reference names the element the signature sits in (we
// are handed that node, never a URI to resolve), the referenced subtree minus
// this signature is canonicalised by libxml2's C14N (the same code xmlsec
// calls), digested and compared with DigestValue, then SignedInfo is
// canonicalised and its signature checked with the provider key, which is
// only borrowed (EVP_PKEY objects are immutable and safe to share between
// threads once built).
#include "CXMLSec.h"

#include <string.h>
#include <stdlib.h>
#include <libxml/c14n.h>
#include <libxml/xmlIO.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define C14N_10 "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define C14N_11 "http://www.w3.org/2006/12/xml-c14n11"
#define ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define MAX_PREFIXES 32
#define MAX_VALUE_BYTES 1024   // decoded SignatureValue / DigestValue (RSA-8192 is 1024 bytes)

struct cxs_public_key { EVP_PKEY *pkey; };

/* ---------- keys ---------- */

cxs_public_key *cxs_public_key_from_certificate_der(const unsigned char *der, int len) {
    if (der == NULL || len <= 0) return NULL;
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, len);
    if (cert == NULL) return NULL;
    EVP_PKEY *pkey = X509_get_pubkey(cert);   // own reference, outlives the certificate
    X509_free(cert);
    if (pkey == NULL) return NULL;
    cxs_public_key *key = malloc(sizeof *key);
    if (key == NULL) { EVP_PKEY_free(pkey); return NULL; }
    key->pkey = pkey;
    return key;
}

void cxs_public_key_destroy(cxs_public_key *key) {
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

/* ---------- algorithm tables ---------- */

// Fetched once (cxs_initialize): an implicit fetch per digest costs a provider
// lookup under a lock on every call.
static EVP_MD *md_sha1, *md_sha256, *md_sha384, *md_sha512;

int cxs_direct_prepare(void) {
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
    return (md_sha1 && md_sha256 && md_sha384 && md_sha512) ? 0 : -1;
}

static const EVP_MD *digest_method(const xmlChar *uri, int allowSHA1) {
    if (uri == NULL) return NULL;
    const char *u = (const char *)uri;
    if (strcmp(u, "http://www.w3.org/2001/04/xmlenc#sha256") == 0) return md_sha256;
    if (strcmp(u, "http://www.w3.org/2001/04/xmldsig-more#sha384") == 0) return md_sha384;
    if (strcmp(u, "http://www.w3.org/2001/04/xmlenc#sha512") == 0) return md_sha512;
    if (allowSHA1 && strcmp(u, "http://www.w3.org/2000/09/xmldsig#sha1") == 0) return md_sha1;
    return NULL;
}

typedef enum { KEY_RSA, KEY_EC } key_kind;

static const EVP_MD *signature_method(const xmlChar *uri, int allowSHA1, key_kind *kind) {
    if (uri == NULL) return NULL;
    const char *u = (const char *)uri;
    static const char more[] = "http://www.w3.org/2001/04/xmldsig-more#";
    if (strncmp(u, more, sizeof more - 1) == 0) {
        const char *rest = u + sizeof more - 1;
        if (strcmp(rest, "rsa-sha256") == 0) { *kind = KEY_RSA; return md_sha256; }
        if (strcmp(rest, "rsa-sha384") == 0) { *kind = KEY_RSA; return md_sha384; }
        if (strcmp(rest, "rsa-sha512") == 0) { *kind = KEY_RSA; return md_sha512; }
        if (strcmp(rest, "ecdsa-sha256") == 0) { *kind = KEY_EC; return md_sha256; }
        if (strcmp(rest, "ecdsa-sha384") == 0) { *kind = KEY_EC; return md_sha384; }
        if (strcmp(rest, "ecdsa-sha512") == 0) { *kind = KEY_EC; return md_sha512; }
        return NULL;
    }
    if (allowSHA1 && strcmp(u, "http://www.w3.org/2000/09/xmldsig#rsa-sha1") == 0) { *kind = KEY_RSA; return md_sha1; }
    return NULL;
}

/* ---------- tree helpers ---------- */

static int is_dsig(xmlNodePtr n, const char *name, const char *ns) {
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL
        && strcmp((const char *)n->name, name) == 0 && strcmp((const char *)n->ns->href, ns) == 0;
}

// Next element sibling (xmlsec's xmlSecGetNextElementNode: text, comments and
// PIs between the elements are skipped, as xmlsec does).
static xmlNodePtr next_element(xmlNodePtr n) {
    while (n != NULL && n->type != XML_ELEMENT_NODE) n = n->next;
    return n;
}

static const xmlChar *algorithm(xmlNodePtr n) {
    // Attribute values are a single text node without a DTD; xmlHasNsProp avoids a copy.
    xmlAttrPtr a = xmlHasNsProp(n, BAD_CAST "Algorithm", NULL);
    if (a == NULL || a->children == NULL || a->children->next != NULL || a->children->type != XML_TEXT_NODE) return NULL;
    return a->children->content;
}

/* Base64 with whitespace tolerated (as in xmlsec), anything else strict. */
static int base64_value(xmlNodePtr n, unsigned char *out, int cap) {
    xmlNodePtr t = n->children;
    if (t == NULL || t->next != NULL || t->type != XML_TEXT_NODE || t->content == NULL) return -1;
    static signed char map[256];
    static int ready = 0;
    if (!ready) {   // idempotent table fill: racing threads write the same bytes
        for (int i = 0; i < 256; i++) map[i] = -1;
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; i++) map[(unsigned char)alphabet[i]] = (signed char)i;
        map[' '] = map['\t'] = map['\r'] = map['\n'] = -2;
        map['='] = -3;
        ready = 1;
    }
    unsigned int acc = 0;
    int bits = 0, len = 0, pad = 0;
    for (const unsigned char *p = t->content; *p; p++) {
        signed char v = map[*p];
        if (v == -2) continue;
        if (v == -3) { pad++; continue; }
        if (v < 0 || pad > 0) return -1;   // bad character, or data after padding
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= cap) return -1;
            out[len++] = (unsigned char)(acc >> bits);
        }
    }
    // Leftover bits must be zero and padding must complete the last quantum.
    if (pad > 2 || (acc & ((1u << bits) - 1)) != 0) return -1;
    // 2 chars + "==" leave 4 bits, 3 chars + "=" leave 2.
    if ((bits == 0 && pad != 0) || (bits == 4 && pad != 2 && pad != 0) || (bits == 2 && pad != 1 && pad != 0)) return -1;
    if (bits == 6) return -1;
    return len;
}

/* ---------- canonicalisation ---------- */

typedef struct {
    xmlNodePtr root;       // the canonicalised subtree
    xmlNodePtr excluded;   // enveloped-signature: this subtree is left out (may be NULL)
} visibility;

// libxml2 asks for every node, attribute and namespace node of the document.
// Attributes and namespace nodes count as inside their element.
static int visible(void *user, xmlNodePtr node, xmlNodePtr parent) {
    const visibility *v = user;
    xmlNodePtr n = node;
    if (n == NULL || n->type == XML_NAMESPACE_DECL) n = parent;
    else if (n->type == XML_COMMENT_NODE) return 0;   // same-document URIs drop comments
    for (; n != NULL; n = n->parent) {
        if (n == v->excluded) return 0;
        if (n == v->root) return 1;
    }
    return 0;
}

typedef struct { EVP_MD_CTX *md; int verifying; int failed; } sink;

static int sink_write(void *ctx, const char *buffer, int len) {
    sink *s = ctx;
    if (len <= 0) return 0;
    int ok = s->verifying ? EVP_DigestVerifyUpdate(s->md, buffer, (size_t)len) : EVP_DigestUpdate(s->md, buffer, (size_t)len);
    if (ok != 1) { s->failed = 1; return -1; }
    return len;
}

/* Reads exc-c14n's optional InclusiveNamespaces PrefixList the way xmlsec does
 * (split on single spaces; "#default" names the default namespace) into
 * prefixes[] (NULL-terminated, pointing into *owned, freed by the caller). */
static int inclusive_prefixes(xmlNodePtr method, xmlChar **owned, xmlChar **prefixes) {
    *owned = NULL;
    prefixes[0] = NULL;
    xmlNodePtr p = next_element(method->children);
    if (p == NULL) return 0;
    if (!is_dsig(p, "InclusiveNamespaces", EXC_C14N) || next_element(p->next) != NULL) return -1;
    xmlChar *list = xmlGetNoNsProp(p, BAD_CAST "PrefixList");
    if (list == NULL) return -1;
    *owned = list;
    int n = 0;
    for (xmlChar *s = list, *next; s != NULL && *s != '\0'; s = next) {
        next = (xmlChar *)xmlStrchr(s, ' ');
        if (next != NULL) *(next++) = '\0';
        if (n >= MAX_PREFIXES) return -1;
        prefixes[n++] = s;
    }
    prefixes[n] = NULL;
    return 0;
}

typedef struct { int mode; xmlChar *owned; xmlChar *prefixes[MAX_PREFIXES + 1]; } c14n_method;

static int read_c14n(xmlNodePtr method, const xmlChar *uri, int allowInclusive, c14n_method *out) {
    out->owned = NULL;
    out->prefixes[0] = NULL;
    if (uri == NULL) return -1;
    if (strcmp((const char *)uri, EXC_C14N) == 0) {
        out->mode = XML_C14N_EXCLUSIVE_1_0;
        return inclusive_prefixes(method, &out->owned, out->prefixes);
    }
    if (!allowInclusive || next_element(method->children) != NULL) return -1;
    if (strcmp((const char *)uri, C14N_10) == 0) { out->mode = XML_C14N_1_0; return 0; }
    if (strcmp((const char *)uri, C14N_11) == 0) { out->mode = XML_C14N_1_1; return 0; }
    return -1;
}

/* Canonicalises `root` minus `excluded` into the digest (or verify) context. */
static int canonicalise(xmlDocPtr doc, xmlNodePtr root, xmlNodePtr excluded, const c14n_method *m,
                        EVP_MD_CTX *md, int verifying) {
    visibility v = { root, excluded };
    sink s = { md, verifying, 0 };
    xmlOutputBufferPtr out = xmlOutputBufferCreateIO(sink_write, NULL, &s, NULL);
    if (out == NULL) return -1;
    int rc = xmlC14NExecute(doc, visible, &v, m->mode,
                            m->prefixes[0] != NULL ? (xmlChar **)m->prefixes : NULL, 0, out);
    int closed = xmlOutputBufferClose(out);   // flushes the tail into the sink
    return (rc < 0 || closed < 0 || s.failed) ? -1 : 0;
}

/* ---------- verification ---------- */

static int verify_ecdsa(EVP_MD_CTX *md, EVP_PKEY *pkey, const unsigned char *raw, int rawLen) {
    // XML-DSig carries r||s (RFC 6931); OpenSSL wants DER. Short halves are
    // tolerated as xmlsec does (Java strips leading zeros).
    int half = (EVP_PKEY_get_bits(pkey) + 7) / 8;
    if (half <= 0) return -1;
    if (rawLen < 2 * half && rawLen % 2 == 0) half = rawLen / 2;
    else if (rawLen != 2 * half) return 0;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, half, NULL), *s = BN_bin2bn(raw + half, half, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r); BN_free(s); ECDSA_SIG_free(sig);
        return -1;
    }
    unsigned char *der = NULL;
    int derLen = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (derLen <= 0) return -1;
    int ok = EVP_DigestVerifyFinal(md, der, (size_t)derLen);
    OPENSSL_free(der);
    return ok == 1 ? 1 : 0;
}

cxs_verify_result cxs_verify_enveloped(xmlNodePtr signature, xmlNodePtr referenced,
                                       const cxs_public_key *const *keys, int keyCount,
                                       int allowSHA1, int *matchedKey) {
    if (matchedKey) *matchedKey = -1;
    if (signature == NULL || referenced == NULL || keys == NULL || keyCount <= 0 || signature->doc == NULL)
        return CXS_VERIFY_ERROR;
    // The signature must sit directly in the element its Reference names:
    // that is what makes the enveloped-signature transform remove exactly it.
    if (signature->parent != referenced || !is_dsig(signature, "Signature", DSIG_NS)) return CXS_VERIFY_REFERENCE;

    xmlNodePtr signedInfo = next_element(signature->children);
    xmlNodePtr sigValue = signedInfo ? next_element(signedInfo->next) : NULL;
    if (!is_dsig(signedInfo, "SignedInfo", DSIG_NS) || !is_dsig(sigValue, "SignatureValue", DSIG_NS)) return CXS_VERIFY_ERROR;
    xmlNodePtr c14nNode = next_element(signedInfo->children);
    xmlNodePtr methodNode = c14nNode ? next_element(c14nNode->next) : NULL;
    xmlNodePtr reference = methodNode ? next_element(methodNode->next) : NULL;
    if (!is_dsig(c14nNode, "CanonicalizationMethod", DSIG_NS) || !is_dsig(methodNode, "SignatureMethod", DSIG_NS))
        return CXS_VERIFY_ERROR;
    if (!is_dsig(reference, "Reference", DSIG_NS) || next_element(reference->next) != NULL) return CXS_VERIFY_REFERENCE;
    if (next_element(methodNode->children) != NULL) return CXS_VERIFY_ERROR;   // no HMACOutputLength or other parameters

    // Reference: [Transforms(enveloped-signature [, exc-c14n])], DigestMethod, DigestValue.
    xmlNodePtr r = next_element(reference->children);
    c14n_method refC14N = { XML_C14N_1_0, NULL, { NULL } };   // a node-set becomes octets by C14N 1.0 (XML-DSig §4.3.3.2)
    if (is_dsig(r, "Transforms", DSIG_NS)) {
        xmlNodePtr t1 = next_element(r->children);
        xmlNodePtr t2 = t1 ? next_element(t1->next) : NULL;
        if (!is_dsig(t1, "Transform", DSIG_NS) || algorithm(t1) == NULL
            || strcmp((const char *)algorithm(t1), ENVELOPED) != 0 || next_element(t1->children) != NULL)
            return CXS_VERIFY_TRANSFORMS;
        if (t2 != NULL) {
            if (!is_dsig(t2, "Transform", DSIG_NS) || next_element(t2->next) != NULL) return CXS_VERIFY_TRANSFORMS;
            const xmlChar *alg = algorithm(t2);
            if (alg == NULL || strcmp((const char *)alg, EXC_C14N) != 0) return CXS_VERIFY_TRANSFORMS;
            if (read_c14n(t2, alg, 0, &refC14N) < 0) { xmlFree(refC14N.owned); return CXS_VERIFY_TRANSFORMS; }
        }
        r = next_element(r->next);
    } else {
        // Without enveloped-signature the digest would cover this very signature.
        return CXS_VERIFY_TRANSFORMS;
    }
    cxs_verify_result result = CXS_VERIFY_ERROR;
    c14n_method siC14N = { 0, NULL, { NULL } };
    EVP_MD_CTX *md = NULL;
    xmlNodePtr digestMethod = r;
    xmlNodePtr digestValue = digestMethod ? next_element(digestMethod->next) : NULL;
    if (!is_dsig(digestMethod, "DigestMethod", DSIG_NS) || !is_dsig(digestValue, "DigestValue", DSIG_NS)
        || next_element(digestValue->next) != NULL || next_element(digestMethod->children) != NULL) {
        result = CXS_VERIFY_REFERENCE;
        goto done;
    }
    const EVP_MD *digest = digest_method(algorithm(digestMethod), allowSHA1);
    key_kind kind;
    const EVP_MD *sigDigest = signature_method(algorithm(methodNode), allowSHA1, &kind);
    if (digest == NULL || sigDigest == NULL) goto done;
    if (read_c14n(c14nNode, algorithm(c14nNode), 1, &siC14N) < 0) goto done;

    unsigned char expected[EVP_MAX_MD_SIZE], computed[EVP_MAX_MD_SIZE], sigBytes[MAX_VALUE_BYTES];
    int expectedLen = base64_value(digestValue, expected, (int)sizeof expected);
    int sigLen = base64_value(sigValue, sigBytes, (int)sizeof sigBytes);
    if (expectedLen <= 0 || sigLen <= 0) goto done;

    // 1. The referenced element, minus this signature, canonicalised and digested.
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, digest, NULL) != 1) goto done;
    if (canonicalise(signature->doc, referenced, signature, &refC14N, md, 0) < 0) goto done;
    unsigned int computedLen = 0;
    if (EVP_DigestFinal_ex(md, computed, &computedLen) != 1) goto done;
    if ((int)computedLen != expectedLen || CRYPTO_memcmp(computed, expected, computedLen) != 0) {
        result = CXS_VERIFY_DIGEST;
        goto done;
    }

    // 2. SignedInfo (which carries that digest) canonicalised and checked against
    //    SignatureValue with each candidate key until one matches.
    result = CXS_VERIFY_INVALID;
    int usable = 0;
    for (int i = 0; i < keyCount; i++) {
        if (keys[i] == NULL || keys[i]->pkey == NULL) continue;
        int type = EVP_PKEY_get_base_id(keys[i]->pkey);
        if ((kind == KEY_RSA && type != EVP_PKEY_RSA) || (kind == KEY_EC && type != EVP_PKEY_EC)) continue;
        usable++;
        EVP_PKEY_CTX *pctx = NULL;
        if (EVP_MD_CTX_reset(md) != 1 || EVP_DigestVerifyInit(md, &pctx, sigDigest, NULL, keys[i]->pkey) != 1) {
            result = CXS_VERIFY_ERROR;
            goto done;
        }
        if (kind == KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) { result = CXS_VERIFY_ERROR; goto done; }
        if (canonicalise(signature->doc, signedInfo, NULL, &siC14N, md, 1) < 0) { result = CXS_VERIFY_ERROR; goto done; }
        int ok = kind == KEY_EC ? verify_ecdsa(md, keys[i]->pkey, sigBytes, sigLen)
                                : EVP_DigestVerifyFinal(md, sigBytes, (size_t)sigLen) == 1;
        if (ok < 0) { result = CXS_VERIFY_ERROR; goto done; }
        if (ok == 1) {
            if (matchedKey) *matchedKey = i;
            result = CXS_VERIFY_OK;
            goto done;
        }
    }
    if (usable == 0) result = CXS_VERIFY_ERROR;   // no key of the algorithm's type
done:
    EVP_MD_CTX_free(md);
    xmlFree(refC14N.owned);
    xmlFree(siC14N.owned);
    return result;
}
