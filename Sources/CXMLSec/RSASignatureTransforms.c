// RSA SignatureMethod transforms of our own for libxmlsec1 1.2, plugged into its
// transform framework:
//  - RSASSA-PSS, which xmlsec 1.2 lacks: RFC 6931 §2.3.10
//    `http://www.w3.org/2007/05/xmldsig-more#sha{256,384,512}-rsa-MGF1`, i.e. PSS with
//    MGF1 over the same hash, salt length = hash length, trailer 1.
//  - RSASSA-PKCS1-v1_5 with SHA-256/384/512 (`xmldsig-more#rsa-sha256` ...), used for
//    verification instead of xmlsec's own klass for one reason: before every
//    verification xmlsec checks the key against the transform's requirements, and
//    for "public key" that check exports the RSA modulus and exponent (and asks for
//    the private exponent) as BIGNUMs through OpenSSL 3's parameter API — ~7 % of a
//    whole validation's instructions (callgrind). A key from IdP metadata is a public
//    key by construction, so ours ask only for an RSA key for verification.
//
// Only the last step is ours. xmlsec still does everything else exactly as before:
// SignedInfo canonicalisation, the Reference with its transforms and digest, the
// key-type (RSA) match and the SignatureValue decoding. It hands the transform the
// canonical SignedInfo bytes (execute: hashed as they stream) and then the decoded
// SignatureValue (verify: one EVP_PKEY_verify with the klass's padding; OpenSSL
// checks PKCS#1 v1.5's DigestInfo encoding strictly). The klasses are enabled per
// verification like the built-in ones (cxs_enable_transforms), so a document can
// only use them where the validator allows. They take the place of xmlsec's RSA
// klasses in its registry (cxs_do_initialize), so the dev IdP signs with them too.
#include <xmlsec/xmlsec.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "RSASignatureTransforms.h"

typedef struct {
    const EVP_MD *md;          // static OpenSSL digest, never freed
    int padding;               // RSA_PKCS1_PSS_PADDING or RSA_PKCS1_PADDING
    EVP_MD_CTX *digestCtx;
    EVP_PKEY *pkey;            // a reference of our own (EVP_PKEY_up_ref)
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestSize;
} cxs_rsa_ctx;

#define CXS_RSA_SIZE (sizeof(xmlSecTransform) + sizeof(cxs_rsa_ctx))
#define CXS_RSA_CTX(t) ((cxs_rsa_ctx *)(((xmlSecByte *)(t)) + sizeof(xmlSecTransform)))

static int cxs_rsa_initialize(xmlSecTransformPtr t);
static void cxs_rsa_finalize(xmlSecTransformPtr t);
static int cxs_rsa_set_key_req(xmlSecTransformPtr t, xmlSecKeyReqPtr req);
static int cxs_rsa_set_key(xmlSecTransformPtr t, xmlSecKeyPtr key);
static int cxs_rsa_verify(xmlSecTransformPtr t, const xmlSecByte *data, xmlSecSize size, xmlSecTransformCtxPtr ctx);
static int cxs_rsa_execute(xmlSecTransformPtr t, int last, xmlSecTransformCtxPtr ctx);

#define CXS_RSA_KLASS(var, nameText, hrefText) \
    static xmlSecTransformKlass var = { \
        sizeof(xmlSecTransformKlass), CXS_RSA_SIZE, \
        BAD_CAST nameText, BAD_CAST hrefText, xmlSecTransformUsageSignatureMethod, \
        cxs_rsa_initialize, cxs_rsa_finalize, NULL, NULL, \
        cxs_rsa_set_key_req, cxs_rsa_set_key, cxs_rsa_verify, \
        xmlSecTransformDefaultGetDataType, xmlSecTransformDefaultPushBin, xmlSecTransformDefaultPopBin, \
        NULL, NULL, cxs_rsa_execute, NULL, NULL };

