// RSASSA-PSS SignatureMethod transforms for libxmlsec1 1.2 (which has none):
// RFC 6931 §2.3.10 `http://www.w3.org/2007/05/xmldsig-more#sha{256,384,512}-rsa-MGF1`,
// i.e. PSS with MGF1 over the same hash, salt length = hash length, trailer 1.
//
// Only the last step is ours. xmlsec still does everything else exactly as for
// RSA-SHA256: SignedInfo canonicalisation, the Reference with its transforms and
// digest, the key requirements and the SignatureValue decoding. It hands this
// transform the canonical SignedInfo bytes (execute: hashed as they stream) and
// then the decoded SignatureValue (verify: one EVP_PKEY_verify with PSS padding).
// The klass is a standard xmlSecTransformKlass, enabled per verification like the
// built-in ones, so a document can only use it where cxs_verify_signature allows.
#include <xmlsec/xmlsec.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "RSAPSSTransform.h"

typedef struct {
    const EVP_MD *md;          // static OpenSSL digest, never freed
    EVP_MD_CTX *digestCtx;
    EVP_PKEY *pkey;            // a reference of our own (EVP_PKEY_up_ref)
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestSize;
} cxs_pss_ctx;

#define CXS_PSS_SIZE (sizeof(xmlSecTransform) + sizeof(cxs_pss_ctx))
#define CXS_PSS_CTX(t) ((cxs_pss_ctx *)(((xmlSecByte *)(t)) + sizeof(xmlSecTransform)))

static int cxs_pss_initialize(xmlSecTransformPtr t);
static void cxs_pss_finalize(xmlSecTransformPtr t);
static int cxs_pss_set_key_req(xmlSecTransformPtr t, xmlSecKeyReqPtr req);
static int cxs_pss_set_key(xmlSecTransformPtr t, xmlSecKeyPtr key);
static int cxs_pss_verify(xmlSecTransformPtr t, const xmlSecByte *data, xmlSecSize size, xmlSecTransformCtxPtr ctx);
static int cxs_pss_execute(xmlSecTransformPtr t, int last, xmlSecTransformCtxPtr ctx);

#define CXS_PSS_KLASS(var, nameText, hrefText) \
    static xmlSecTransformKlass var = { \
        sizeof(xmlSecTransformKlass), CXS_PSS_SIZE, \
        BAD_CAST nameText, BAD_CAST hrefText, xmlSecTransformUsageSignatureMethod, \
        cxs_pss_initialize, cxs_pss_finalize, NULL, NULL, \
        cxs_pss_set_key_req, cxs_pss_set_key, cxs_pss_verify, \
        xmlSecTransformDefaultGetDataType, xmlSecTransformDefaultPushBin, xmlSecTransformDefaultPopBin, \
        NULL, NULL, cxs_pss_execute, NULL, NULL };

CXS_PSS_KLASS(cxs_pss_sha256_klass, "rsa-pss-sha256-mgf1", CXS_HREF_RSA_PSS_SHA256)
CXS_PSS_KLASS(cxs_pss_sha384_klass, "rsa-pss-sha384-mgf1", CXS_HREF_RSA_PSS_SHA384)
CXS_PSS_KLASS(cxs_pss_sha512_klass, "rsa-pss-sha512-mgf1", CXS_HREF_RSA_PSS_SHA512)

xmlSecTransformId cxs_transform_rsa_pss_sha256(void) { return &cxs_pss_sha256_klass; }
xmlSecTransformId cxs_transform_rsa_pss_sha384(void) { return &cxs_pss_sha384_klass; }
xmlSecTransformId cxs_transform_rsa_pss_sha512(void) { return &cxs_pss_sha512_klass; }

static int cxs_is_pss(xmlSecTransformPtr t) {
    return t != NULL && (t->id == &cxs_pss_sha256_klass || t->id == &cxs_pss_sha384_klass || t->id == &cxs_pss_sha512_klass)
        && xmlSecTransformCheckSize(t, CXS_PSS_SIZE);
}

static int cxs_pss_initialize(xmlSecTransformPtr t) {
    if (!cxs_is_pss(t)) return -1;
    cxs_pss_ctx *c = CXS_PSS_CTX(t);
    memset(c, 0, sizeof(*c));
    c->md = t->id == &cxs_pss_sha256_klass ? EVP_sha256() : t->id == &cxs_pss_sha384_klass ? EVP_sha384() : EVP_sha512();
    c->digestCtx = EVP_MD_CTX_new();
    if (c->digestCtx == NULL || EVP_DigestInit_ex(c->digestCtx, c->md, NULL) != 1) return -1;
    return 0;
}

