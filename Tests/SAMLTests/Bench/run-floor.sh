#!/bin/sh
# Builds and runs the C floor (xmlsec_floor.c + Sources/CXMLSec/VerifyFloor.c) on a signed response and the
# signer's certificate (DER). Not a SwiftPM target on purpose: a measuring aid.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/xmlsec_floor
src=$here/../../../Sources/CXMLSec
cc -O2 -I"$src/include" -o "$out" "$here/xmlsec_floor.c" "$src/VerifyFloor.c" $(pkg-config --cflags --libs xmlsec1-openssl)
exec "$out" "$@"
