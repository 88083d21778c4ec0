// Exclusive c14n (without comments) as a transform klass of our own
// (ExclusiveC14NTransform.c). Private to CXMLSec: xmlsec's types never reach Swift.
#pragma once
#include <xmlsec/transforms.h>

#define CXS_HREF_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"

xmlSecTransformId cxs_transform_exc_c14n(void);
