#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and on the first
# run loads the demo data set into the embedded store (./var by default) and
# trains a model on it (about 2 minutes); then starts the service.
# Environment: ATTNREC_DATA_DIR, ATTNREC_LISTEN, ATTNREC_THREADS,
# ATTNREC_DEMO_TRAIN_MINUTES (default 2).
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
if [ ! -e "$data_dir/.demo-trained" ]; then
  echo "Training a model on the demo data (${ATTNREC_DEMO_TRAIN_MINUTES:-2} minutes) ..." >&2
  ./build/attnrec train --data-dir "$data_dir" --max-minutes "${ATTNREC_DEMO_TRAIN_MINUTES:-2}" --quiet
  touch "$data_dir/.demo-trained"
fi
exec ./build/attnrec serve --data-dir "$data_dir" --listen "$listen"
