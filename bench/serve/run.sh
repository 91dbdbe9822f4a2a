#!/usr/bin/env bash
# Serving benchmark: attnrec serve on ML-1M with the default model, driven by
# wrk on the same machine (same cores), one scenario at a time.
#
#   bench/serve/run.sh                      # every scenario
#   bench/serve/run.sh recommend mixed      # some of them
#   ATTNREC_BIN=/path/to/other/attnrec bench/serve/run.sh recommend   # another build
#   BASE=/tmp/m1/store USERS=156000 ITEMS=1000000 USER_PREFIX=u ITEM_PREFIX=m DIGITS=5 READY_SECONDS=600 \
#     SERVE_FLAGS="--item-index exact" bench/serve/run.sh recommend-c1   # another store (a trained one)
#
# Scenarios (64 connections unless the name says otherwise, wrk -t1):
#   recommend            GET /v1/users/{u}/recommendations?k=10, random users, cache warm
#   recommend-nocache    the same with --encoder-cache 0 (every request runs the encoder)
#   recommend-256        recommend with 256 connections
#   recommend-c1, recommend-nocache-c1
#                        one connection: the latency of one request alone
#   recommend-nocache-256
#   paced-64, paced-256  recommend at an offered 10,000 requests/s (RATE) on an
#                        open-loop schedule (recommend.lua): the same load over
#                        64 or 256 connections, for latency against connections
#   mixed                90% recommend, 10% single-event ingest for the same users
#   rank                 POST /v1/rank, 100 random candidates, random stored user
#   search               GET /v1/search, 1-2 title words, personalised for a random user
#   session              POST /v1/recommendations, a 20-item session history
#   ingest-single        POST /v1/events, one event per request (durable: fsync)
#   ingest-batch100      POST /v1/events, 100 events per request
#
# For each: requests/s, p50/p99/p99.9 (wrk's latency, measured from request
# send to full response), non-2xx, the server's CPU (user+sys over the run,
# 100% = one core) and its peak RSS. The store and model are prepared once
# in $WORK/base (import ml-1m.txt, the ML-1M catalog with titles, `attnrec
# train` with its defaults: ~10 minutes) and copied for every run, so runs
# are independent. Skips cleanly when the data set is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="${ATTNREC_BIN:-$root/build/attnrec}"
DATA="${ATTNREC_BENCH_DATA:-$root/../shared/data}"
WORK="${ATTNREC_SERVE_WORK:-/tmp/attnrec_serve}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-8}"
PORT="${PORT:-18080}"
SERVE_FLAGS="${SERVE_FLAGS:-}"   # extra flags for every run (e.g. --item-index exact)
BASE="${BASE:-}"                 # a prepared store to copy instead of $WORK/base
READY_SECONDS="${READY_SECONDS:-30}"  # wait this long for /readyz (HNSW at 1M items builds for minutes)

if [[ -z "$BASE" && ! -f "$DATA/ml-1m.txt" ]]; then
  echo "skip: $DATA/ml-1m.txt not found (set ATTNREC_BENCH_DATA)"; exit 0
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "no binary at $BIN (cmake --build build)" >&2; exit 1; }

prepare() {
  [[ -n "$BASE" ]] && return
  [[ -f "$WORK/base/.ready" ]] && return
  rm -rf "$WORK/base" && mkdir -p "$WORK/base"
  echo "preparing $WORK/base: import + train with the defaults (~10 min)" >&2
  python3 "$here/catalog_from_movielens.py" "$DATA" > "$WORK/catalog.jsonl"
  "$BIN" import --data-dir "$WORK/base" --format jsonl "$WORK/catalog.jsonl" >/dev/null
  "$BIN" import --data-dir "$WORK/base" --format pairs "$DATA/ml-1m.txt" >/dev/null
  "$BIN" train --data-dir "$WORK/base" --quiet >"$WORK/train.log" 2>&1
  touch "$WORK/base/.ready"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# run NAME LUA CONNECTIONS [serve flags...]
run() {
  local name="$1" lua="$2" conns="$3"; shift 3
  rm -rf "$WORK/run" && cp -a "${BASE:-$WORK/base}" "$WORK/run"
  # shellcheck disable=SC2086
  "$BIN" serve --data-dir "$WORK/run" --listen "127.0.0.1:$PORT" --threads 2 $SERVE_FLAGS "$@" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  local pid=$!
  for _ in $(seq 1 $((READY_SECONDS * 10))); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  export BENCH_DIR="$here"
  wrk -t1 -c"$conns" -d"${WARMUP}s" -s "$here/$lua" "http://127.0.0.1:$PORT" >/dev/null
  local t0 c0 t1 c1 hz
  hz=$(getconf CLK_TCK)
  c0=$(cpu_ticks $pid); t0=$(date +%s.%N)
  local out
  out=$(wrk -t1 -c"$conns" -d"${DURATION}s" --latency -s "$here/$lua" "http://127.0.0.1:$PORT" | grep '^{')
  c1=$(cpu_ticks $pid); t1=$(date +%s.%N)
  local rss
  rss=$(peak_rss_mb $pid)
  local threads
  threads=$(ls "/proc/$pid/task" | wc -l)
  kill -INT $pid; wait $pid || true
  local cpu
  cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$hz" 'BEGIN {printf "%.0f", 100 * (b - a) / hz / (e - s)}')
  python3 - "$name" "$conns" "$cpu" "$rss" "$threads" "$out" <<'PY'
import json, sys
name, conns, cpu, rss, threads, line = sys.argv[1:]
r = json.loads(line)
print(f"| {name} | {conns} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
      f"{r['p999_ms']:.2f} | {r['non2xx'] + r['socket_errors']} | {cpu}% | {rss} MB | {threads} |")
PY
}

prepare
scenarios=("$@")
if ((${#scenarios[@]} == 0)); then
  scenarios=(recommend recommend-nocache recommend-256 recommend-nocache-256 paced-64 paced-256 mixed rank search session
             ingest-single ingest-batch100)
fi
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $BIN"
echo "| scenario | conns | requests/s | p50 ms | p99 ms | p99.9 ms | non-2xx | server CPU | peak RSS | threads |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
  case "$s" in
    recommend) run "$s" recommend.lua 64 ;;
    recommend-nocache) run "$s" recommend.lua 64 --encoder-cache 0 ;;
    recommend-256) run "$s" recommend.lua 256 ;;
    recommend-c1) run "$s" recommend.lua 1 ;;
    recommend-nocache-c1) run "$s" recommend.lua 1 --encoder-cache 0 ;;
    recommend-nocache-256) run "$s" recommend.lua 256 --encoder-cache 0 ;;
    paced-64) RATE="${RATE:-10000}" run "$s" recommend.lua 64 ;;
    paced-256) RATE="${RATE:-10000}" run "$s" recommend.lua 256 ;;
    mixed) run "$s" mixed.lua 64 ;;
    rank) run "$s" rank.lua 64 ;;
    search) run "$s" search.lua 64 ;;
    session) run "$s" session.lua 64 ;;
    ingest-single) BATCH=1 run "$s" ingest.lua 64 ;;
    ingest-batch100) BATCH=100 run "$s" ingest.lua 64 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
