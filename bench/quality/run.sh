#!/usr/bin/env bash
# Ranking quality of attnrec's default recipe (leave-one-out: the last item of
# each user is the test target and is never trained on; the second-last items
# of the first --eval-users users (default 1000) are the validation targets
# used to keep the best epoch / stop early, and every other user's
# second-last item is trained on) on ML-1M and on BERT4Rec's Beauty.
# Prints one table per dataset with both protocols, next to published figures,
# and for ML-1M the time to quality (the test items are ranked after every
# epoch for this, --trace-test: reporting only, never used to pick the epoch).
#
# usage: bench/quality/run.sh [DATASET...]   (default: ml-1m bert4rec_beauty)
# env:   ATTNREC_BIN (default build/attnrec), ATTNREC_BENCH_DATA (default
#        ../shared/data), QUALITY_OUT (default /tmp/attnrec_quality),
#        TRAIN_FLAGS (extra flags for `attnrec train`, e.g. "--max-minutes 5")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
dir="${ATTNREC_BENCH_DATA:-$root/../shared/data}"
out="${QUALITY_OUT:-/tmp/attnrec_quality}"
mkdir -p "$out"
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)"; exit 1; }
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(ml-1m bert4rec_beauty)

for name in "${sets[@]}"; do
  data="$dir/$name.txt"
  if [ ! -f "$data" ]; then echo "skipped $name: $data not found"; continue; fi
  extra=()
  # Beauty has 54k items and 40k short sequences: validate on a sample per epoch.
  [ "$name" = bert4rec_beauty ] && extra=(--eval-users 5000)
  echo "== $name: attnrec train (defaults) ${extra[*]} ${TRAIN_FLAGS:-}; $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$bin" train --input "$data" --out "$out/$name.bin" --quiet --trace-test "${extra[@]}" ${TRAIN_FLAGS:-} \
    > "$out/$name.out" 2> "$out/$name.err" || { cat "$out/$name.err"; exit 1; }
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  /usr/bin/python3 - "$out/$name.bin.json" "$name" "$wall" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, wall = sys.argv[2], float(sys.argv[3])
c, t = r["config"], r["train"]
print(f"\n{name}: d={c['dim']} L={c['maxlen']} blocks={c['blocks']} heads={c['heads']} d_ff={c['d_ff']} dropout={c['dropout']} "
      f"loss={t['loss']} negatives={t['negatives']} batch={t['batch']} lr={t['lr']} lr_decay={t.get('lr_decay')} ema={t.get('ema')} all_windows={t.get('all_windows')} "
      f"epochs={t['epochs']} eval_users={t.get('eval_users')} train_on_valid={t.get('train_on_valid')}; best epoch {r['best_epoch']} "
      f"of {len(r['epochs'])} ({r['stop_reason']}); wall clock {wall:.0f} s "
      f"(train {r['train_seconds']:.0f} s + test eval + save + the per-epoch test trace); "
      f"valid full NDCG@10 {r['best_valid']['ndcg@10']:.4f} on {r['best_valid']['users']} users")
print("| protocol | HR@10 | NDCG@10 | MRR | users |")
print("|---|---|---|---|---|")
for key in ("full", "sampled"):
    m = r["test"][key]
    print(f"| {m['protocol']} (test) | {m['hr@10']:.4f} | {m['ndcg@10']:.4f} | {m['mrr']:.4f} | {m['users']} |")
if name == "ml-1m":
    print("| reference: SASRec paper, sampled-100 | 0.8245 | 0.5905 | | |")
    print("| reference: SASRec+ (CE), full | | 0.1821 | | |")
    print("| reference: plain SASRec/BCE, full | | ~0.134 | | |")
# Time to quality, from the per-epoch test trace (--trace-test; its own time
# is left out of the clock): the first epoch whose weights meet both targets.
if name == "ml-1m":
    hit = next((e for e in r["epochs"] if "test" in e and e["test"]["full"]["ndcg@10"] >= 0.18
                and e["test"]["sampled"]["ndcg@10"] >= 0.60), None)
    if hit:
        print(f"time to quality: full NDCG@10 {hit['test']['full']['ndcg@10']:.4f} >= 0.18 and sampled-100 "
              f"{hit['test']['sampled']['ndcg@10']:.4f} >= 0.60 first at epoch {hit['epoch']}, after "
              f"{hit['elapsed_seconds']:.0f} s of training (kept epoch {r['best_epoch']} after "
              f"{r['epochs'][r['best_epoch'] - 1]['elapsed_seconds']:.0f} s)")
    else:
        print("time to quality: the targets (full NDCG@10 >= 0.18, sampled-100 >= 0.60) were not reached")
PY
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
