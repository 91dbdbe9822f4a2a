#!/usr/bin/env bash
# Full against local (sliding-window) attention on ML-1M at maxlen 200, 400
# and 800 (its longest history has 2,277 items): `attnrec train` with its
# defaults, the strict protocol and one wall-clock budget for every run,
# then per epoch training time (train seconds / epochs) and full-ranking
# NDCG@10 / HR@10 on the test items; per user inference time (encode +
# full-catalog top-10, one thread, the same architecture: the cost does not
# depend on the weights) comes from `infer_bench --sweep-maxlen`, run here. Writes $OUT/attention.csv and draws
# docs/bench/attention.png (gnuplot). Skips when ml-1m.txt is missing.
#
# usage: bench/attention/run.sh
# env:   ATTNREC_BIN (build/attnrec), ATTNREC_BENCH_DATA (../shared/data),
#        OUT (/tmp/attnrec_attention), MAXLENS ("200 400 800"), WINDOW (50),
#        MINUTES (budget per run, default 9 as `attnrec train`), SEED (1),
#        TRAIN_FLAGS (more flags for every run), PNG (docs/bench/attention.png),
#        ATTENTIONS ("full local": which to train; the table and plot read
#        whatever runs OUT holds, so a kernel change can retrain one side)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
infer="${INFER_BENCH:-$root/build/bench/infer/infer_bench}"
data="${ATTNREC_BENCH_DATA:-$root/../shared/data}/ml-1m.txt"
out="${OUT:-/tmp/attnrec_attention}"
maxlens="${MAXLENS:-200 400 800}"
window="${WINDOW:-50}"
minutes="${MINUTES:-9}"
seed="${SEED:-1}"
png="${PNG:-$root/docs/bench/attention.png}"
[ -f "$data" ] || { echo "skip: $data not found (set ATTNREC_BENCH_DATA)"; exit 0; }
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)" >&2; exit 1; }
[ -x "$infer" ] || { echo "error: $infer not built (cmake --build build --target infer_bench)" >&2; exit 1; }
mkdir -p "$out"

echo "# $(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $bin"
echo "# budget $minutes min per run, seed $seed, strict protocol, local window $window"
for maxlen in $maxlens; do
  for attention in ${ATTENTIONS:-full local}; do
    run="$out/$attention.$maxlen"
    flags=(--maxlen "$maxlen" --attention "$attention")
    [ "$attention" = local ] && flags+=(--window "$window")
    echo "== $attention, maxlen $maxlen: $(date -u '+%T'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    "$bin" train --input "$data" --out "$run.bin" --quiet --protocol strict --seed "$seed" \
      --max-minutes "$minutes" "${flags[@]}" ${TRAIN_FLAGS:-} > "$run.out" 2> "$run.err" || { cat "$run.err"; exit 1; }
  done
done

[ "$window" = 50 ] || echo "note: infer_bench's sweep uses window 50, not $window"
"$infer" --sweep-maxlen "$out/infer.csv" 300 > /dev/null

python3 - "$out" "$maxlens" "$window" <<'PY'
import csv, json, sys
out, maxlens, window = sys.argv[1], [int(x) for x in sys.argv[2].split()], sys.argv[3]
infer = {(r["attention"], int(r["maxlen"])): float(r["cpu_mean_us"]) / 1e3
         for r in csv.DictReader(open(f"{out}/infer.csv"))}
rows = []
print("| attention | maxlen | epochs (best) | s per epoch | inference ms per user | NDCG@10 | HR@10 |")
print("|---|---|---|---|---|---|---|")
for maxlen in maxlens:
    for attention in ("full", "local"):
        try:
            r = json.load(open(f"{out}/{attention}.{maxlen}.bin.json"))
        except FileNotFoundError:
            continue
        epochs = r["epochs"]
        # The budget may cut the last epoch short: time the whole ones.
        whole = max(e["sequences"] for e in epochs)
        per_epoch = sum(e["train_seconds"] for e in epochs if e["sequences"] == whole) / \
            sum(1 for e in epochs if e["sequences"] == whole)
        test = r["test"]["full"]
        infer_ms = infer[(attention, maxlen)]
        label = "full" if attention == "full" else f"local W={window}"
        print(f"| {label} | {maxlen} | {len(epochs)} ({r['best_epoch']}) | {per_epoch:.1f} | "
              f"{infer_ms:.2f} | {test['ndcg@10']:.4f} | {test['hr@10']:.4f} |")
        rows.append((attention, maxlen, per_epoch, infer_ms, test["ndcg@10"]))
# Full rows, two blank lines, local rows: gnuplot's index 0 and index 1.
with open(f"{out}/attention.csv", "w") as f:
    f.write("# attention,maxlen,epoch_seconds,infer_ms,ndcg10\n")
    for attention in ("full", "local"):
        if attention == "local":
            f.write("\n\n")
        for row in rows:
            if row[0] == attention:
                f.write(",".join(str(x) for x in row) + "\n")
PY

if command -v gnuplot >/dev/null; then
  mkdir -p "$(dirname "$png")"
  gnuplot -e "csv='$out/attention.csv'; out='$png'; window='$window'" "$here/plot.gp"
  echo "wrote $png"
else
  echo "gnuplot missing: no plot (apt-get install gnuplot-nox)"
fi
