#!/usr/bin/env bash
# Configures and builds attnrec (Release, -O3 -march=native) into build/.
# Usage: scripts/build.sh [preset]   (default | asan | tsan; see CMakePresets.json)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
