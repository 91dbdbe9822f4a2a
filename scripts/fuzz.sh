#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer + ASan + UBSan, build-fuzz/) and
# runs every fuzz target for SECONDS (default 60) over its committed seed
# corpus (fuzz/corpus/NAME/); new inputs are kept in build-fuzz/fuzz/corpus/.
# A crash leaves build-fuzz/fuzz/crash-* (or leak-*, timeout-*, oom-*) and
# fails the script: reproduce with `build-fuzz/fuzz/NAME FILE`.
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]
#        ATTNREC_FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(http_request_fuzz json_body_fuzz import_line_fuzz checkpoint_fuzz)
fi
scripts/deps.sh clang
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]}"

run() {
  local name="$1" work="build-fuzz/fuzz/corpus/$1"
  mkdir -p "$work"
  echo "== $name: ${seconds}s" >&2
  local rc=0
  (cd build-fuzz/fuzz &&
   "./$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
             "corpus/$name" "../../fuzz/corpus/$name") 2>"build-fuzz/fuzz/$name.log" || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done )' "build-fuzz/fuzz/$name.log" >&2 || true
  if ((rc != 0)); then
    echo "$name FAILED (exit $rc); see build-fuzz/fuzz/$name.log" >&2
    tail -40 "build-fuzz/fuzz/$name.log" >&2
  fi
  return $rc
}

jobs="${ATTNREC_FUZZ_JOBS:-1}"
failed=0
pids=()
for t in "${targets[@]}"; do
  run "$t" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
