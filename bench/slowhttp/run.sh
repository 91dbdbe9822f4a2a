#!/usr/bin/env bash
# Slow-client attacks against `attnrec serve` with Debian's slowhttptest
# (apt-get install slowhttptest), each while a probe client measures how
# long a normal request takes. A manual run, not part of the suite (the
# suite's own slowloris test is tests/api/connection_limits_test.cpp).
#
#   bench/slowhttp/run.sh                  # every attack
#   bench/slowhttp/run.sh headers body     # some of them
#   CONNECTIONS=1000 DURATION=40 bench/slowhttp/run.sh
#
# Attacks (slowhttptest modes):
#   headers   -H  slowloris: headers trickled, a line every 10 s (-i)
#   body      -B  slow POST: a long Content-Length, body trickled
#   read      -X  slow read of /openapi.json: a 32-byte receive window,
#                 32 bytes read every 5 s (the responses fit in the kernel's
#                 send buffers, so the idle timeout, 60 s, ends these; give
#                 DURATION=75 to see it)
#   range     -R  Apache killer: many Range intervals in one request
#   cap       -H  with more connections than --max-connections (the server
#                 started with a cap of 500)
#
# For each: slowhttptest's own summary (connections pending / connected /
# closed / "service available" over time, in $OUT/NAME.csv and .html) and
# the probe's requests, failures and slowest answer. Server flags are the
# defaults unless the attack needs otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${ATTNREC_BIN:-build/attnrec}
OUT=${OUT:-/tmp/attnrec-slowhttp}
CONNECTIONS=${CONNECTIONS:-1000}
DURATION=${DURATION:-40}
command -v slowhttptest >/dev/null || { echo "slowhttptest missing: apt-get install slowhttptest" >&2; exit 1; }
[[ -x $BIN ]] || { echo "$BIN missing: build first (README)" >&2; exit 1; }
mkdir -p "$OUT"
attacks=("$@")
[[ ${#attacks[@]} -gt 0 ]] || attacks=(headers body read range cap)

# Starts the server on a fresh store; sets PORT and PID.
start_server() {
  rm -rf "$OUT/data"
  : >"$OUT/serve.out"  # before the server starts: the wait below must not read the last run's
  "$BIN" serve --data-dir "$OUT/data" --listen 127.0.0.1:0 "$@" >"$OUT/serve.out" 2>"$OUT/serve.err" &
  PID=$!
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$OUT/serve.out")
    [[ -n $PORT ]] && break
    sleep 0.1
  done
  [[ -n $PORT ]] || { echo "server did not start" >&2; cat "$OUT/serve.err" >&2; exit 1; }
  curl -s -XPOST "127.0.0.1:$PORT/v1/events" -H 'Content-Type: application/json' \
    -d '{"user":"u1","item":"i1"}' >/dev/null
}

# The server's open sockets (the listener included): what it holds, whatever
# the client believes (a closed connection whose unread response is still
# in the kernel's buffers looks open to a slow reader).
# (find fails when a descriptor closes while it lists them: not an error here)
server_sockets() { { find "/proc/$PID/fd" -lname 'socket:*' 2>/dev/null || true; } | wc -l; }

# A normal client: one request on a new connection every 0.2 s; writes
# "requests failures slowest_seconds peak_server_sockets last_server_sockets"
# to $1 (the last sample is taken within 0.2 s of the attack's end).
probe() {
  local n=0 bad=0 worst=0 peak=0 t code k=0
  local until=$((SECONDS + DURATION))
  while ((SECONDS < until)); do
    k=$(server_sockets)
    ((k > peak)) && peak=$k
    read -r code t < <(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' \
      "127.0.0.1:$PORT/v1/users/u1/history" || echo "000 5")
    n=$((n + 1))
    [[ $code == 200 ]] || bad=$((bad + 1))
    worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
    sleep 0.2
  done
  echo "$n $bad $worst $peak $k" >"$1"
}

# run NAME PATH SLOWHTTPTEST-FLAGS...
run() {
  local name=$1 path=$2
  shift 2
  echo "== $name: slowhttptest $* -u ...$path"
  probe "$OUT/$name.probe" &
  local probe_pid=$!
  slowhttptest "$@" -l "$DURATION" -g -o "$OUT/$name" -u "http://127.0.0.1:$PORT$path" \
    >"$OUT/$name.log" 2>&1 || true
  wait "$probe_pid"
  # From slowhttptest's CSV (seconds, closed, pending, connected, available:
  # 0 when its own probe connection got no answer).
  awk -F, 'NR > 1 {
      if ($4 > peak) { peak = $4; peak_at = $1 }
      if ($5 == 0) down++
      if (half == "" && $2 >= n / 2) half = $1
      last = $1; closed = $2; open = $4
    }
    END {
      printf "   slowhttptest: peak %d connected at %d s; half of %d closed by %s s; " \
             "at %d s %d closed, %d open; service unavailable %d of %d s\n",
             peak, peak_at, n, (half == "" ? "-" : half), last, closed, open, down, last + 1
    }' n="$CONNECTIONS" "$OUT/$name.csv"
  { sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$OUT/$name.log" | grep -h "Exit status" || true; } | tail -1 | sed 's/^ */   slowhttptest /'
  read -r n bad worst peak last <"$OUT/$name.probe"
  echo "   probe: $n requests, $bad failed, slowest ${worst} s"
  echo "   server sockets (listener included): peak $peak, $last as the attack ended"
  echo "   server RSS $(ps -o rss= -p "$PID") KiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

for attack in "${attacks[@]}"; do
  case $attack in
    headers) start_server; run headers /v1/events -c "$CONNECTIONS" -H -i 10 -r 200 -t POST -x 24 -p 3 ;;
    body) start_server; run body /v1/events -c "$CONNECTIONS" -B -i 10 -r 200 -s 8192 -t POST -x 10 -p 3 ;;
    read) start_server; run read /openapi.json -c "$CONNECTIONS" -X -r 200 -w 32 -y 32 -n 5 -z 32 -k 3 -t GET -p 3 ;;
    range) start_server; run range /openapi.json -c "$CONNECTIONS" -R -r 200 -a 10 -b 3000 -t GET -p 3 ;;
    cap) start_server --max-connections 500; run cap /v1/events -c "$CONNECTIONS" -H -i 10 -r 200 -t POST -x 24 -p 3 ;;
    *) echo "unknown attack $attack" >&2; exit 2 ;;
  esac
  kill -TERM "$PID"
  wait "$PID" || true
done
