#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
# Usage: scripts/test.sh [preset]   (default | asan | tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
scripts/deps.sh
scripts/build.sh "$preset"
ctest --preset "$preset" --timeout 600
