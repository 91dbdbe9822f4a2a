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
#   serve     attnrec serve with --item-index exact, then hnsw: time to ready
#             (the index build), wrk latency with 1 and 8 connections, recall@10
#             of the served HNSW lists against the exact ones for SAMPLE users,
#             and a model activation (an index rebuild) under 8 connections:
#             its duration and the requests answered meanwhile
#   popularity  the popularity ranking under the trained model's test protocol
# Serving latency over HTTP is bench/serve/run.sh on the trained store:
#   BASE=$WORK/store USERS=156000 ITEMS=1000000 USER_PREFIX=u ITEM_PREFIX=m DIGITS=5 \
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
  serve_start exact
  local rss
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -INT $pid; wait $pid || true
  python3 - "$rss" "$WORK/import.json" <<'PY'
import json, sys
rss_kb, path = sys.argv[1:]
s = json.load(open(path))["store"]
rss = int(rss_kb) * 1024
print(f"  resident {rss / 2**20:.0f} MB with the exact index: "
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
keep = {f"u{i:05d}" for i in range(1, n + 1)}  # the demo's user ids
for line in open(path):
    i = line.find('"user":"') + 8
    if line[i:line.find('"', i)] in keep:
        e = json.loads(line)
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

# serve_start KIND: attnrec serve on a copy of the store with --item-index
# KIND; waits for /readyz and prints the time to ready (the index build
# included). Sets $pid and $port.
serve_start() {
  local kind="$1" start
  port=18191
  rm -rf "$WORK/run" && cp -a "$WORK/store" "$WORK/run"
  start=$(date +%s.%N)
  "$BIN" serve --data-dir "$WORK/run" --listen "127.0.0.1:$port" --threads 2 --item-index "$kind" \
    >"$WORK/serve-$kind.out" 2>"$WORK/serve-$kind.err" &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "serve exited" >&2; cat "$WORK/serve-$kind.err" >&2; exit 1; }
    sleep 0.5
  done
  awk -v s="$start" -v e="$(date +%s.%N)" -v k="$kind" 'BEGIN {printf "  %s: ready after %.0f s\n", k, e - s}'
}

# wrk_run CONNS SECONDS: recommendations for random users; prints the JSON line.
wrk_run() {
  USERS=156000 ITEMS=1000000 USER_PREFIX=u ITEM_PREFIX=m DIGITS=5 BENCH_DIR="$root/bench/serve" \
    wrk -t1 -c"$1" -d"$2s" --latency -s "$root/bench/serve/recommend.lua" "http://127.0.0.1:$port" | grep '^{'
}

# fetch KIND: the top 10 of the first SAMPLE users, one request at a time.
fetch() {
  for i in $(seq 1 "$SAMPLE"); do
    printf 'u%05d\t' "$i"
    curl -sf "http://127.0.0.1:$port/v1/users/$(printf 'u%05d' "$i")/recommendations?k=10" |
      python3 -c 'import json, sys; print(" ".join(x["id"] for x in json.load(sys.stdin)["items"]))'
  done >"$WORK/served-$1.out"
}

serve() {
  echo "serve (load $(cut -d' ' -f1-3 /proc/loadavg))"
  [[ -f "$WORK/store/.imported" ]] || { echo "no store: run the import step" >&2; exit 1; }
  serve_start exact
  wrk_run 1 5 >/dev/null
  echo "  exact, 1 connection: $(wrk_run 1 20)"
  fetch exact
  kill -INT $pid; wait $pid || true

  serve_start hnsw
  wrk_run 1 5 >/dev/null
  echo "  hnsw, 1 connection: $(wrk_run 1 20)"
  echo "  hnsw, 8 connections: $(wrk_run 8 20)"
  fetch hnsw
  python3 - "$WORK/served-exact.out" "$WORK/served-hnsw.out" <<'PY'
import sys
def lists(path):
    return {p[0]: p[1:] for p in (l.split() for l in open(path)) if p}
exact, hnsw = lists(sys.argv[1]), lists(sys.argv[2])
hits = sum(len(set(v) & set(hnsw.get(u, []))) for u, v in exact.items())
total = sum(len(v) for v in exact.values())
print(f"  recall@10 of the served HNSW lists against exact: {hits / max(total, 1):.4f} ({len(exact)} users)")
PY
  # A model swap rebuilds the index while requests go on: the live version is
  # activated again (a new load and build) under 8 connections of load.
  local version
  version=$(curl -sf "http://127.0.0.1:$port/v1/models" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["active"])')
  local t0 wrk_pid
  wrk_run 8 600 >"$WORK/swap-wrk.json" &
  wrk_pid=$!
  sleep 5
  t0=$(date +%s.%N)
  local code
  code=$(curl -s -o "$WORK/swap-activate.json" -w '%{http_code}' -XPOST "http://127.0.0.1:$port/v1/models/$version/activate")
  awk -v s="$t0" -v e="$(date +%s.%N)" -v c="$code" -v v="$version" \
    'BEGIN {printf "  activating %s again (index rebuilt): %s after %.0f s\n", v, c, e - s}'
  sleep 5
  # SIGINT to wrk itself (it runs in the pipeline of a background subshell).
  pkill -INT -P "$wrk_pid" -x wrk || true
  wait $wrk_pid || true
  echo "  requests during the swap (8 connections): $(cat "$WORK/swap-wrk.json")"
  kill -INT $pid; wait $pid || true
}

popularity() {
  echo "popularity (the baseline the model must beat)"
  # The trained model's test protocol: each user's last item is the target,
  # everything before it the history (excluded from the ranking); items
  # ranked by their count in the training parts (all but the last two items
  # of every user); ties count against the target.
  python3 "$here/../popularity.py" "$WORK/data/events.jsonl" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print("  popularity, full ranking, %d users: NDCG@10 %.4f, HR@10 %.4f" % (r["users"], r["ndcg@10"], r["hr@10"]))'
}

steps=("$@")
((${#steps[@]})) || steps=(generate import train idle recall serve popularity)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $BIN, $WORK"
for s in "${steps[@]}"; do
  case "$s" in
    generate) generate ;;
    import) import_store ;;
    train) train ;;
    idle) idle ;;
    recall) recall ;;
    popularity) popularity ;;
    serve) serve ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done
