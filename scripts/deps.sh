#!/usr/bin/env bash
# Installs the Debian 12 packages attnrec builds and tests with, only those
# that are missing. Extra package names may be passed (e.g. python3-torch).
# Cluster mode (issue #15): libnats-dev is the NATS C client the storage
# layer's JetStream seam (storage/nats/) links; nats-server is what its tests
# start; haproxy will sit in front of the nodes.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config curl ca-certificates
          libboost1.81-dev libboost-json1.81-dev libeigen3-dev librocksdb-dev
          catch2 libcli11-dev libxxhash-dev libutf8proc-dev libhnswlib-dev libspdlog-dev
          libnats-dev nats-server haproxy "$@")
# The console's browser test; a build that runs no tests (the Dockerfile)
# sets ATTNREC_DEPS_NO_BROWSER=1.
if [ -z "${ATTNREC_DEPS_NO_BROWSER:-}" ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
