/* The C floor for `SAMLBenchmark.validateOnly`: libxml2 parse + xmlsec verify of
 * one signed samlp:Response, timed two ways on the same machine in one run:
 *   (a) the verification key loaded once and BORROWED (dsigCtx->signKey set,
 *       cleared before destroy), and
 *   (b) the key loaded from the certificate DER for every document.
 * Only the bare minimum per document: parse, register the two IDs, find the
 * Assertion's ds:Signature, verify. No SAML profile checks.
 * Build and run: Tests/SAMLTests/Bench/run-floor.sh RESPONSE.xml CERT.der */
#include <xmlsec/xmlsec.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CXMLSec.h"

static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); *len = ftell(f); fseek(f, 0, SEEK_SET);
    char *b = malloc(*len);
    if (fread(b, 1, *len, f) != (size_t)*len) { fclose(f); free(b); return NULL; }
    fclose(f);
    return b;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void quiet(void *c, const char *m, ...) { (void)c; (void)m; }
static void quietSec(const char *a, int b, const char *c, const char *d, const char *e, int f, const char *g) {
    (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g;
}

/* Returns 1 when the document verifies. key == NULL: load it from der per document.
 * The per-document work is cxs_floor_verify (Sources/CXMLSec/VerifyFloor.c), the
 * same function `broker bench` runs in-process, compiled in here by run-floor.sh. */
static int verifyOne(const char *xml, int len, xmlSecKeyPtr key, const unsigned char *der, int derLen) {
    if (key) return cxs_floor_verify(xml, len, key);
    xmlSecKeyPtr owned = xmlSecCryptoAppKeyLoadMemory(der, derLen, xmlSecKeyDataFormatCertDer, NULL, NULL, NULL);
    int ok = owned ? cxs_floor_verify(xml, len, owned) : 0;
    if (owned) xmlSecKeyDestroy(owned);
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s response.xml cert.der [iterations [a|b]]\n", argv[0]); return 2; }
    int n = argc > 3 ? atoi(argv[3]) : 20000;
    long xlen, dlen;
    char *xml = slurp(argv[1], &xlen);
    unsigned char *der = (unsigned char *)slurp(argv[2], &dlen);
    if (!xml || !der) { fprintf(stderr, "cannot read inputs\n"); return 2; }
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet);
    if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) return 1;
    xmlSecErrorsSetCallback(quietSec);
    xmlSecKeyPtr shared = xmlSecCryptoAppKeyLoadMemory(der, dlen, xmlSecKeyDataFormatCertDer, NULL, NULL, NULL);
    if (!shared) { fprintf(stderr, "cannot load certificate\n"); return 1; }
    printf("document: %ld bytes\n", xlen);

    /* optional 4th argument "a" or "b": run one mode only (for profilers) */
    const char *only = argc > 4 ? argv[4] : "";
    for (int mode = 0; mode < 2; mode++) {
        if ((only[0] == 'a' && mode != 0) || (only[0] == 'b' && mode != 1)) continue;
        xmlSecKeyPtr key = mode == 0 ? shared : NULL;
        if (!verifyOne(xml, (int)xlen, key, der, (int)dlen)) { fprintf(stderr, "does not verify\n"); return 1; }
        double t0 = now();
        int good = 0;
        for (int i = 0; i < n; i++) good += verifyOne(xml, (int)xlen, key, der, (int)dlen);
        double dt = now() - t0;
        printf("%s: %.0f verifications/s (CPU time, %d/%d ok)\n",
               mode == 0 ? "(a) key loaded once, borrowed" : "(b) key loaded per document", n / dt, good, n);
    }
    xmlSecKeyDestroy(shared);
    return 0;
}
