#!/usr/bin/env bash
# `make demo`: the seed's quick start, end to end, on a multi-region devstack on this machine.
#
# Starts `shoal devstack` (an orchestrator, 3 US and 3 EU compute nodes, one store per region),
# generates a year of US and EU transactions with jobs/data-generator.yaml (an ops job: every
# node of the region writes its own data into its region's store), runs jobs/monthly-trends.yaml
# on the US nodes and prints the table, compacts both regions into Parquet (shoal table compact)
# and asks one question of both regions with shoal query. The devstack is stopped on exit,
# whatever happens. The CLI authenticates with the client token the devstack writes to
# $DEMO_DIR/client.token.
# With STORAGE=s3 each store is a real S3 server (npm's s3rver, one per region and a global one)
# instead of a folder; the job files are the same.
#
# Usage: scripts/demo.sh [SHOAL_BINARY] [DEMO_DIR] [folder|s3]
set -euo pipefail

shoal=${1:-build/shoal}
demo_dir=${2:-demo-data}
storage=${3:-folder}
jobs_dir=$(cd "$(dirname "$0")/../jobs" && pwd)

rm -rf "$demo_dir"
mkdir -p "$demo_dir"
log="$demo_dir/devstack.log"

"$shoal" devstack --dir "$demo_dir" --port 0 --storage "$storage" >"$log" 2>&1 &
devstack_pid=$!
stop_devstack() {
  if kill -0 "$devstack_pid" 2>/dev/null; then
    kill -INT "$devstack_pid"
    wait "$devstack_pid" || true
  fi
}
trap stop_devstack EXIT

# The devstack prints "orchestrator on 127.0.0.1:PORT" once its nodes have registered, and the
# file holding the API's client token ("export SHOAL_API_TOKEN_FILE=...").
port=""
token_file=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*orchestrator on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)
  token_file=$(sed -n 's/^ *export SHOAL_API_TOKEN_FILE=\(.*\)$/\1/p' "$log" | head -n 1)
  [ -n "$port" ] && [ -n "$token_file" ] && break
  if ! kill -0 "$devstack_pid" 2>/dev/null; then
    echo "demo: shoal devstack exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ] || [ -z "$token_file" ]; then
  echo "demo: shoal devstack did not start within 30 s; its log:" >&2
  cat "$log" >&2
  exit 1
fi
export SHOAL_API_HOST=127.0.0.1 SHOAL_API_PORT=$port SHOAL_API_TOKEN_FILE=$token_file

echo "== A devstack on 127.0.0.1:$port: an orchestrator and compute nodes in two regions"
"$shoal" node list
echo

for region in us eu; do
  echo "== Generating a year of $region transactions on every $region node (jobs/data-generator.yaml)"
  "$shoal" job run "$jobs_dir/data-generator.yaml" -V Region="$region" -V Events=3000 \
    -V StartDate=2024-01-01 -V EndDate=2024-12-31 -V RotateInterval=month
  echo
done

echo "== Monthly trends for the US, as 3 partitions on the US nodes (jobs/monthly-trends.yaml)"
"$shoal" job run "$jobs_dir/monthly-trends.yaml" -V Region=us --merge
echo
if [ "$storage" = s3 ]; then
  us_store=$(sed -n 's/^  us: \(http:[^ ]*\).*/\1/p' "$log")
  echo "== The same files, read straight from the US S3 store ($us_store) with shoal sql"
  DUCKDB_S3_ENDPOINT=$us_store AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
    "$shoal" sql -c "SELECT count(*) AS files, sum(n) AS events FROM (SELECT filename, count(*) AS n
      FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl', filename = true) GROUP BY 1)"
  echo
  echo "The data never left its region: each region's store is its own S3 server (see $log)."
else
  echo "The data never left its region: each region's store is a folder under $demo_dir/storage/."
fi
echo
echo "== Compacting each region's JSONL into Hive-partitioned Parquet, next to the data"
echo "   (shoal table compact: one job per region; the landing files stay, each converted once)"
"$shoal" table compact transactions
echo
echo "== One question over both regions: shoal query plans it into exact partial aggregates that"
echo "   run next to the data in each region (now over Parquet), merges them, and says what left"
echo "   each region"
"$shoal" query "SELECT product_category, count(*) AS orders,
                       sum(total_amount)::DECIMAL(18, 2) AS revenue,
                       avg(total_amount)::DECIMAL(10, 2) AS avg_order
                FROM transactions GROUP BY ALL ORDER BY revenue DESC"
echo
echo "Try the other jobs in jobs/ the same way, and shoal query --explain (see README.md)."
