#!/bin/sh
# Builds and runs the C floor (xmlsec_floor.c) on a signed response and the
# signer's certificate (DER). Not a SwiftPM target on purpose: a measuring aid.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/xmlsec_floor
cc -O2 -o "$out" "$here/xmlsec_floor.c" $(pkg-config --cflags --libs xmlsec1-openssl)
exec "$out" "$@"
