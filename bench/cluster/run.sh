#!/usr/bin/env bash
# Cluster mode against the single node on this machine (issue 15, item 8):
# every process on the same 2 cores, so the figures are costs, not a
# scale-out (docs/scale-out.md projects them to N machines).
#
#   bench/cluster/run.sh            # all
#   DURATION=10 bench/cluster/run.sh
#
# 1. single-event ingest, 64 connections, wrk: the single node (`attnrec
#    serve`, fsync on) against `scripts/cluster.sh up 3` through HAProxy;
#    requests/s and the CPU of every process of each (user+sys over the
#    run) per request;
# 2. the same with one connection: the latency of an acknowledgement alone
#    (p50/p99), i.e. what the stream adds (a quorum of 3 replicas) against
#    a local fsync;
# 3. recommendations (popularity, no model: the read path without the
#    encoder) for the users ingested, single node against HAProxy;
# 4. catch-up: node-1 stopped, its data directory removed, started again:
#    events replayed per second until it reports ready.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="${ATTNREC_BIN:-$root/build/attnrec}"
DURATION="${DURATION:-15}"
WORK="${WORK:-/tmp/attnrec_cluster_bench}"
BASE_PORT="${PORT_BASE:-23000}"
SINGLE_PORT=$((BASE_PORT + 400))
export BENCH_DIR="$root/bench/serve" USERS="${USERS:-6040}" ITEMS="${ITEMS:-3416}"
for t in wrk nats-server haproxy curl; do
  command -v "$t" >/dev/null || { echo "$t is missing (scripts/deps.sh; apt-get install wrk)" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "no binary at $BIN (scripts/build.sh)" >&2; exit 1; }

ticks() {  # total user+sys clock ticks of the pids given
  local sum=0 p
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}
hz=$(getconf CLK_TCK)
# wrk JSON line, CPU ms per request -> one table row
row() {  # name json ticks_before ticks_after
  python3 - "$@" <<'EOF'
import json, sys
name, line, t0, t1, hz = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu_s = (t1 - t0) / hz
per = cpu_s / max(line["requests"], 1) * 1e6
print(f"| {name} | {line['rps']:,.0f} | {line['p50_ms']:.2f} | {line['p99_ms']:.2f} | {line['non2xx'] + line['socket_errors']} | {cpu_s / line['seconds'] * 100:.0f}% | {per:.0f} |")
EOF
}
run_wrk() {  # url script connections -> wrk's JSON line
  wrk -t1 -c"$2" -d"${DURATION}s" -s "$BENCH_DIR/$1" "$3" | tail -1
}

cleanup() {
  PORT_BASE=$BASE_PORT "$root/scripts/cluster.sh" down "$WORK/cluster" >/dev/null 2>&1 || true
  [[ -n "${single_pid:-}" ]] && kill "$single_pid" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$WORK" && mkdir -p "$WORK"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $BIN, ${DURATION}s runs"
echo
echo "| run | requests/s | p50 ms | p99 ms | errors | CPU (all processes) | CPU µs per request |"
echo "|---|---|---|---|---|---|---|"

"$BIN" serve --data-dir "$WORK/single" --listen "127.0.0.1:$SINGLE_PORT" --log-level warn >"$WORK/single.log" 2>&1 &
single_pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$SINGLE_PORT/readyz"; do sleep 0.1; done
NODE_ARGS="--log-level warn" PORT_BASE=$BASE_PORT ATTNREC_BIN="$BIN" "$root/scripts/cluster.sh" up 3 "$WORK/cluster" >/dev/null
cluster_pids=()
for f in "$WORK"/cluster/*.pid; do cluster_pids+=("$(cat "$f")"); done
proxy="http://127.0.0.1:$BASE_PORT"
single="http://127.0.0.1:$SINGLE_PORT"

t0=$(ticks "$single_pid"); j=$(run_wrk ingest.lua 64 "$single"); t1=$(ticks "$single_pid")
row "ingest, single node, 64 conn" "$j" "$t0" "$t1" "$hz"
t0=$(ticks "${cluster_pids[@]}"); j=$(run_wrk ingest.lua 64 "$proxy"); t1=$(ticks "${cluster_pids[@]}")
row "ingest, cluster of 3 via HAProxy, 64 conn" "$j" "$t0" "$t1" "$hz"
t0=$(ticks "$single_pid"); j=$(run_wrk ingest.lua 1 "$single"); t1=$(ticks "$single_pid")
row "ingest, single node, 1 conn" "$j" "$t0" "$t1" "$hz"
t0=$(ticks "${cluster_pids[@]}"); j=$(run_wrk ingest.lua 1 "$proxy"); t1=$(ticks "${cluster_pids[@]}")
row "ingest, cluster of 3 via HAProxy, 1 conn" "$j" "$t0" "$t1" "$hz"
sleep 2  # the views finish applying
t0=$(ticks "$single_pid"); j=$(run_wrk recommend.lua 64 "$single"); t1=$(ticks "$single_pid")
row "recommend (popularity), single node, 64 conn" "$j" "$t0" "$t1" "$hz"
t0=$(ticks "${cluster_pids[@]}"); j=$(run_wrk recommend.lua 64 "$proxy"); t1=$(ticks "${cluster_pids[@]}")
row "recommend (popularity), cluster via HAProxy, 64 conn" "$j" "$t0" "$t1" "$hz"

# Catch-up: the events node-1 views (its own shards and those it stands by for).
events=$(curl -s "http://127.0.0.1:$((BASE_PORT + 1))/metrics" | awk '/^attnrec_store_events /{print $2}')
kill -9 "$(cat "$WORK/cluster/node-1.pid")"
sleep 0.5
rm -rf "$WORK/cluster/node-1"
start=$(date +%s.%N)
PORT_BASE=$BASE_PORT "$root/scripts/cluster.sh" start node-1 "$WORK/cluster" >/dev/null
end=$(date +%s.%N)
after=$(curl -s "http://127.0.0.1:$((BASE_PORT + 1))/metrics" | awk '/^attnrec_store_events /{print $2}')
echo
python3 -c "
b, a, s = float('${events:-0}'), float('${after:-0}'), $end - $start
print(f'catch-up of node-1 on an empty data directory: {a:,.0f} events (it had {b:,.0f}) in {s:.2f} s '
      f'from start to ready, {a / s:,.0f} events/s (start-up of the process included)')"
