#!/usr/bin/env bash
# Sets up a Debian 12 machine to build Shoal: Debian packages, then DuckDB 1.4.4 from the npm
# registry (verified against its published integrity). Idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates nodejs npm
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libcpp-httplib-dev
  libsqlite3-dev libcli11-dev libfmt-dev libspdlog-dev libgtest-dev googletest libbenchmark-dev
  libre2-dev ccache lld
  # the .deb (cpack runs dpkg-shlibdeps, which needs file) and the check of its systemd units
  dpkg-dev file systemd
  # the hosts tests' network namespaces, their rules and probes
  iproute2 nftables python3
  awscli
  chromium-headless-shell
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node and npm may come from outside Debian (as on our build machines); accept any working pair.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for pkg in "${missing[@]}"; do [[ $pkg == nodejs || $pkg == npm ]] || filtered+=("$pkg"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

scripts/fetch-duckdb.sh
scripts/fetch-console-vendor.sh

# npm_install DIR NAME@VERSION CHECK: installs exactly that package into DIR (once: a stamp file
# records it) and fails unless DIR/CHECK then exists.
npm_install() {
  local dir=$1 spec=$2 check=$3
  [ -f "$dir/.complete-$spec" ] && return 0
  echo "setup: installing $spec from the npm registry"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && echo '{"name":"shoal-deps","private":true}' >package.json &&
    npm install --silent --no-audit --no-fund --save-exact "$spec" >/dev/null)
  [ -e "$dir/$check" ] || { echo "setup: $spec install failed" >&2; exit 1; }
  touch "$dir/.complete-$spec"
}

# s3rver: the loopback S3 server the storage tests run against (tests find it through the
# SHOAL_S3RVER compile definition). awscli above ships botocore, the independent SigV4 signer the
# storage tests compare with.
npm_install .deps/s3rver s3rver@3.7.1 node_modules/.bin/s3rver
# puppeteer-core drives Debian's chromium-headless-shell (above) in the console's browser test; it
# never downloads a browser of its own. (25.x needs a newer Node than Debian's.)
npm_install .deps/puppeteer puppeteer-core@24.43.1 node_modules/puppeteer-core/package.json
