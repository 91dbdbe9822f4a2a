#!/usr/bin/env bash
# Small data, as a first deployment has it: does `attnrec train` with its
# defaults beat popularity on a few hundred users? Each set is trained with
# the strict protocol (every user trains on all but its last two items, the
# second-last picks the epoch, the last is the test target ranked against
# the whole catalog with the history excluded) over SEEDS seeds, beside
# popularity under the same split (bench/popularity.py).
#
# Sets: ml-100k (u.data, every rating an interaction, each user's in time
# order: 943 users), ml-latest-small (ratings.csv: 610 users), and random
# user samples (seeded, fixed) of ml-1m.txt, Video.txt and
# bert4rec_beauty.txt, keeping the sampled users' whole sequences.
#
# usage: bench/small/run.sh [SET...]   (default: all of them)
# env:   ATTNREC_BIN (build/attnrec), ATTNREC_BENCH_DATA (../shared/data),
#        OUT (/tmp/attnrec_small), SEEDS ("1 2 3"), TRAIN_FLAGS (extra flags),
#        REUSE (1: keep a run whose report OUT already holds)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
dir="${ATTNREC_BENCH_DATA:-$root/../shared/data}"
out="${OUT:-/tmp/attnrec_small}"
seeds="${SEEDS:-1 2 3}"
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)" >&2; exit 1; }
mkdir -p "$out"
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(ml-100k ml-latest-small ml-1m-300 ml-1m-1000 Video-500 Video-2000 beauty-500 beauty-2000)

# make SET FILE: writes the set's `user item` file; false when its source is missing.
make() {
  local set="$1" file="$2"
  case "$set" in
    ml-100k)
      [ -f "$dir/ml-100k/u.data" ] || return 1
      # user item rating ts (tab-separated): each user's ratings by time, ties in file order.
      awk -F'\t' '{print $1, $2, $4, NR}' "$dir/ml-100k/u.data" | sort -k1,1n -k3,3n -k4,4n | awk '{print $1, $2}' > "$file" ;;
    ml-latest-small)
      [ -f "$dir/ml-latest-small/ratings.csv" ] || return 1
      tail -n +2 "$dir/ml-latest-small/ratings.csv" | awk -F, '{print $1, $2, $4, NR}' |
        sort -k1,1n -k3,3n -k4,4n | awk '{print $1, $2}' > "$file" ;;
    *-[0-9]*)
      local src="${set%-*}" n="${set##*-}"
      [ "$src" = beauty ] && src=bert4rec_beauty
      [ -f "$dir/$src.txt" ] || return 1
      python3 - "$dir/$src.txt" "$n" > "$file" <<'PY'
import random, sys
from collections import OrderedDict
seqs = OrderedDict()
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 2:
        seqs.setdefault(p[0], []).append(p[1])
users = sorted(seqs, key=lambda u: int(u) if u.isdigit() else u)
keep = set(random.Random(1).sample(users, int(sys.argv[2])))
for u in users:
    if u in keep:
        for item in seqs[u]:
            print(u, item)
PY
      ;;
    *) echo "unknown set $set" >&2; exit 2 ;;
  esac
}

echo "# $(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $bin, seeds: $seeds"
for set in "${sets[@]}"; do
  file="$out/$set.txt"
  if ! make "$set" "$file"; then echo "skipped $set: its source is not in $dir"; continue; fi
  python3 "$here/../popularity.py" "$file" > "$out/$set.popularity.json"
  for seed in $seeds; do
    [ "${REUSE:-0}" = 1 ] && [ -f "$out/$set.$seed.bin.json" ] && continue
    echo "== $set, seed $seed: $(date -u '+%T'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    "$bin" train --input "$file" --out "$out/$set.$seed.bin" --quiet --protocol strict --seed "$seed" \
      ${TRAIN_FLAGS:-} > "$out/$set.$seed.out" 2> "$out/$set.$seed.err" || { cat "$out/$set.$seed.err"; exit 1; }
  done
done

python3 - "$out" "$seeds" "${sets[@]}" <<'PY'
import json, os, statistics as st, sys
out, seeds, sets = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
def ms(v):
    return f"{st.mean(v):.4f} ± {st.stdev(v):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
# valid: the trainer's own figures on the items that pick the epoch (the
# model's best, popularity over the items trained on); served: what a store
# would answer with, the model where it beat popularity on validation
# (beats_popularity, the activation rule), else popularity.
print("\n| set | users | items | interactions | test users | model NDCG@10 | popularity NDCG@10 | model / popularity (NDCG) "
      "| valid NDCG@10: model, popularity | beats popularity (seeds) | served NDCG@10 | served / popularity | epochs (best) | train s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for s in sets:
    if not os.path.exists(f"{out}/{s}.popularity.json"):
        continue
    lines = [l.split() for l in open(f"{out}/{s}.txt")]
    users, items = len({l[0] for l in lines}), len({l[1] for l in lines})
    pop = json.load(open(f"{out}/{s}.popularity.json"))
    rs = [json.load(open(f"{out}/{s}.{seed}.bin.json")) for seed in seeds]
    nd = [r["test"]["full"]["ndcg@10"] for r in rs]
    # Reports from before the rule have no popularity figures.
    has = all("popularity" in r for r in rs)
    vm = [r["best_valid"]["ndcg@10"] for r in rs]
    vp = [r["popularity"]["valid"]["ndcg@10"] for r in rs] if has else []
    beats = [r["beats_popularity"] for r in rs] if has else []
    served = [n if b else pop["ndcg@10"] for n, b in zip(nd, beats)]
    pm = max(pop["ndcg@10"], 1e-9)
    print(f"| {s} | {users:,} | {items:,} | {len(lines):,} | {rs[0]['test']['full']['users']:,} | {ms(nd)} | "
          f"{pop['ndcg@10']:.4f} | {st.mean(nd) / pm:.2f}x | "
          + (f"{ms(vm)}, {ms(vp)} | {sum(beats)}/{len(beats)} | {ms(served)} | {st.mean(served) / pm:.2f}x | " if has
             else f"{ms(vm)}, - | - | - | - | ")
          + ", ".join(f"{len(r['epochs'])} ({r['best_epoch']})" for r in rs)
          + f" | {st.mean(r['train_seconds'] for r in rs):.0f} |")
PY