static void cxs_pss_finalize(xmlSecTransformPtr t) {
    if (!cxs_is_pss(t)) return;
    cxs_pss_ctx *c = CXS_PSS_CTX(t);
    if (c->digestCtx != NULL) EVP_MD_CTX_free(c->digestCtx);
    if (c->pkey != NULL) EVP_PKEY_free(c->pkey);
    memset(c, 0, sizeof(*c));
}

static int cxs_pss_set_key_req(xmlSecTransformPtr t, xmlSecKeyReqPtr req) {
    if (!cxs_is_pss(t) || req == NULL) return -1;
    // RSA keys only: an EC provider key cannot satisfy a PSS signature.
    req->keyId = xmlSecOpenSSLKeyDataRsaId;
    if (t->operation == xmlSecTransformOperationSign) {
        req->keyType = xmlSecKeyDataTypePrivate;
        req->keyUsage = xmlSecKeyUsageSign;
    } else {
        req->keyType = xmlSecKeyDataTypePublic;
        req->keyUsage = xmlSecKeyUsageVerify;
    }
    return 0;
}

static int cxs_pss_set_key(xmlSecTransformPtr t, xmlSecKeyPtr key) {
    if (!cxs_is_pss(t) || key == NULL) return -1;
    xmlSecKeyDataPtr value = xmlSecKeyGetValue(key);
    if (value == NULL || !xmlSecKeyDataCheckId(value, xmlSecOpenSSLKeyDataRsaId)) return -1;
    EVP_PKEY *pkey = xmlSecOpenSSLEvpKeyDataGetEvp(value);
    if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1) return -1;
    cxs_pss_ctx *c = CXS_PSS_CTX(t);
    if (c->pkey != NULL) EVP_PKEY_free(c->pkey);
    c->pkey = pkey;
    return 0;
}

/// A PKEY context set up for RSASSA-PSS with this transform's hash.
static EVP_PKEY_CTX *cxs_pss_pkey_ctx(cxs_pss_ctx *c, int sign) {
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(c->pkey, NULL);
    if (p == NULL) return NULL;
    int ok = (sign ? EVP_PKEY_sign_init(p) : EVP_PKEY_verify_init(p)) == 1
        && EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING) == 1
        && EVP_PKEY_CTX_set_signature_md(p, c->md) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md(p, c->md) == 1
        && EVP_PKEY_CTX_set_rsa_pss_saltlen(p, RSA_PSS_SALTLEN_DIGEST) == 1;
    if (!ok) { EVP_PKEY_CTX_free(p); return NULL; }
    return p;
}

static int cxs_pss_verify(xmlSecTransformPtr t, const xmlSecByte *data, xmlSecSize size, xmlSecTransformCtxPtr ctx) {
    (void)ctx;
    if (!cxs_is_pss(t) || t->operation != xmlSecTransformOperationVerify || t->status != xmlSecTransformStatusFinished || data == NULL) return -1;
    cxs_pss_ctx *c = CXS_PSS_CTX(t);
    if (c->pkey == NULL || c->digestSize == 0) return -1;
    EVP_PKEY_CTX *p = cxs_pss_pkey_ctx(c, 0);
    if (p == NULL) return -1;
    // Exactly the modulus length: a shorter or padded value is not a PSS signature.
    int ok = size == (xmlSecSize)EVP_PKEY_get_size(c->pkey)
        && EVP_PKEY_verify(p, data, size, c->digest, c->digestSize) == 1;
    EVP_PKEY_CTX_free(p);
    t->status = ok ? xmlSecTransformStatusOk : xmlSecTransformStatusFail;
    return 0;
}

static int cxs_pss_sign(cxs_pss_ctx *c, xmlSecBufferPtr out) {
    EVP_PKEY_CTX *p = cxs_pss_pkey_ctx(c, 1);
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

static int cxs_pss_execute(xmlSecTransformPtr t, int last, xmlSecTransformCtxPtr ctx) {
    (void)ctx;
    if (!cxs_is_pss(t)) return -1;
    cxs_pss_ctx *c = CXS_PSS_CTX(t);
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
        // Signing answers now; verifying waits for the SignatureValue (cxs_pss_verify).
        if (t->operation == xmlSecTransformOperationSign && cxs_pss_sign(c, &(t->outBuf)) < 0) return -1;
        t->status = xmlSecTransformStatusFinished;
    }
    return 0;
}