CXS_RSA_KLASS(cxs_pss_sha256_klass, "rsa-pss-sha256-mgf1", CXS_HREF_RSA_PSS_SHA256)
CXS_RSA_KLASS(cxs_pss_sha384_klass, "rsa-pss-sha384-mgf1", CXS_HREF_RSA_PSS_SHA384)
CXS_RSA_KLASS(cxs_pss_sha512_klass, "rsa-pss-sha512-mgf1", CXS_HREF_RSA_PSS_SHA512)
CXS_RSA_KLASS(cxs_pkcs1_sha256_klass, "rsa-sha256", CXS_HREF_RSA_SHA256)
CXS_RSA_KLASS(cxs_pkcs1_sha384_klass, "rsa-sha384", CXS_HREF_RSA_SHA384)
CXS_RSA_KLASS(cxs_pkcs1_sha512_klass, "rsa-sha512", CXS_HREF_RSA_SHA512)

xmlSecTransformId cxs_transform_rsa_pss_sha256(void) { return &cxs_pss_sha256_klass; }
xmlSecTransformId cxs_transform_rsa_pss_sha384(void) { return &cxs_pss_sha384_klass; }
xmlSecTransformId cxs_transform_rsa_pss_sha512(void) { return &cxs_pss_sha512_klass; }
xmlSecTransformId cxs_transform_rsa_pkcs1_sha256(void) { return &cxs_pkcs1_sha256_klass; }
xmlSecTransformId cxs_transform_rsa_pkcs1_sha384(void) { return &cxs_pkcs1_sha384_klass; }
xmlSecTransformId cxs_transform_rsa_pkcs1_sha512(void) { return &cxs_pkcs1_sha512_klass; }

/// The digest and padding a klass stands for; 0 when `t` is not one of ours.
static int cxs_rsa_params(xmlSecTransformPtr t, const EVP_MD **md, int *padding) {
    if (t == NULL || !xmlSecTransformCheckSize(t, CXS_RSA_SIZE)) return 0;
    xmlSecTransformId id = t->id;
    if (id == &cxs_pss_sha256_klass) { *md = EVP_sha256(); *padding = RSA_PKCS1_PSS_PADDING; }
    else if (id == &cxs_pss_sha384_klass) { *md = EVP_sha384(); *padding = RSA_PKCS1_PSS_PADDING; }
    else if (id == &cxs_pss_sha512_klass) { *md = EVP_sha512(); *padding = RSA_PKCS1_PSS_PADDING; }
    else if (id == &cxs_pkcs1_sha256_klass) { *md = EVP_sha256(); *padding = RSA_PKCS1_PADDING; }
    else if (id == &cxs_pkcs1_sha384_klass) { *md = EVP_sha384(); *padding = RSA_PKCS1_PADDING; }
    else if (id == &cxs_pkcs1_sha512_klass) { *md = EVP_sha512(); *padding = RSA_PKCS1_PADDING; }
    else return 0;
    return 1;
}

static int cxs_is_ours(xmlSecTransformPtr t) {
    const EVP_MD *md;
    int padding;
    return cxs_rsa_params(t, &md, &padding);
}

static int cxs_rsa_initialize(xmlSecTransformPtr t) {
    const EVP_MD *md;
    int padding;
    if (!cxs_rsa_params(t, &md, &padding)) return -1;
    cxs_rsa_ctx *c = CXS_RSA_CTX(t);
    memset(c, 0, sizeof(*c));
    c->md = md;
    c->padding = padding;
    c->digestCtx = EVP_MD_CTX_new();
    if (c->digestCtx == NULL || EVP_DigestInit_ex(c->digestCtx, c->md, NULL) != 1) return -1;
    return 0;
}

static void cxs_rsa_finalize(xmlSecTransformPtr t) {
    if (!cxs_is_ours(t)) return;
    cxs_rsa_ctx *c = CXS_RSA_CTX(t);
    if (c->digestCtx != NULL) EVP_MD_CTX_free(c->digestCtx);
    if (c->pkey != NULL) EVP_PKEY_free(c->pkey);
    memset(c, 0, sizeof(*c));
}

