// RSASSA-PSS SignatureMethod transforms (RSAPSSTransform.c). Private to CXMLSec:
// xmlsec's types never reach Swift.
#pragma once
#include <xmlsec/transforms.h>

#define CXS_HREF_RSA_PSS_SHA256 "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
#define CXS_HREF_RSA_PSS_SHA384 "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
#define CXS_HREF_RSA_PSS_SHA512 "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"

xmlSecTransformId cxs_transform_rsa_pss_sha256(void);
xmlSecTransformId cxs_transform_rsa_pss_sha384(void);
xmlSecTransformId cxs_transform_rsa_pss_sha512(void);
