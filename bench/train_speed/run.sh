#!/usr/bin/env bash
# Training speed: attnrec (C++/Eigen) vs a minimal PyTorch SASRec of the same
# architecture (bench/torch_sasrec.py), on ML-1M, with the reference settings
# of pmixer/SASRec.pytorch: maxlen 200, d 50 (feed-forward width 50 too, as
# its Conv1d d -> d), 2 blocks, 1 head, batch 128,
# BCE with one negative, dropout 0.2, lr 1e-3, 2 threads, the last 200 items
# of each history only, no weight averaging. Prints seconds per
# epoch, sequences/s and peak RSS of both, then the time to quality of
# attnrec's default recipe (bench/quality's last ML-1M report, if present).
#
# attnrec's time to quality comes from the per-epoch test trace of the last
# bench/quality ML-1M run (default recipe): the first epoch reaching
# sampled-100 test NDCG@10 >= 0.60, and the first reaching both targets of
# the quality section (also full NDCG@10 >= 0.18). With TTQ_MINUTES=M the
# PyTorch model is then trained with the reference settings for up to M
# minutes, evaluated every 5 epochs (evaluation time excluded), for its
# time to sampled-100 >= 0.60.
#
# usage: bench/train_speed/run.sh [EPOCHS]      (default 3)
# env:   ATTNREC_BIN (default build/attnrec), ATTNREC_BENCH_DATA (default
#        ../shared/data), PYTHON (default /usr/bin/python3), SKIP_TORCH=1,
#        TORCH_BLAS_DIR: a directory holding an optimised libblas.so.3 for
#        torch. Debian's torch 1.13 calls whatever libblas.so.3 resolves to;
#        on this machine that is the netlib reference BLAS (libblas3), which
#        makes torch ~10x slower. Default: the system's openblas-pthread
#        directory if installed, else /tmp/openblas/... as extracted with
#        `dpkg-deb -x /var/cache/apt/archives/libopenblas0-pthread_*.deb /tmp/openblas`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ATTNREC_BIN:-$root/build/attnrec}"
data="${ATTNREC_BENCH_DATA:-$root/../shared/data}/ml-1m.txt"
py="${PYTHON:-/usr/bin/python3}"
epochs="${1:-3}"
out="${BENCH_OUT:-$(mktemp -d /tmp/attnrec_train_speed.XXXXXX)}"
[ -f "$data" ] || { echo "skipped: $data not found"; exit 0; }
[ -x "$bin" ] || { echo "error: $bin not built (cmake --build build --target attnrec)"; exit 1; }

echo "== $(date -u '+%F %T UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== attnrec: $epochs epochs, BCE, d 50, feed-forward 50, maxlen 200, 2 blocks, 1 head, batch 128, 2 threads"
/usr/bin/time -v -o "$out/cpp.time" "$bin" train --input "$data" --out "$out/speed.bin" \
  --loss bce --dim 50 --ffn 50 --maxlen 200 --blocks 2 --heads 1 --batch 128 --lr 0.001 --dropout 0.2 \
  --epochs "$epochs" --patience 0 --eval-every 1000 --threads 2 --last-window --ema 0 \
  --quiet > "$out/cpp.out" 2> "$out/cpp.err"
cpp_rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$out/cpp.time")
# CPU seconds of the whole process (load, training, evaluation) per epoch:
# an upper bound on training cost that does not depend on other load.
cpu() { awk -F': ' -v e="$epochs" '/User time|System time/ {s += $2} END {printf "%.2f", s / e}' "$1"; }
cpp_cpu=$(cpu "$out/cpp.time")

torch_line=""
if [ "${SKIP_TORCH:-0}" != 1 ]; then
  blas="${TORCH_BLAS_DIR:-}"
  if [ -z "$blas" ]; then
    for cand in /usr/lib/x86_64-linux-gnu/openblas-pthread /tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread; do
      if [ -f "$cand/libblas.so.3" ]; then blas="$cand"; break; fi
    done
  fi
  [ -n "$blas" ] || echo "warning: no OpenBLAS found; torch will use whatever libblas.so.3 is (netlib is ~10x slower)"
  # OpenBLAS 0.3.21 does not know CPUs newer than it (this machine's Xeon,
  # model 207) and falls back to its generic Prescott (SSE3) kernels, 2x
  # slower here; name the newest kernel family the CPU supports instead.
  coretype="${OPENBLAS_CORETYPE:-}"
  if [ -z "$coretype" ]; then
    if grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then coretype=Haswell
    fi
  fi
  # The environment of every PyTorch run below.
  torch_env=(env LD_LIBRARY_PATH="${blas}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_CORETYPE="$coretype"
             OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1)
  echo "== load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "== PyTorch ($("$py" -c 'import torch; print(torch.__version__)')): same settings, BLAS dir ${blas:-system}, OPENBLAS_CORETYPE ${coretype:-auto}"
  /usr/bin/time -v -o "$out/torch.time" "${torch_env[@]}" \
    "$py" "$root/bench/torch_sasrec.py" --input "$data" --epochs "$epochs" --threads 2 > "$out/torch.out" 2> "$out/torch.err"
  torch_rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$out/torch.time")
  torch_line="$("$py" - "$out/torch.out" "$torch_rss" "$(cpu "$out/torch.time")" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ep = [r for r in recs if "epoch" in r]
