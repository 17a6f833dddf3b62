#!/usr/bin/env bash
# Sets up a Debian 12 machine to build Shoal: Debian packages, then DuckDB 1.4.4 from the npm
# registry (verified against its published integrity). Idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates nodejs npm
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libcpp-httplib-dev
  libsqlite3-dev libcli11-dev libfmt-dev libspdlog-dev libgtest-dev googletest libbenchmark-dev
  libre2-dev
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
