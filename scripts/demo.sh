#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, loads the demo
# data set into the embedded store (./var by default) on first run, and starts
# the service. Environment: ATTNREC_DATA_DIR, ATTNREC_LISTEN, ATTNREC_THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh default

data_dir="${ATTNREC_DATA_DIR:-./var}"
listen="${ATTNREC_LISTEN:-127.0.0.1:8080}"
if [ ! -e "$data_dir/.demo-loaded" ]; then
  echo "Generating and importing the demo data set into $data_dir ..." >&2
  mkdir -p "$data_dir"
  ./build/attnrec demo-data --out "$data_dir/demo" --seed 42
  ./build/attnrec import --data-dir "$data_dir" --format jsonl "$data_dir/demo/items.jsonl" "$data_dir/demo/events.jsonl"
  touch "$data_dir/.demo-loaded"
fi
exec ./build/attnrec serve --data-dir "$data_dir" --listen "$listen"
