#!/usr/bin/env bash
# Runs one libFuzzer target for a while, as its ctest: new inputs go to WORK/corpus, crashes,
# leaks and hangs to WORK/ (named crash-*, leak-*, timeout-*), never into the repository.
# Usage: run_fuzzer.sh FUZZER SECONDS WORK DICT CORPUS [REGRESSIONS]
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3 dict=$4
shift 4
mkdir -p "$work/corpus"
dirs=()
for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -max_len=8192
       -print_final_stats=1 -artifact_prefix="$work/")
[ -f "$dict" ] && flags+=(-dict="$dict")
exec "$fuzzer" "${flags[@]}" "$work/corpus" "${dirs[@]}"
