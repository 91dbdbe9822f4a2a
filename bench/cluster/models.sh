#!/usr/bin/env bash
# Cluster-wide models (issue 15, item 4): how long a model the trainer
# publishes takes to serve on every node of `scripts/cluster.sh up 3`.
#
#   bench/cluster/models.sh                   # ITEMS=3416 and ITEMS=100000
#   SIZES="20000" bench/cluster/models.sh
#
# Per catalog size: synthetic histories (ITEMS / 4 users, 8 events each:
# runs from every 4th item, 30% of steps random, so nearly every item
# occurs) ingested through HAProxy, `cluster.sh train ... --epochs 1
# --activate always` (the default model, d = 64), then from
# the logs: the checkpoint's bytes and chunks, the trainer's publish time
# (chunks, record, active version), and per node the time from the
# trainer's publish to the node serving the version (its watch's lag, the
# fetch, the checks, the durable write, giving the items ids, building the
# item index, the swap). Every process on this machine's 2 cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export ATTNREC_BIN="${ATTNREC_BIN:-$root/build/attnrec}"
export PORT_BASE="${PORT_BASE:-25000}"
WORK="${WORK:-/tmp/attnrec_models_bench}"
SIZES="${SIZES:-3416 100000}"
for t in nats-server haproxy curl python3; do
  command -v "$t" >/dev/null || { echo "$t is missing (scripts/deps.sh)" >&2; exit 1; }
done
cluster="$root/scripts/cluster.sh"
trap '"$cluster" down "$WORK/cl" >/dev/null 2>&1 || true' EXIT

echo "| items | users | checkpoint | chunks | publish | node-1 serves after | node-2 | node-3 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for items in $SIZES; do
  users=$(((items + 7) / 8 * 2))
  "$cluster" down "$WORK/cl" >/dev/null 2>&1 || true
  rm -rf "$WORK"; mkdir -p "$WORK"
  "$cluster" up 3 "$WORK/cl" >/dev/null
  python3 - "$PORT_BASE" "$users" "$items" <<'EOF'
import json, random, sys, urllib.request
port, users, items = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(1)
batch = []
def send():
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events",
                                 data=json.dumps({"events": batch}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
    batch.clear()
for u in range(users):
    start = (u * 4) % items  # every item in some history
    for j in range(8):
        item = (start + j) % items if rng.random() < 0.7 else rng.randrange(items)
        batch.append({"user": f"u{u}", "item": f"i{item}", "ts": 1000 + j})
    if len(batch) >= 2000:
        send()
if batch:
    send()
EOF
  "$cluster" train "$WORK/cl" --epochs 1 --activate always --quiet >"$WORK/train.json" 2>"$WORK/train.log"
  version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$WORK/train.json")
  sleep 5  # the nodes fetch in the background
  python3 - "$WORK" "$version" "$items" "$users" <<'EOF'
import json, re, sys, datetime
work, version, items, users = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def lines(path):
    # Either log format: a JSON object, or `TIME LEVEL MESSAGE key=value ...`.
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                pass
            continue
        m = re.match(r"(\S+Z) (\w+) (.*)$", line)
        if not m:
            continue
        rest = m.group(3)
        first = re.search(r" \w+=", rest)
        rec = {"ts": m.group(1), "msg": rest[:first.start()] if first else rest}
        for k, v in re.findall(r"(\w+)=(\S+)", rest[first.start():] if first else ""):
            rec[k] = float(v) if re.fullmatch(r"[0-9.]+", v) else v
        yield rec
def when(rec):
    return datetime.datetime.fromisoformat(rec["ts"].replace("Z", "+00:00")).timestamp()
pub = next(r for r in lines(f"{work}/train.log") if r.get("msg") == "published the cluster's active model")
row = [items, users, f"{pub['bytes'] / 2**20:.1f} MiB", str(int(pub["chunks"])), f"{pub['ms']:.0f} ms"]
for k in (1, 2, 3):
    got = [r for r in lines(f"{work}/cl/node-{k}.log")
           if r.get("msg") == "serving the cluster's model" and r.get("version") == version]
    row.append(f"{(when(got[0]) - when(pub)) * 1000:.0f} ms (follow {got[0]['ms']:.0f})" if got else "not served")
print("| " + " | ".join(row) + " |")
EOF
done
