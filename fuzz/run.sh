#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (libFuzzer + ASan + UBSan) in build/fuzz
# and runs the shm_ring target for a bounded time: CONDUIT_FUZZ_SECONDS (default 25).
# The corpus grows in build/fuzz/corpus between runs. Exits non-zero on a finding (the
# crashing input is left in build/fuzz/ as crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${CONDUIT_FUZZ_SECONDS:-25}
build=build/fuzz
CXX=${CONDUIT_FUZZ_CXX:-clang++} cmake -S fuzz -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target shm_ring_fuzz
mkdir -p "$build/corpus"
cd "$build"
log=shm_ring_fuzz.log
echo "shm_ring_fuzz: ${secs} s (log: $build/$log)"
if ./shm_ring_fuzz -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    corpus >"$log" 2>&1; then
  grep -E "^stat::number_of_executed_units|Done [0-9]+ runs" "$log" | tail -2
  echo "shm_ring_fuzz: no finding"
else
  tail -60 "$log"
  echo "shm_ring_fuzz: FINDING (see $build/$log and $build/crash-*)"
  exit 1
fi
