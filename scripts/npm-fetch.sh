# Sourced by the fetch-*.sh scripts: npm_fetch NAME@VERSION SHA512_BASE64 DIR packs one package
# from the npm registry into DIR, checks the tarball against its published sha512 integrity and
# prints the tarball's path; it exits with a message naming the package on any failure.
npm_fetch() {
  local spec=$1 expected=$2 dir=$3 file actual
  file=$(cd "$dir" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)
  [ -n "$file" ] && [ -f "$dir/$file" ] || { echo "setup: npm pack $spec failed" >&2; exit 1; }
  actual=$(openssl dgst -sha512 -binary "$dir/$file" | base64 -w0)
  if [ "$actual" != "$expected" ]; then
    echo "setup: integrity mismatch for $spec: expected sha512-$expected, got sha512-$actual" >&2
    exit 1
  fi
  echo "$dir/$file"
}
