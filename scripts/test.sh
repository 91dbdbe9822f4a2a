#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
# Usage: scripts/test.sh [preset]   (default | asan | tsan | fuzz)
# `fuzz` is not part of the default run: its clang build instruments every
# library again (docs/reliability.md has the timings); it runs each fuzz
# target for 15 s over its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
if [ "$preset" = fuzz ]; then scripts/deps.sh clang; else scripts/deps.sh; fi
scripts/build.sh "$preset"
ctest --preset "$preset" --timeout 600
