#!/usr/bin/env bash
# Ranking quality of attnrec's default recipe under both training protocols,
# over several seeds (leave-one-out: each user's last item is the test
# target, ranked with the user's whole remaining sequence as history, and is
# never trained on):
#   strict:     every user trains on its sequence minus its last two items;
#               the second-last items of the first --eval-users users
#               (default 1000) only pick the epoch and stop early (the
#               published protocol; `attnrec train --protocol strict`);
#   deployment: the same validation users, but every other user also trains
#               on its second-last item (what a retrain on a store does;
#               `--protocol deployment`, the default).
# Prints one table per data set and protocol, mean and sample standard
# deviation over the seeds of full ranking (history excluded) and
# sampled-100 HR@10, NDCG@10 and MRR, next to published figures on the same
# files. With TRACE=1 the test items are also ranked after every epoch
# (--trace-test, reporting only) and the time to quality is printed for ML-1M.
#
# usage: bench/quality/run.sh [DATASET...]   (default: ml-1m Video bert4rec_beauty)
# env:   ATTNREC_BIN (default build/attnrec), ATTNREC_BENCH_DATA (default
#        ../shared/data), QUALITY_OUT (default /tmp/attnrec_quality),
#        SEEDS (how many, default 5: seeds 1..SEEDS), PROTOCOLS (default
#        "strict deployment"), TRAIN_FLAGS (extra flags for `attnrec train`,
#        e.g. "--max-minutes 1"), TRACE (1 = --trace-test)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
dir="${ATTNREC_BENCH_DATA:-$root/../shared/data}"
out="${QUALITY_OUT:-/tmp/attnrec_quality}"
nseeds="${SEEDS:-5}"
protocols="${PROTOCOLS:-strict deployment}"
mkdir -p "$out"
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)"; exit 1; }
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(ml-1m Video bert4rec_beauty)

for name in "${sets[@]}"; do
  data="$dir/$name.txt"
  if [ ! -f "$data" ]; then echo "skipped $name: $data not found"; continue; fi
  extra=()
  # Beauty has 54k items and 40k short sequences: validate on a sample per epoch.
  [ "$name" = bert4rec_beauty ] && extra=(--eval-users 5000)
  [ "${TRACE:-0}" = 1 ] && extra+=(--trace-test)
  for protocol in $protocols; do
    for seed in $(seq 1 "$nseeds"); do
      run="$out/$name.$protocol.$seed"
      echo "== $name, $protocol, seed $seed: attnrec train (defaults) ${extra[*]} ${TRAIN_FLAGS:-}; $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$bin" train --input "$data" --out "$run.bin" --quiet --protocol "$protocol" --seed "$seed" \
        "${extra[@]}" ${TRAIN_FLAGS:-} > "$run.out" 2> "$run.err" || { cat "$run.err"; exit 1; }
      echo "$(echo "$(date +%s.%N) - $start" | bc)" > "$run.wall"
    done
  done
  /usr/bin/python3 - "$out" "$name" "$nseeds" "$protocols" <<'PY'
import json, statistics as st, sys
out, name, nseeds, protocols = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split()
# Published figures on the same files (full ranking unless marked).
anchors = {
    "ml-1m": [("LRURec (WSDM 2024), full", 0.3264, 0.1930), ("SASRec paper, sampled-100", 0.8245, 0.5905)],
    "Video": [("LRURec, full", 0.1134, 0.0620), ("SASRec with cross-entropy, full", None, 0.0583)],
    "bert4rec_beauty": [("SASRec+ (RecSys 2023), full", 0.0533, 0.0327)],
}
def ms(v):
    return f"{st.mean(v):.4f} ± {st.stdev(v):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
for protocol in protocols:
    rs = [json.load(open(f"{out}/{name}.{protocol}.{s}.bin.json")) for s in range(1, nseeds + 1)]
    walls = [float(open(f"{out}/{name}.{protocol}.{s}.wall").read()) for s in range(1, nseeds + 1)]
    c, t = rs[0]["config"], rs[0]["train"]
    print(f"\n{name}, {protocol} protocol, {len(rs)} seeds: d={c['dim']} L={c['maxlen']} blocks={c['blocks']} "
          f"heads={c['heads']} d_ff={c['d_ff']} loss={t['loss']} eval_users={t.get('eval_users')} "
          f"train_on_valid={t.get('train_on_valid')}; best epochs "
          + ", ".join(f"{r['best_epoch']}/{len(r['epochs'])} ({r['stop_reason']})" for r in rs)
          + f"; train {ms([r['train_seconds'] for r in rs])} s, wall {ms(walls)} s; "
          f"valid full NDCG@10 {ms([r['best_valid']['ndcg@10'] for r in rs])}")
    print("| protocol (test items) | users | HR@10 | NDCG@10 | MRR |")
    print("|---|---|---|---|---|")
    for key in ("full", "sampled"):
        m = [r["test"][key] for r in rs]
        print(f"| {m[0]['protocol']} | {m[0]['users']} | {ms([x['hr@10'] for x in m])} | "
              f"{ms([x['ndcg@10'] for x in m])} | {ms([x['mrr'] for x in m])} |")
    for label, hr, ndcg in anchors.get(name, []):
        print(f"| reference: {label} | | {f'{hr:.4f}' if hr is not None else ''} | {ndcg:.4f} | |")
    # Time to quality, from the per-epoch test trace (TRACE=1; its own time
    # is left out of the clock): the first epoch whose weights meet both targets.
    if name == "ml-1m" and "test" in rs[0]["epochs"][0]:
        for s, r in enumerate(rs, 1):
            hit = next((e for e in r["epochs"] if "test" in e and e["test"]["full"]["ndcg@10"] >= 0.18
                        and e["test"]["sampled"]["ndcg@10"] >= 0.60), None)
            print(f"seed {s}: time to quality (full >= 0.18 and sampled-100 >= 0.60): "
                  + (f"epoch {hit['epoch']}, {hit['elapsed_seconds']:.0f} s of training" if hit else "not reached"))
PY
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
