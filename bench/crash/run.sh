#!/usr/bin/env bash
# The long form of the crash test (tests/cli/serve_test.cpp): `attnrec
# serve` kill -9'd KILLS times at random moments under concurrent ingest,
# then killed during retrains and activations, checking after every restart
# and at the end that every acknowledged event is stored exactly once.
#
#   bench/crash/run.sh [--kills N] [--train-kills N] [--activate-kills N]
#                      [--clients N] [--seed S] [--build DIR]
#
# Defaults: 200 kills, 10 during retrains, 20 during activations, 4 clients,
# a random seed (printed; --seed reproduces the kill times). Needs a build
# (cmake --build build); prints the figures docs/reliability.md quotes.
set -euo pipefail
cd "$(dirname "$0")/../.."
kills=200 train_kills=10 activate_kills=20 clients=4 seed="" build=build
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --train-kills) train_kills="$2"; shift 2 ;;
    --activate-kills) activate_kills="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bin="$build/tests/cli/serve_tests"
[[ -x "$bin" ]] || { echo "run.sh: $bin not built (cmake --build $build --target serve_tests attnrec)" >&2; exit 1; }
[[ -n "$seed" ]] || seed=$((RANDOM * 32768 + RANDOM))
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), seed $seed"
export ATTNREC_CRASH_KILLS="$kills" ATTNREC_TRAIN_KILLS="$train_kills" \
       ATTNREC_ACTIVATE_KILLS="$activate_kills" ATTNREC_CRASH_CLIENTS="$clients" ATTNREC_CRASH_SEED="$seed"
start=$(date +%s)
"$bin" "[crash]" --durations yes
echo "total $(( $(date +%s) - start )) s; load after $(cut -d' ' -f1-3 /proc/loadavg)"
