/* The C floor `broker bench` prints beside validate-only, in the same run: the
 * bare libxml2 + libxmlsec1 work for one signed response, as
 * Tests/SAMLTests/Bench/xmlsec_floor.c does it (parse, register the two IDs, find
 * the Assertion's ds:Signature, verify with the key loaded once and borrowed) —
 * no SAML profile checks, no hardening, no base64. */
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <libxml/parser.h>
#include <libxml/valid.h>
#include "CXMLSec.h"

static void cxs_floor_register_id(xmlDocPtr doc, xmlNodePtr n) {
    xmlAttrPtr a = xmlHasProp(n, BAD_CAST "ID");
    xmlChar *v = xmlGetProp(n, BAD_CAST "ID");
    if (a && v) xmlAddID(NULL, doc, v, a);
    xmlFree(v);
}

int cxs_floor_verify(const char *xml, int len, xmlSecKeyPtr key) {
    if (xml == NULL || len <= 0 || key == NULL) return 0;
    xmlDocPtr doc = xmlReadMemory(xml, len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) return 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr assertion = root ? xmlSecFindChild(root, BAD_CAST "Assertion", BAD_CAST "urn:oasis:names:tc:SAML:2.0:assertion") : NULL;
    int ok = 0;
    if (assertion) {
        cxs_floor_register_id(doc, root);
        cxs_floor_register_id(doc, assertion);
        xmlNodePtr sig = xmlSecFindChild(assertion, xmlSecNodeSignature, xmlSecDSigNs);
        xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
        if (ctx) {
            ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
            ctx->signKey = key;
            if (sig && xmlSecDSigCtxVerify(ctx, sig) == 0 && ctx->status == xmlSecDSigStatusSucceeded) ok = 1;
            ctx->signKey = NULL;
            xmlSecDSigCtxDestroy(ctx);
        }
    }
    xmlFreeDoc(doc);
    return ok;
}
