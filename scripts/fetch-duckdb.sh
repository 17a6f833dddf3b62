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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME@VERSION EXPECTED_SHA512_BASE64 -> prints the tarball path
  local spec=$1 expected=$2 file actual
  file=$(cd "$work" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)
  [ -n "$file" ] && [ -f "$work/$file" ] || { echo "fetch-duckdb: npm pack $spec failed" >&2; exit 1; }
  actual=$(openssl dgst -sha512 -binary "$work/$file" | base64 -w0)
  if [ "$actual" != "$expected" ]; then
    echo "fetch-duckdb: integrity mismatch for $spec: expected sha512-$expected, got sha512-$actual" >&2
    exit 1
  fi
  echo "$work/$file"
}

echo "setup: fetching DuckDB 1.4.4 from the npm registry"
lib_tgz=$(fetch "$LIB_PKG" "$LIB_SHA512")
hdr_tgz=$(fetch "$HDR_PKG" "$HDR_SHA512")

rm -rf "$DEST" && mkdir -p "$DEST/lib" "$DEST/include" "$work/lib" "$work/hdr"
tar -xzf "$lib_tgz" -C "$work/lib"
tar -xzf "$hdr_tgz" -C "$work/hdr" package/src/duckdb/src/include
cp "$work/lib/package/libduckdb.so" "$DEST/lib/"
cp -r "$work/hdr/package/src/duckdb/src/include/." "$DEST/include/"
touch "$STAMP"
echo "setup: DuckDB 1.4.4 is in $DEST"
