#include <xmlsec/xmlsec.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include "CXMLSec.h"
#include "RSASignatureTransforms.h"
#include "ExclusiveC14NTransform.h"

#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libxml/parserInternals.h>
#include <xmlsec/errors.h>
#include <xmlsec/transforms.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>

/* ---------- process-wide initialisation ---------- */

static pthread_once_t cxs_once = PTHREAD_ONCE_INIT;
static int cxs_init_result = -1;

// xmlsec reports every failure (including those triggered by hostile input)
// through this callback; we turn failures into typed results instead of logs.
static void cxs_silent_xmlsec_errors(const char *file, int line, const char *func,
                                     const char *errorObject, const char *errorSubject,
                                     int reason, const char *msg) {
    (void)file; (void)line; (void)func; (void)errorObject; (void)errorSubject; (void)reason; (void)msg;
}

static void cxs_silent_generic(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static void cxs_silent_structured(void *ctx, xmlErrorPtr error) { (void)ctx; (void)error; }

/// Puts `ours` where `builtin` is in xmlsec's transform registry (same URI), or appends it.
static int cxs_register_in_place_of(xmlSecTransformId builtin, xmlSecTransformId ours) {
    xmlSecPtrListPtr ids = xmlSecTransformIdsGet();
    xmlSecSize n = xmlSecPtrListGetSize(ids);
    for (xmlSecSize i = 0; i < n; i++) {
        if ((xmlSecTransformId)xmlSecPtrListGetItem(ids, i) == builtin) return xmlSecPtrListSet(ids, (xmlSecPtr)ours, i);
    }
    return xmlSecTransformIdsRegister(ours);
}

static void cxs_do_initialize(void) {
    xmlInitParser();
    cxs_quiet_current_thread();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    xmlSecErrorsSetCallback(cxs_silent_xmlsec_errors);
    if (xmlSecOpenSSLAppInit(NULL) < 0) return;
    if (xmlSecOpenSSLInit() < 0) return;
    // Our RSA klasses (RSASignatureTransforms.c) go into xmlsec's registry: xmlsec
    // resolves a SignatureMethod URI there first and only then checks the
    // context's enabled list, so a klass must be registered to be usable at all,
    // and for the PKCS#1 v1.5 URIs ours must take the place of xmlsec's own.
    // Verification still enables per context exactly what it allows (cxs_enable_transforms).
    if (cxs_register_in_place_of(xmlSecOpenSSLTransformRsaSha256Id, cxs_transform_rsa_pkcs1_sha256()) < 0) return;
    if (cxs_register_in_place_of(xmlSecOpenSSLTransformRsaSha384Id, cxs_transform_rsa_pkcs1_sha384()) < 0) return;
    if (cxs_register_in_place_of(xmlSecOpenSSLTransformRsaSha512Id, cxs_transform_rsa_pkcs1_sha512()) < 0) return;
    // Exclusive c14n likewise (ExclusiveC14NTransform.c): every SAML signature uses it.
    if (cxs_register_in_place_of(xmlSecTransformExclC14NId, cxs_transform_exc_c14n()) < 0) return;
    if (xmlSecTransformIdsRegister(cxs_transform_rsa_pss_sha256()) < 0) return;
    if (xmlSecTransformIdsRegister(cxs_transform_rsa_pss_sha384()) < 0) return;
    if (xmlSecTransformIdsRegister(cxs_transform_rsa_pss_sha512()) < 0) return;
    cxs_init_result = 0;
}

int cxs_initialize(void) {
    pthread_once(&cxs_once, cxs_do_initialize);
    return cxs_init_result;
}

void cxs_quiet_current_thread(void) {
    xmlSetGenericErrorFunc(NULL, cxs_silent_generic);
    xmlSetStructuredErrorFunc(NULL, cxs_silent_structured);
}

/* ---------- hardened parse ---------- */

// Called by libxml2 as soon as it reads `<!DOCTYPE name ...`, before the internal
// subset (entity declarations) is parsed: nothing of a DTD is ever processed.
static void cxs_reject_internal_subset(void *ctx, const xmlChar *name,
                                       const xmlChar *externalID, const xmlChar *systemID) {
    (void)name; (void)externalID; (void)systemID;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    ctxt->_private = (void *)1;
    xmlStopParser(ctxt);
}

cxs_parse_result cxs_parse_hardened(const char *bytes, int len, xmlDocPtr *out) {
    *out = NULL;
    if (bytes == NULL || len <= 0) return CXS_PARSE_MALFORMED;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) return CXS_PARSE_MALFORMED;
    ctxt->sax->internalSubset = cxs_reject_internal_subset;
    ctxt->sax->externalSubset = NULL;
    ctxt->_private = NULL;
    // Deliberately absent: XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD,
    // XML_PARSE_DTDATTR, XML_PARSE_DTDVALID, XML_PARSE_XINCLUDE, XML_PARSE_HUGE
    // (keeps libxml2's own depth/size limits), XML_PARSE_NOBLANKS (would change
    // what was signed).
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, len, NULL, NULL, options);
    int sawDoctype = ctxt->_private != NULL;
    xmlFreeParserCtxt(ctxt);
    if (sawDoctype) {
        if (doc) xmlFreeDoc(doc);
        return CXS_PARSE_DOCTYPE;
    }
    if (doc == NULL) return CXS_PARSE_MALFORMED;
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        return CXS_PARSE_DOCTYPE;
    }
    if (doc->ids != NULL) {
        xmlFreeDoc(doc);
        return CXS_PARSE_XMLID;
    }
    *out = doc;
    return CXS_PARSE_OK;
}

