#!/usr/bin/env bash
# conduit's main job: conduit-bench, every IPC mechanism side by side (conduit, raw syscalls,
# and Go when installed -- this script installs it), as a table on stdout, JSON and an HTML
# report in build/report/. Extra arguments go to conduit-bench (e.g. --quick, --only pipe).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --main
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target conduit-bench
mkdir -p build/report
build/release/tools/conduit-bench/conduit-bench \
  --json build/report/conduit-bench.json --html build/report/conduit-bench.html "$@"
echo "report: build/report/conduit-bench.html (JSON: build/report/conduit-bench.json)"
