#!/usr/bin/env bash
# Installing Shoal as an operator does (cmake/Install.cmake): `cmake --install` into a prefix that
# is then moved (the binary finds its libduckdb.so through $ORIGIN, with no environment), and the
# .deb that `cpack -G DEB` builds: its Depends, its files, its units, and a one-node cluster run
# from the package's files extracted into a fresh root, answering a job.
#
# Usage: install_test.sh BUILD_DIR (ctest passes the build folder).
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/shoal-install-XXXXXX")
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]+"${pids[@]}"}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $status -eq 0 ]; then rm -rf "$work"; else echo "install_test: kept $work"; fi
}
trap cleanup EXIT
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
expect_contains() {  # TEXT NEEDLE WHAT
  grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not in: $1"
}

# 1. cmake --install into a prefix, then the prefix moved: the binary still runs, env emptied.
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
# systemd's own check of the units (it exits 0 on warnings: any output is a failure here).
units="$work/prefix/lib/systemd/system"
for unit in "$units/shoal-orchestrator.service" "$units/shoal-compute@compute-us-1.service"; do
  verdict=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit: $verdict"
  [ -z "$verdict" ] || fail "systemd-analyze verify $unit: $verdict"
done
mv "$work/prefix" "$work/moved"
version=$(env -i "$work/moved/bin/shoal" --version) || fail "the moved install does not run"
expect_contains "$version" "shoal " "shoal --version"
runpath=$(readelf -d "$work/moved/bin/shoal" | grep -E 'RUNPATH|RPATH')
expect_contains "$runpath" '$ORIGIN/../lib/shoal' "the installed binary's RUNPATH"
if grep -qF "$build" <<<"$runpath" || grep -qF ".deps" <<<"$runpath"; then
  fail "the installed binary's RUNPATH points into the build: $runpath"
fi
resolved=$(env -i ldd "$work/moved/bin/shoal" | awk '/libduckdb/ {print $3}')
[ "$(readlink -f "$resolved")" = "$work/moved/lib/shoal/libduckdb.so" ] ||
  fail "the moved binary loads libduckdb.so from '$resolved'"
for file in lib/systemd/system/shoal-orchestrator.service lib/systemd/system/shoal-compute@.service \
  share/doc/shoal/README.md share/doc/shoal/deployment.md share/doc/shoal/examples/orchestrator.yaml \
  share/doc/shoal/examples/compute-us-1.yaml share/doc/shoal/jobs/data-generator.yaml; do
  [ -f "$work/moved/$file" ] || fail "cmake --install did not install $file"
done
unit=$(cat "$work/moved/lib/systemd/system/shoal-compute@.service")
expect_contains "$unit" "ExecStart=$work/prefix/bin/shoal serve --config /etc/shoal/%i.yaml" \
  "the compute unit's ExecStart (the prefix it was installed with)"

# 2. The Debian package.
(cd "$build" && cpack -G DEB -B "$work/package" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/package/shoal_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for package in adduser libc6 libssl3 libsqlite3-0 libre2-9 libyaml-cpp0.7 libstdc++6; do
  expect_contains "$depends" "$package" "the package's Depends"
done
if grep -q duckdb <<<"$depends"; then fail "Depends names DuckDB, which the package ships: $depends"; fi
contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/shoal ./usr/lib/shoal/libduckdb.so ./usr/lib/systemd/system/shoal-orchestrator.service \
  ./usr/lib/systemd/system/shoal-compute@.service ./usr/share/doc/shoal/examples/orchestrator.yaml; do
  expect_contains "$contents" "$file" "the package's files"
done
dpkg-deb -e "$deb" "$work/control"
[ -x "$work/control/postinst" ] || fail "the package has no postinst"
sh -n "$work/control/postinst"
expect_contains "$(cat "$work/control/postinst")" "adduser --system" "postinst"

# 3. A one-node cluster from the package's files in a fresh root.
root="$work/root"
dpkg-deb -x "$deb" "$root"
shoal="$root/usr/bin/shoal"
expect_contains "$(cat "$root/usr/lib/systemd/system/shoal-orchestrator.service")" \
  "ExecStart=/usr/bin/shoal serve --config /etc/shoal/orchestrator.yaml" "the packaged unit"
version=$(env -i "$shoal" --version) || fail "the packaged binary does not run"
expect_contains "$version" "shoal " "the packaged shoal --version"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/state"
env -i "$shoal" serve --orchestrator --host 127.0.0.1 --port "$port" --data-dir "$work/state/orchestrator" \
  >"$work/orchestrator.log" 2>&1 &
pids+=($!)
env -i "$shoal" serve --compute --orchestrator "127.0.0.1:$port" --name compute-us-1 --labels region=us \
  --data-dir "$work/state/compute-us-1" >"$work/compute.log" 2>&1 &
pids+=($!)
export SHOAL_API_HOST=127.0.0.1 SHOAL_API_PORT=$port
for _ in $(seq 100); do
  if "$shoal" node list 2>/dev/null | grep -q compute-us-1; then break; fi
  sleep 0.2
done
"$shoal" node list | grep -q compute-us-1 ||
  { cat "$work/orchestrator.log" "$work/compute.log"; fail "the node did not join"; }
cat >"$work/answer.yaml" <<'EOF'
Name: answer
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: SELECT 6 * 7 AS answer
EOF
answer=$("$shoal" job run "$work/answer.yaml") || fail "job run failed: $answer"
expect_contains "$answer" "42" "the job's answer"
echo "install_test: ok ($(basename "$deb"), $(du -h "$deb" | cut -f1))"
