#!/usr/bin/env bash
# Fetches DuckDB 1.4.4 into .deps/duckdb/: the prebuilt libduckdb.so from
# @duckdb/node-bindings-linux-x64 and the C++ headers from the duckdb npm package. Each tarball is
# checked against its published sha512 integrity before it is unpacked. Nothing here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=.deps/duckdb
STAMP=$DEST/.complete-1.4.4-r.4
[ -f "$STAMP" ] && exit 0

LIB_PKG=@duckdb/node-bindings-linux-x64@1.4.4-r.4
LIB_SHA512=jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA==
HDR_PKG=duckdb@1.4.4
HDR_SHA512=hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog==

source scripts/npm-fetch.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "setup: fetching DuckDB 1.4.4 from the npm registry"
lib_tgz=$(npm_fetch "$LIB_PKG" "$LIB_SHA512" "$work")
hdr_tgz=$(npm_fetch "$HDR_PKG" "$HDR_SHA512" "$work")

rm -rf "$DEST" && mkdir -p "$DEST/lib" "$DEST/include" "$work/lib" "$work/hdr"
tar -xzf "$lib_tgz" -C "$work/lib"
tar -xzf "$hdr_tgz" -C "$work/hdr" package/src/duckdb/src/include
cp "$work/lib/package/libduckdb.so" "$DEST/lib/"
cp -r "$work/hdr/package/src/duckdb/src/include/." "$DEST/include/"
touch "$STAMP"
echo "setup: DuckDB 1.4.4 is in $DEST"
