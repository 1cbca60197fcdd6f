#!/usr/bin/env bash
# Installs, on Debian 12, what conduit's build needs -- only the packages that are missing.
#   scripts/setup.sh          what the tests need
#   scripts/setup.sh --main   also what the main job (conduit-bench and its peers) uses
set -euo pipefail

# The tests: compilers, build tools, GoogleTest/Benchmark; conduit-bench's libraries (its
# quick run is a test) and Chromium (a test renders its HTML report).
need=(g++ cmake ninja-build pkg-config libgtest-dev libgmock-dev libbenchmark-dev
      clang clang-format libclang-rt-14-dev libcli11-dev libfmt-dev nlohmann-json3-dev
      chromium socat)
if [[ "${1-}" == "--main" ]]; then
  # The peer columns of conduit-bench: Go, and Boost (Asio, Interprocess, Fiber).
  need+=(golang-go libboost-dev libboost-fiber-dev libboost-context-dev)
fi

missing=()
for p in "${need[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
