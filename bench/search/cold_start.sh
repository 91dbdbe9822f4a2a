#!/usr/bin/env bash
# Search index cold start: how long `attnrec serve` takes, from exec to
# `listening on`, on a store holding an N-item catalog (default 100,000
# synthetic items from `attnrec demo-data`). The start loads the catalog from
# RocksDB and rebuilds the inverted index over title, text and tags before it
# listens, so this is the time until a new process can answer a search.
#
# usage: bench/search/cold_start.sh [ITEMS] [RUNS]     (defaults 100000, 3)
# env:   ATTNREC_BIN (default build/attnrec)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
items="${1:-100000}"
runs="${2:-3}"
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)"; exit 1; }
work="$(mktemp -d /tmp/attnrec_cold_start.XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$bin" demo-data --out "$work/data" --items "$items" --users 100 --seed 7 > /dev/null 2>&1
"$bin" import --data-dir "$work/store" --format jsonl "$work/data/items.jsonl" > /dev/null 2>&1
echo "== $(date -u '+%F %T UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg); catalog: $(wc -l < "$work/data/items.jsonl") items"

for run in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$bin" serve --data-dir "$work/store" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
  pid=$!
  until grep -q "listening on" "$work/serve.out" "$work/serve.err" 2> /dev/null; do
    kill -0 "$pid" 2> /dev/null || { echo "error: serve exited"; cat "$work/serve.err"; exit 1; }
    sleep 0.01
  done
  end=$(date +%s.%N)
  addr=$(grep -ho "listening on [0-9.:]*" "$work/serve.out" "$work/serve.err" | head -1 | cut -d' ' -f3)
  # The first search proves the index is there, not just the socket.
  hits=$(curl -s "http://$addr/v1/search?q=dragon&k=5" | grep -o '"id"' | wc -l)
  kill -TERM "$pid"
  wait "$pid" || true
  printf 'run %d: %.2f s to listening; first search (q=dragon) returned %d items\n' \
    "$run" "$(echo "$end - $start" | bc)" "$hits"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
