// RSA SignatureMethod transforms of our own (RSASignatureTransforms.c): PSS, and
// PKCS#1 v1.5 for verification. Private to CXMLSec: xmlsec's types never reach Swift.
#pragma once
#include <xmlsec/transforms.h>

#define CXS_HREF_RSA_PSS_SHA256 "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
#define CXS_HREF_RSA_PSS_SHA384 "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
#define CXS_HREF_RSA_PSS_SHA512 "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
#define CXS_HREF_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define CXS_HREF_RSA_SHA384 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
#define CXS_HREF_RSA_SHA512 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"

xmlSecTransformId cxs_transform_rsa_pss_sha256(void);
xmlSecTransformId cxs_transform_rsa_pss_sha384(void);
xmlSecTransformId cxs_transform_rsa_pss_sha512(void);
xmlSecTransformId cxs_transform_rsa_pkcs1_sha256(void);
xmlSecTransformId cxs_transform_rsa_pkcs1_sha384(void);
xmlSecTransformId cxs_transform_rsa_pkcs1_sha512(void);
