#!/usr/bin/env bash
# Event types on MovieLens-100K: does the type policy help next-liked-item
# prediction against reading every rating as a positive?
#
# u.data's ratings become typed events, each user's in time order (ties in
# the file's order): >= 4 `like`, 3 `neutral`, <= 2 `dislike`. Each user's
# events are cut after their last like, and users with fewer than 3 likes
# are left out, so every policy ranks the same (user, last liked item) test
# pairs. Policies (one `attnrec train` each, strict protocol: every user
# trains on all but its last two positives, the second-last picks the epoch):
#   all:      every rating a positive (--positive-types '*' --negative-types ''):
#             the history holds likes, neutrals and dislikes alike;
#   policy:   like positive, dislike negative (never in the history, never
#             ranked for that user), neutral ignored (unlisted);
#   policy+n: the same with neutral a positive of loss weight 0.5 (it enters
#             the history; as a target it counts half);
#   weighted: (not run by default) every rating a positive, as `all`, with
#             loss weights like 1, neutral 0.5, dislike 0.25.
# Test: full ranking of the last liked item with the user's history (as the
# policy reads it) excluded, and the sampled-100 protocol (negatives drawn
# from items the user never rated). Candidates differ by policy in one way:
# under `policy` the user's neutral items stay candidates (ignored types are
# neither history nor exclusions); under `all` and `policy+n` they are
# history, hence excluded. Validation targets differ too: under `all` the
# second-last rating of any kind, under the policies the second-last like.
#
# usage: bench/types/run.sh
# env:   ATTNREC_BIN (default build/attnrec), ATTNREC_BENCH_DATA (default
#        ../shared/data), TYPES_OUT (default /tmp/attnrec_types),
#        MAX_MINUTES (per run, default 2), SEEDS (default "1 2"),
#        POLICIES (default "all policy policy+n"), TRAIN_FLAGS (extra flags)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
dir="${ATTNREC_BENCH_DATA:-$root/../shared/data}"
out="${TYPES_OUT:-/tmp/attnrec_types}"
minutes="${MAX_MINUTES:-2}"
seeds="${SEEDS:-1 2}"
policies="${POLICIES:-all policy policy+n}"
data="$dir/ml-100k/u.data"
[ -f "$data" ] || { echo "skipped: $data not found"; exit 0; }
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)"; exit 1; }
mkdir -p "$out"

/usr/bin/python3 - "$data" "$out/typed.txt" <<'PY'
import sys, collections
rows = collections.defaultdict(list)
for n, line in enumerate(open(sys.argv[1])):
    u, i, r, t = line.split()
    rows[int(u)].append((int(t), n, int(i), int(r)))
kept = users = 0
with open(sys.argv[2], "w") as f:
    for u in sorted(rows):
        ev = sorted(rows[u])
        likes = [k for k, e in enumerate(ev) if e[3] >= 4]
        if len(likes) < 3:
            continue
        users += 1
        for t, n, i, r in ev[: likes[-1] + 1]:
            f.write(f"{u} {i} {'like' if r >= 4 else 'neutral' if r == 3 else 'dislike'}\n")
            kept += 1
print(f"ml-100k typed: {users} users with >= 3 likes, {kept} events up to each user's last like", file=sys.stderr)
PY


echo "== bench/types: $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg); ${minutes} min per run, seeds: $seeds"
for p in $policies; do
  for s in $seeds; do
    case "$p" in
      all) tf=(--positive-types '*' --negative-types '') ;;
      policy) tf=(--positive-types like --negative-types dislike) ;;
      policy+n) tf=(--positive-types like,neutral:0.5 --negative-types dislike) ;;
      weighted) tf=(--positive-types like,neutral:0.5,dislike:0.25 --negative-types '') ;;
      *) echo "unknown policy $p"; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    nice -n 19 "$bin" train --input "$out/typed.txt" --out "$out/$p.$s.bin" --quiet --protocol strict \
      --eval-users 0 --max-minutes "$minutes" --seed "$s" "${tf[@]}" ${TRAIN_FLAGS:-} \
      > "$out/$p.$s.out" 2> "$out/$p.$s.err" || { cat "$out/$p.$s.err"; exit 1; }
    echo "$p seed $s done, load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done

/usr/bin/python3 - "$out" "$policies" "$seeds" <<'PY'
import json, sys, statistics as st
out, policies, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
print("\n| policy | seeds | test users | full HR@10 | full NDCG@10 | full MRR | sampled-100 HR@10 | sampled-100 NDCG@10 | epochs (best) |")
print("|---|---|---|---|---|---|---|---|---|")
def ms(v):
    return f"{st.mean(v):.4f}" + (f" ± {st.stdev(v):.4f}" if len(v) > 1 else "")
for p in policies:
    rs = [json.load(open(f"{out}/{p}.{s}.bin.json")) for s in seeds]
    f = lambda k, m: [r["test"][k][m] for r in rs]
    ep = ", ".join(f"{len(r['epochs'])} ({r['best_epoch']})" for r in rs)
    print(f"| {p} | {len(rs)} | {rs[0]['test']['full']['users']} | {ms(f('full','hr@10'))} | {ms(f('full','ndcg@10'))} | "
          f"{ms(f('full','mrr'))} | {ms(f('sampled','hr@10'))} | {ms(f('sampled','ndcg@10'))} | {ep} |")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