static int cxs_rsa_set_key_req(xmlSecTransformPtr t, xmlSecKeyReqPtr req) {
    if (!cxs_is_ours(t) || req == NULL) return -1;
    // RSA keys only: an EC provider key cannot satisfy a PSS signature.
    req->keyId = xmlSecOpenSSLKeyDataRsaId;
    if (t->operation == xmlSecTransformOperationSign) {
        req->keyType = xmlSecKeyDataTypePrivate;
        req->keyUsage = xmlSecKeyUsageSign;
    } else {
        // Any RSA key verifies; asking for "public" costs a BIGNUM export per document (see the top).
        req->keyType = xmlSecKeyDataTypeUnknown;
        req->keyUsage = xmlSecKeyUsageVerify;
    }
    return 0;
}

static int cxs_rsa_set_key(xmlSecTransformPtr t, xmlSecKeyPtr key) {
    if (!cxs_is_ours(t) || key == NULL) return -1;
    xmlSecKeyDataPtr value = xmlSecKeyGetValue(key);
    if (value == NULL || !xmlSecKeyDataCheckId(value, xmlSecOpenSSLKeyDataRsaId)) return -1;
    EVP_PKEY *pkey = xmlSecOpenSSLEvpKeyDataGetEvp(value);
    if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1) return -1;
    cxs_rsa_ctx *c = CXS_RSA_CTX(t);
    if (c->pkey != NULL) EVP_PKEY_free(c->pkey);
    c->pkey = pkey;
    return 0;
}

/// A PKEY context set up for this transform's padding and hash.
static EVP_PKEY_CTX *cxs_rsa_pkey_ctx(cxs_rsa_ctx *c, int sign) {
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(c->pkey, NULL);
    if (p == NULL) return NULL;
    int ok = (sign ? EVP_PKEY_sign_init(p) : EVP_PKEY_verify_init(p)) == 1
        && EVP_PKEY_CTX_set_rsa_padding(p, c->padding) == 1
        && EVP_PKEY_CTX_set_signature_md(p, c->md) == 1
        && (c->padding != RSA_PKCS1_PSS_PADDING
            || (EVP_PKEY_CTX_set_rsa_mgf1_md(p, c->md) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(p, RSA_PSS_SALTLEN_DIGEST) == 1));
    if (!ok) { EVP_PKEY_CTX_free(p); return NULL; }
    return p;
}

// Setting up a verification context (EVP_PKEY_CTX_new, verify_init, padding, digest)
// costs OpenSSL 3 about as much as the RSA operation itself: every step looks up the
// provider's implementation (~4.5 % of gate under load, perf). A context once set up
// verifies any number of signatures, so each thread keeps the few it used last, keyed
// by key, padding and digest. A cached context holds a reference to its key: a key
// dropped from the metadata lives on until its context is pushed out (at most
// CXS_RSA_VERIFIERS per thread; threads are few and long-lived).
enum { CXS_RSA_VERIFIERS = 4 };
typedef struct {
    const EVP_PKEY *pkey;      // identity only: the context holds the reference
    const EVP_MD *md;
    int padding;
    EVP_PKEY_CTX *ctx;
} cxs_rsa_verifier;
static __thread cxs_rsa_verifier cxs_rsa_verifiers[CXS_RSA_VERIFIERS];
static __thread unsigned cxs_rsa_verifier_next;