/* ---------- signature verification ---------- */

static int cxs_enable_transforms(xmlSecDSigCtxPtr ctx, int allowSHA1) {
    // Reference: enveloped + canonicalisation + digest. XPath, XSLT, base64 and
    // comment-preserving c14n are never enabled.
    xmlSecTransformId referenceIds[] = {
        xmlSecTransformEnvelopedId, cxs_transform_exc_c14n(), xmlSecTransformInclC14NId,
        xmlSecTransformInclC14N11Id,
        xmlSecOpenSSLTransformSha256Id, xmlSecOpenSSLTransformSha384Id, xmlSecOpenSSLTransformSha512Id,
    };
    for (size_t i = 0; i < sizeof(referenceIds) / sizeof(referenceIds[0]); i++) {
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, referenceIds[i]) < 0) return -1;
    }
    xmlSecTransformId signatureIds[] = {
        cxs_transform_exc_c14n(), xmlSecTransformInclC14NId, xmlSecTransformInclC14N11Id,
        // RSA through our klasses (RSASignatureTransforms.c), ECDSA through xmlsec's.
        cxs_transform_rsa_pkcs1_sha256(), cxs_transform_rsa_pkcs1_sha384(), cxs_transform_rsa_pkcs1_sha512(),
        cxs_transform_rsa_pss_sha256(), cxs_transform_rsa_pss_sha384(), cxs_transform_rsa_pss_sha512(),
        xmlSecOpenSSLTransformEcdsaSha256Id, xmlSecOpenSSLTransformEcdsaSha384Id, xmlSecOpenSSLTransformEcdsaSha512Id,
    };
    for (size_t i = 0; i < sizeof(signatureIds) / sizeof(signatureIds[0]); i++) {
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, signatureIds[i]) < 0) return -1;
    }
    if (allowSHA1) {
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecOpenSSLTransformSha1Id) < 0) return -1;
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecOpenSSLTransformRsaSha1Id) < 0) return -1;
    }
    return 0;
}

cxs_verify_result cxs_verify_signature(xmlNodePtr signature, xmlSecKeyPtr key, int allowSHA1,
                                       const char *expectedURI) {
    if (signature == NULL || key == NULL || expectedURI == NULL) return CXS_VERIFY_ERROR;
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);   // no keys manager: KeyInfo can never supply a key
    if (ctx == NULL) return CXS_VERIFY_ERROR;
    cxs_verify_result result = CXS_VERIFY_ERROR;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    if (cxs_enable_transforms(ctx, allowSHA1) < 0) goto done;

    ctx->signKey = key;     // borrowed
    int rc = xmlSecDSigCtxVerify(ctx, signature);
    if (rc < 0) goto done;
    if (ctx->status != xmlSecDSigStatusSucceeded) { result = CXS_VERIFY_INVALID; goto done; }
    if (xmlSecPtrListGetSize(&(ctx->signedInfoReferences)) != 1) { result = CXS_VERIFY_REFERENCE; goto done; }
    xmlSecDSigReferenceCtxPtr ref = (xmlSecDSigReferenceCtxPtr)xmlSecPtrListGetItem(&(ctx->signedInfoReferences), 0);
    if (ref == NULL || ref->status != xmlSecDSigStatusSucceeded) { result = CXS_VERIFY_INVALID; goto done; }
    if (ref->uri == NULL || strcmp((const char *)ref->uri, expectedURI) != 0) { result = CXS_VERIFY_REFERENCE; goto done; }
    result = CXS_VERIFY_OK;