secs = [r["seconds"] for r in ep]
t = ep[-1]["test_sampled"]
print(f"| PyTorch 1.13 (bench/torch_sasrec.py) | {sum(secs)/len(secs):.2f} | {min(secs):.2f} | {sum(r['seqs_per_sec'] for r in ep)/len(ep):.0f} | {sys.argv[3]} | {sys.argv[2]} | {t['ndcg@10']:.4f} |")
PY
)"
fi

"$py" - "$out/speed.bin.json" "$cpp_rss" "$torch_line" "${QUALITY_OUT:-/tmp/attnrec_quality}/ml-1m.bin.json" "$cpp_cpu" <<'PY'
import json, os, sys
rep = json.load(open(sys.argv[1]))
ep = rep["epochs"]
secs = [e["train_seconds"] for e in ep]
print()
print("| implementation | s/epoch (mean) | s/epoch (best) | sequences/s | CPU s/epoch (process) | peak RSS MB | test NDCG@10 (sampled-100) |")
print("|---|---|---|---|---|---|---|")
print(f"| attnrec (C++/Eigen) | {sum(secs)/len(secs):.2f} | {min(secs):.2f} | {sum(e['seqs_per_sec'] for e in ep)/len(ep):.0f} | {sys.argv[5]} | {sys.argv[2]} | {rep['test']['sampled']['ndcg@10']:.4f} |")
if sys.argv[3]:
    print(sys.argv[3])
q = sys.argv[4]
if os.path.exists(q):
    r = json.load(open(q))
    best = [e for e in r["epochs"] if e["epoch"] == r["best_epoch"]]
    t_best = best[0]["elapsed_seconds"] if best else r["train_seconds"]
    print()
    print(f"default recipe (bench/quality's last ML-1M run, {q}): kept epoch {r['best_epoch']} reached after "
          f"{t_best:.0f} s; training stopped after {r['train_seconds']:.0f} s ({r['stop_reason']}); test full "
          f"NDCG@10 {r['test']['full']['ndcg@10']:.4f}, sampled-100 NDCG@10 {r['test']['sampled']['ndcg@10']:.4f}")
    traced = [e for e in r["epochs"] if "test" in e]
    if not traced:
        print("time to quality: that run has no per-epoch test trace (run bench/quality/run.sh again)")
    for what, pred in (("sampled-100 NDCG@10 >= 0.60", lambda t: t["sampled"]["ndcg@10"] >= 0.60),
                       ("full NDCG@10 >= 0.18 and sampled-100 >= 0.60",
                        lambda t: t["full"]["ndcg@10"] >= 0.18 and t["sampled"]["ndcg@10"] >= 0.60)):
        e = next((e for e in traced if pred(e["test"])), None)
        if traced:
            print(f"time to quality ({what}): " + (f"epoch {e['epoch']}, after {e['elapsed_seconds']:.0f} s "
                                                    "of training" if e else "not reached"))
PY

if [ "${TTQ_MINUTES:-0}" != 0 ] && [ "${SKIP_TORCH:-0}" != 1 ]; then
  echo
  echo "== PyTorch time to quality (sampled-100 test NDCG@10 >= 0.60), up to $TTQ_MINUTES min of training; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  "${torch_env[@]}" "$py" "$root/bench/torch_sasrec.py" --input "$data" --epochs 100000 --minutes "$TTQ_MINUTES" \
    --eval-every 5 --threads 2 > "$out/torch_ttq.out" 2> "$out/torch_ttq.err"
  "$py" - "$out/torch_ttq.out" "$TTQ_MINUTES" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][0]
hit, b = s["target_reached"], s["best_sampled"]
print("| implementation | budget | epochs | training s | best sampled-100 test NDCG@10 | reached 0.60 |")
print("|---|---|---|---|---|---|")
print(f"| PyTorch (reference settings) | {sys.argv[2]} min | {s['epochs']} | {s['train_seconds']:.0f} | "
      f"{b['ndcg@10']:.4f} (epoch {b['epoch']}) | "
      f"{'yes, after ' + format(hit['train_seconds'], '.0f') + ' s (epoch ' + str(hit['epoch']) + ')' if hit else 'no'} |")
PY
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(raw outputs in $out)"
