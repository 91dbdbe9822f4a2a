#!/usr/bin/env bash
# The million-item catalog (issue 11, item 7), step by step; each step keeps
# its output in $WORK and is skipped when that output exists, so a long run
# can be resumed and single steps re-run (delete their output first).
#
#   bench/million/run.sh                 # every step
#   bench/million/run.sh recall          # some of them, in the order given
#
# Steps:
#   generate  attnrec demo-data: 1,000,000 items, 156,000 users, ~10.2 M
#             events (deterministic, --seed 1); time and peak RSS
#   import    attnrec import --format jsonl of both files; time, store size
#   train     attnrec train --data-dir with the defaults and a budget of
#             $TRAIN_MINUTES minutes (the default 25 leaves room in the
#             30-minute target for loading the store and validating)
#   idle      attnrec serve with no traffic: start-up time, resident memory
#             per catalog item and per user
#   recall    recommendations for $SAMPLE users through `attnrec recommend`
#             with --item-index exact and hnsw (the trained model's real user
#             vectors); recall@10 of HNSW against exact, time of each run
#             (the HNSW build included)
# Serving latency over HTTP is bench/serve/run.sh on the trained store:
#   BASE=$WORK/store USERS=156000 ITEMS=1000000 USER_PREFIX=u ITEM_PREFIX=m \
#     READY_SECONDS=900 SERVE_FLAGS="--item-index exact" bench/serve/run.sh recommend-c1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="${ATTNREC_BIN:-$root/build/attnrec}"
WORK="${WORK:-/tmp/attnrec_million}"
TRAIN_MINUTES="${TRAIN_MINUTES:-25}"
SAMPLE="${SAMPLE:-1000}"
[[ -x "$BIN" ]] || { echo "no binary at $BIN (cmake --build build)" >&2; exit 1; }
mkdir -p "$WORK"

timed() {  # timed NAME CMD...: runs CMD, keeps GNU time's report in $WORK/NAME.time
  local name="$1"; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$@"
  awk -F': ' '/Elapsed/ {e=$2} /Maximum resident/ {r=$2} END {printf "  wall %s, peak RSS %.0f MB\n", e, r / 1024}' \
    "$WORK/$name.time"
}

generate() {
  [[ -f "$WORK/data/events.jsonl" ]] && return
  echo "generate"
  timed generate "$BIN" demo-data --out "$WORK/data" --items 1000000 --users 156000 --seed 1 >"$WORK/generate.out"
  cat "$WORK/generate.out"
}

import_store() {
  [[ -f "$WORK/store/.imported" ]] && return
  echo "import"
  rm -rf "$WORK/store"
  timed import "$BIN" import --data-dir "$WORK/store" --format jsonl "$WORK/data/items.jsonl" \
    "$WORK/data/events.jsonl" >"$WORK/import.json" 2>"$WORK/import.err"
  cat "$WORK/import.json"
  echo "  store on disk: $(du -sm "$WORK/store" | cut -f1) MB"
  touch "$WORK/store/.imported"
}

train() {
  [[ -f "$WORK/model.bin" ]] && return
  echo "train (budget $TRAIN_MINUTES min; load $(cut -d' ' -f1-3 /proc/loadavg))"
  timed train "$BIN" train --data-dir "$WORK/store" --max-minutes "$TRAIN_MINUTES" --out "$WORK/model.bin" \
    --quiet >"$WORK/train.out" 2>"$WORK/train.err"
  grep -E "^epoch|store:|version|activ" "$WORK/train.err" | tail -8 || true
  cat "$WORK/train.out"
}

idle() {
  echo "idle (load $(cut -d' ' -f1-3 /proc/loadavg))"
  local port=18190 start pid
  start=$(date +%s.%N)
  "$BIN" serve --data-dir "$WORK/store" --listen "127.0.0.1:$port" --threads 2 --item-index exact \
    >"$WORK/idle.out" 2>"$WORK/idle.err" &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "serve exited" >&2; cat "$WORK/idle.err" >&2; exit 1; }
    sleep 0.5
  done
  local ready rss
  ready=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e - s}')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -INT $pid; wait $pid || true
  python3 - "$ready" "$rss" "$WORK/import.json" <<'PY'
import json, sys
ready, rss_kb, path = sys.argv[1:]
s = json.load(open(path))["store"]
rss = int(rss_kb) * 1024
print(f"  ready after {ready} s with the exact index; resident {rss / 2**20:.0f} MB: "
      f"{rss / s['items']:.0f} bytes per catalog item, or {rss / s['users'] / 1024:.1f} KB per user")
PY
}

recall() {
  echo "recall ($SAMPLE users; load $(cut -d' ' -f1-3 /proc/loadavg))"
  [[ -f "$WORK/model.bin" ]] || { echo "no model: run the train step" >&2; exit 1; }
  # The first SAMPLE users' whole histories, in time order, as `user item` pairs.
  python3 - "$WORK/data/events.jsonl" "$SAMPLE" >"$WORK/sample.pairs" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
keep = {f"u{i}" for i in range(1, n + 1)}
for line in open(path):
    e = json.loads(line)
    if e["user"] in keep:
        print(e["user"], e["item"])
PY
  for kind in exact hnsw; do
    echo " $kind"
    timed "recommend-$kind" "$BIN" recommend --model "$WORK/model.bin" --input "$WORK/sample.pairs" --k 10 \
      --item-index "$kind" >"$WORK/recommend-$kind.out"
  done
  python3 - "$WORK/recommend-exact.out" "$WORK/recommend-hnsw.out" <<'PY'
import sys
def lists(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if parts:
            out[parts[0]] = parts[1:]
    return out
exact, hnsw = lists(sys.argv[1]), lists(sys.argv[2])
hits = sum(len(set(v[:10]) & set(hnsw.get(u, [])[:10])) for u, v in exact.items())
total = sum(min(10, len(v)) for v in exact.values())
print(f"  recall@10 of hnsw against exact: {hits / max(total, 1):.4f} over {len(exact)} users")
PY
}

steps=("$@")
((${#steps[@]})) || steps=(generate import train idle recall)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $BIN, $WORK"
for s in "${steps[@]}"; do
  case "$s" in
    generate) generate ;;
    import) import_store ;;
    train) train ;;
    idle) idle ;;
    recall) recall ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done
