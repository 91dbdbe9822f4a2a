#!/usr/bin/env bash
# A real full disk under `attnrec serve`: the data directory on a small
# tmpfs, filled with a ballast file, then ingest until the store refuses;
# the ballast is removed and ingest must go on without a restart; a restart
# then finds exactly the acknowledged events. A manual run (it mounts, so
# it needs root); the suite tests the same with injected faults
# (tests/api/store_faults_test.cpp, base/disk_fault.h).
#
#   bench/faults/full_disk.sh            # SIZE=64m BATCH=200 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${ATTNREC_BIN:-build/attnrec}
SIZE=${SIZE:-64m}
BATCH=${BATCH:-200}
MNT=$(mktemp -d /tmp/attnrec-full-XXXXXX)
[[ $(id -u) == 0 ]] || { echo "needs root (mount -t tmpfs)" >&2; exit 1; }
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || { echo "cannot mount a tmpfs here" >&2; exit 1; }
PID=
cleanup() {
  [[ -n $PID ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  umount "$MNT" && rmdir "$MNT"
}
trap cleanup EXIT

start() {
  : >"$MNT/serve.out"
  "$BIN" serve --data-dir "$MNT/data" --listen 127.0.0.1:0 >"$MNT/serve.out" 2>>"$MNT/serve.err" &
  PID=$!
  PORT=
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$MNT/serve.out")
    [[ -n $PORT ]] && return
    sleep 0.1
  done
  echo "server did not start" >&2
  cat "$MNT/serve.err" >&2
  exit 1
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=; }
stored() { curl -s "127.0.0.1:$PORT/metrics" | awk '$1 == "attnrec_store_events" { print $2 }'; }
batch() {  # batch N: BATCH events with ids b-N-i for users u0..u49
  local n=$1 body='{"events":[' i
  for ((i = 0; i < BATCH; i++)); do
    ((i > 0)) && body+=','
    body+="{\"user\":\"u$((i % 50))\",\"item\":\"i$(((n * 7 + i) % 3000))\",\"id\":\"b-$n-$i\"}"
  done
  body+=']}'
  curl -s -o "$MNT/last.json" -w '%{http_code}' -XPOST "127.0.0.1:$PORT/v1/events" \
    -H 'Content-Type: application/json' --data-binary "$body"
}

start
acked=0 n=0
[[ $(batch $n) == 200 ]] && acked=$((acked + BATCH)); n=$((n + 1))
# Fill the disk, then give back 1 MiB so that a few batches still fit.
dd if=/dev/zero of="$MNT/ballast" bs=1M status=none 2>/dev/null || true
truncate -s -1M "$MNT/ballast"
echo "disk: $(df -h --output=size,used,avail "$MNT" | tail -1)"
first_refusal=
refused=0
for ((tries = 0; tries < 400 && refused < 5; tries++)); do
  code=$(batch $n)
  if [[ $code == 200 ]]; then
    acked=$((acked + BATCH))
  else
    refused=$((refused + 1))
    [[ -n $first_refusal ]] || first_refusal="$code $(cat "$MNT/last.json")"
  fi
  n=$((n + 1))
done
echo "acknowledged before the refusals: $acked events in $((n - refused)) batches"
echo "first refusal: $first_refusal"
echo "while full: healthz $(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/healthz"), history $(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/v1/users/u1/history"), stored $(stored)"
rm "$MNT/ballast"
t0=$(date +%s.%N)
code=$(batch $n)
t1=$(date +%s.%N)
echo "space freed: next batch $code in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s (same process)"
[[ $code == 200 ]] && acked=$((acked + BATCH)); n=$((n + 1))
for ((i = 0; i < 20; i++)); do [[ $(batch $n) == 200 ]] && acked=$((acked + BATCH)); n=$((n + 1)); done
echo "after 20 more batches: acknowledged $acked, stored $(stored)"
stop
start
echo "after a restart: stored $(stored), acknowledged $acked"
if [[ $acked -gt 0 && $(stored) == "$acked" && $code == 200 && -n $first_refusal ]]; then
  echo "OK: refused while full, resumed without a restart, nothing lost, nothing partial"
else
  echo "FAILED"
  exit 1
fi