done:
    ctx->signKey = NULL;    // give the borrowed key back before Destroy would free it
    xmlSecDSigCtxDestroy(ctx);
    return result;
}

int cxs_sign_signature(xmlNodePtr signature, xmlSecKeyPtr key) {
    if (signature == NULL || key == NULL) return -1;
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) return -1;
    ctx->signKey = key;
    int rc = xmlSecDSigCtxSign(ctx, signature);
    ctx->signKey = NULL;
    xmlSecDSigCtxDestroy(ctx);
    return rc < 0 ? -1 : 0;
}

/* ---------- keys ---------- */

xmlSecKeyPtr cxs_key_from_certificate_der(const unsigned char *der, int len) {
    if (der == NULL || len <= 0) return NULL;
    return xmlSecOpenSSLAppKeyLoadMemory(der, (xmlSecSize)len, xmlSecKeyDataFormatCertDer, NULL, NULL, NULL);
}

xmlSecKeyPtr cxs_key_from_private_pem_file(const char *path) {
    if (path == NULL) return NULL;
    return xmlSecOpenSSLAppKeyLoad(path, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
}

void cxs_key_destroy(xmlSecKeyPtr key) {
    if (key != NULL) xmlSecKeyDestroy(key);
}

void cxs_sha256(const unsigned char *bytes, size_t len, unsigned char *out) {
    unsigned int outLen = 32;
    EVP_Digest(bytes, len, out, &outLen, EVP_sha256(), NULL);
}

int cxs_certificate_check(const unsigned char *der, int len) {
    if (der == NULL || len <= 0) return 1;
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, len);
    if (cert == NULL) return 1;
    int result = 1;
    if (p != der + len) goto done;   // trailing garbage after the certificate
    EVP_PKEY *pkey = X509_get0_pubkey(cert);
    if (pkey == NULL) goto done;
    int bits = EVP_PKEY_get_bits(pkey);
    int type = EVP_PKEY_get_base_id(pkey);
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) result = bits >= 2048 ? 0 : 2;
    else if (type == EVP_PKEY_EC) result = bits >= 256 ? 0 : 2;
    else result = 2;
done:
    X509_free(cert);
    return result;
}

/* ---------- development identity ---------- */

int cxs_generate_self_signed(const char *keyPath, const char *certPath, const char *commonName, int days) {
    int result = -1;
    EVP_PKEY *pkey = EVP_RSA_gen(2048);
    X509 *cert = X509_new();
    FILE *kf = NULL, *cf = NULL;
    if (pkey == NULL || cert == NULL) goto done;
    X509_set_version(cert, 2);
    ASN1_INTEGER *serial = X509_get_serialNumber(cert);
    BIGNUM *bn = BN_new();
    if (bn == NULL || !BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) || !BN_to_ASN1_INTEGER(bn, serial)) {
        BN_free(bn);
        goto done;
    }
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400L);
    X509_set_pubkey(cert, pkey);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)commonName, -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, pkey, EVP_sha256()) == 0) goto done;

    int kfd = open(keyPath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (kfd < 0) goto done;
    kf = fdopen(kfd, "w");
    if (kf == NULL) { close(kfd); goto done; }
    if (!PEM_write_PrivateKey(kf, pkey, NULL, NULL, 0, NULL, NULL)) goto done;
    cf = fopen(certPath, "w");
    if (cf == NULL) goto done;
    if (!PEM_write_X509(cf, cert)) goto done;
    result = 0;
done:
    if (kf) fclose(kf);
    if (cf) fclose(cf);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    return result;
}

int cxs_certificate_pem_file_to_der(const char *path, unsigned char **out) {
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (cert == NULL) return -1;
    int len = i2d_X509(cert, out);
    X509_free(cert);
    return len;
}
