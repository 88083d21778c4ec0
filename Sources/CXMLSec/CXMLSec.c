#include "CXMLSec.h"
