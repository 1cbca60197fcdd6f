#!/usr/bin/env bash
# conduit's main job: build the release preset and run the programs a user would run first.
# Today that is every example in examples/; conduit-bench (the IPC shoot-out) joins here
# when it lands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --main
cmake --preset release >/dev/null
cmake --build --preset release -j2
shopt -s nullglob
status=0
for exe in build/release/examples/example_*; do
  echo "== ${exe##*/}"
  if ! "$exe"; then
    echo "${exe##*/}: FAILED"
    status=1
  fi
done
exit $status
