#!/usr/bin/env bash
# Fetches the web console's one vendored library into .deps/console/: htm 3.1.1's
# preact/standalone.module.js (Preact, its hooks and htm in one 13 KB ES module, no bare imports)
# and its licence, from the npm registry. The tarball is checked against its published sha512
# integrity before it is unpacked. The build embeds the file into the shoal binary.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=.deps/console
STAMP=$DEST/.complete-htm-3.1.1
[ -f "$STAMP" ] && exit 0

PKG=htm@3.1.1
SHA512=983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ==

source scripts/npm-fetch.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "setup: fetching $PKG (the console's Preact + htm) from the npm registry"
tgz=$(npm_fetch "$PKG" "$SHA512" "$work")
tar -xzf "$tgz" -C "$work" package/preact/standalone.module.js package/LICENSE
rm -rf "$DEST" && mkdir -p "$DEST"
cp "$work/package/preact/standalone.module.js" "$DEST/preact-htm.js"
cp "$work/package/LICENSE" "$DEST/LICENSE-htm-preact.txt"
touch "$STAMP"
echo "setup: the console's Preact + htm is in $DEST"
