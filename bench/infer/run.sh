#!/usr/bin/env bash
# Serving cost per user, single thread, attnrec vs PyTorch, on the ML-1M
# histories: encoder forward + full-catalog top-10 (history excluded) per
# user, mean and p99 over all 6,040 users, for
#   ref:     maxlen 200, d 50, 2 blocks, 1 head, ffn 50 (pmixer/SASRec.pytorch)
#   default: maxlen 200, d 64, 2 blocks, 2 heads, ffn 512 (attnrec's default)
# attnrec: bench/infer/infer_bench (last_only forward, ExactIndex top-10).
# PyTorch: bench/torch_sasrec.py --infer, "reference" (left-padded to 200,
# every position) and "deployment" (unpadded, last position only in the last
# block). Prints a table with the ratios of mean and p99 per user.
#
# usage: bench/infer/run.sh [REPEATS]     (passes over the users, default 1)
# env:   INFER_BIN (default build/bench/infer/infer_bench), ATTNREC_BENCH_DATA
#        (default ../shared/data), PYTHON (default /usr/bin/python3),
#        TORCH_BLAS_DIR, OPENBLAS_CORETYPE (as bench/train_speed/run.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${INFER_BIN:-$root/build/bench/infer/infer_bench}"
data="${ATTNREC_BENCH_DATA:-$root/../shared/data}/ml-1m.txt"
py="${PYTHON:-/usr/bin/python3}"
repeats="${1:-1}"
out="$(mktemp -d /tmp/attnrec_infer.XXXXXX)"
[ -f "$data" ] || { echo "skipped: $data not found"; exit 0; }
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target infer_bench)"; exit 1; }

# The same BLAS choice as bench/train_speed/run.sh: OpenBLAS, not netlib.
blas="${TORCH_BLAS_DIR:-}"
if [ -z "$blas" ]; then
  for cand in /usr/lib/x86_64-linux-gnu/openblas-pthread /tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread; do
    if [ -f "$cand/libblas.so.3" ]; then blas="$cand"; break; fi
  done
fi
coretype="${OPENBLAS_CORETYPE:-}"
if [ -z "$coretype" ]; then
  if grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then coretype=Haswell
  fi
fi
torch_env=(env LD_LIBRARY_PATH="${blas}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_CORETYPE="$coretype"
           OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)

echo "== $(date -u '+%F %T UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg); BLAS dir for torch: ${blas:-system}"
"$bin" "$data" both "$repeats" > "$out/attnrec.jsonl"
echo "== attnrec done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"${torch_env[@]}" "$py" "$root/bench/torch_sasrec.py" --input "$data" --infer --repeats "$repeats" \
  --maxlen 200 --dim 50 --blocks 2 --heads 1 --ffn 50 | sed 's/^{/{"config": "ref", /' > "$out/torch.jsonl"
"${torch_env[@]}" "$py" "$root/bench/torch_sasrec.py" --input "$data" --infer --repeats "$repeats" \
  --maxlen 200 --dim 64 --blocks 2 --heads 2 --ffn 512 | sed 's/^{/{"config": "default", /' >> "$out/torch.jsonl"
echo "== torch done; load: $(cut -d' ' -f1-3 /proc/loadavg)"

"$py" - "$out/attnrec.jsonl" "$out/torch.jsonl" <<'PY'
import json, sys
a = {r["config"]: r for r in map(json.loads, open(sys.argv[1]))}
t = [json.loads(l) for l in open(sys.argv[2])]
print()
print("| config | implementation | users | wall mean / p50 / p99 us per user | CPU mean / p50 / p99 us per user | torch/attnrec wall mean, p99 | torch/attnrec CPU mean, p99 |")
print("|---|---|---|---|---|---|---|")
for cfg in ("ref", "default"):
    if cfg not in a:
        continue
    r = a[cfg]
    print(f"| {cfg} | attnrec (encode {r['encode_mean_us']:.0f} + top-10 {r['topk_mean_us']:.0f} wall) | {r['users']} | "
          f"{r['mean_us']:.0f} / {r['p50_us']:.0f} / {r['p99_us']:.0f} | "
          f"{r['cpu_mean_us']:.0f} / {r['cpu_p50_us']:.0f} / {r['cpu_p99_us']:.0f} | | |")
    for x in (x for x in t if x["config"] == cfg):
        print(f"| {cfg} | torch {x['torch']} {x['mode']} | {x['users']} | "
              f"{x['mean_us']:.0f} / {x['p50_us']:.0f} / {x['p99_us']:.0f} | "
              f"{x['cpu_mean_us']:.0f} / {x['cpu_p50_us']:.0f} / {x['cpu_p99_us']:.0f} | "
              f"{x['mean_us'] / r['mean_us']:.1f}x, {x['p99_us'] / r['p99_us']:.1f}x | "
              f"{x['cpu_mean_us'] / r['cpu_mean_us']:.1f}x, {x['cpu_p99_us'] / r['cpu_p99_us']:.1f}x |")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(raw outputs in $out)"