/// A context for verifying with `c`'s key, padding and digest: this thread's cached one,
/// or a new one put in the cache. Owned by the cache: never freed by the caller.
static EVP_PKEY_CTX *cxs_rsa_verifier_for(cxs_rsa_ctx *c) {
    for (int i = 0; i < CXS_RSA_VERIFIERS; i++) {
        cxs_rsa_verifier *v = &cxs_rsa_verifiers[i];
        if (v->ctx != NULL && v->pkey == c->pkey && v->md == c->md && v->padding == c->padding) return v->ctx;
    }
    EVP_PKEY_CTX *p = cxs_rsa_pkey_ctx(c, 0);
    if (p == NULL) return NULL;
    cxs_rsa_verifier *slot = &cxs_rsa_verifiers[cxs_rsa_verifier_next++ % CXS_RSA_VERIFIERS];
    if (slot->ctx != NULL) EVP_PKEY_CTX_free(slot->ctx);
    *slot = (cxs_rsa_verifier){ c->pkey, c->md, c->padding, p };
    return p;
}

static int cxs_rsa_verify(xmlSecTransformPtr t, const xmlSecByte *data, xmlSecSize size, xmlSecTransformCtxPtr ctx) {
    (void)ctx;
    if (!cxs_is_ours(t) || t->operation != xmlSecTransformOperationVerify || t->status != xmlSecTransformStatusFinished || data == NULL) return -1;
    cxs_rsa_ctx *c = CXS_RSA_CTX(t);
    if (c->pkey == NULL || c->digestSize == 0) return -1;
    EVP_PKEY_CTX *p = cxs_rsa_verifier_for(c);
    if (p == NULL) return -1;
    // Exactly the modulus length: a shorter or padded value is not a signature of this key.
    int ok = size == (xmlSecSize)EVP_PKEY_get_size(c->pkey)
        && EVP_PKEY_verify(p, data, size, c->digest, c->digestSize) == 1;
    t->status = ok ? xmlSecTransformStatusOk : xmlSecTransformStatusFail;
    return 0;
}

static int cxs_rsa_sign(cxs_rsa_ctx *c, xmlSecBufferPtr out) {
    EVP_PKEY_CTX *p = cxs_rsa_pkey_ctx(c, 1);
    if (p == NULL) return -1;
    size_t len = 0;
    int rc = -1;
    if (EVP_PKEY_sign(p, NULL, &len, c->digest, c->digestSize) != 1) goto done;
    if (xmlSecBufferSetMaxSize(out, (xmlSecSize)len) < 0) goto done;
    if (EVP_PKEY_sign(p, xmlSecBufferGetData(out), &len, c->digest, c->digestSize) != 1) goto done;
    if (xmlSecBufferSetSize(out, (xmlSecSize)len) < 0) goto done;
    rc = 0;
done:
    EVP_PKEY_CTX_free(p);
    return rc;
}

static int cxs_rsa_execute(xmlSecTransformPtr t, int last, xmlSecTransformCtxPtr ctx) {
    (void)ctx;
    if (!cxs_is_ours(t)) return -1;
    cxs_rsa_ctx *c = CXS_RSA_CTX(t);
    if (c->pkey == NULL) return -1;
    xmlSecBufferPtr in = &(t->inBuf);
    if (t->status == xmlSecTransformStatusNone) t->status = xmlSecTransformStatusWorking;
    if (t->status != xmlSecTransformStatusWorking) return t->status == xmlSecTransformStatusFinished ? 0 : -1;
    xmlSecSize inSize = xmlSecBufferGetSize(in);
    if (inSize > 0) {
        if (EVP_DigestUpdate(c->digestCtx, xmlSecBufferGetData(in), inSize) != 1) return -1;
        if (xmlSecBufferRemoveHead(in, inSize) < 0) return -1;
    }
    if (last) {
        if (EVP_DigestFinal_ex(c->digestCtx, c->digest, &c->digestSize) != 1 || c->digestSize == 0) return -1;
        // Signing answers now; verifying waits for the SignatureValue (cxs_rsa_verify).
        if (t->operation == xmlSecTransformOperationSign && cxs_rsa_sign(c, &(t->outBuf)) < 0) return -1;
        t->status = xmlSecTransformStatusFinished;
    }
    return 0;
}
