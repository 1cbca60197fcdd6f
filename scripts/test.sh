#!/usr/bin/env bash
# conduit's whole test suite, as CI runs it:
#   1. the format check (.clang-format) over every C++ file of the repository;
#   2. a clang build of the library and of every public header on its own (-Wthread-safety);
#   3. the plain (release) build, then ASan+UBSan, then TSan: each built and tested by ctest
#      (stress tests excluded; they run with `ctest --preset release -L stress`);
#   4. the shm_ring fuzz target (fuzz/run.sh: clang, libFuzzer, ASan+UBSan, 25 s).
# Exits non-zero if anything fails; the last line says how many tests passed and failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

failed_steps=()
total_pass=0
total_fail=0

echo "== format check"
mapfile -t files < <(git ls-files '*.hpp' '*.cpp' 2>/dev/null || find include src tests bench examples tools -name '*.[ch]pp')
if ! clang-format --dry-run --Werror "${files[@]}"; then
  failed_steps+=("format")
fi

echo "== clang build (library, header check, thread-safety analysis)"
if ! { CXX=clang++ cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug \
         -DCONDUIT_BUILD_TESTS=OFF -DCONDUIT_BUILD_BENCH=OFF -DCONDUIT_BUILD_EXAMPLES=OFF >/dev/null &&
       cmake --build build/clang -j2 --target conduit conduit_header_check; }; then
  failed_steps+=("clang build")
fi

for preset in release asan tsan; do
  echo "== $preset: build"
  if ! { cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" -j2; }; then
    failed_steps+=("$preset build")
    continue
  fi
  echo "== $preset: test"
  log="build/$preset/ctest.log"
  ctest --preset "$preset" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1)
  if [[ -n "$line" ]]; then
    nfail=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    nall=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    total_pass=$((total_pass + nall - nfail))
    total_fail=$((total_fail + nfail))
  fi
  if [[ $status -ne 0 || -z "$line" ]]; then
    failed_steps+=("$preset tests")
  fi
done

# ipc: the libFuzzer target of shm_ring (fuzz/shm_ring_fuzz.cpp), a hostile peer writing
# garbage into a ring's control block and records. fuzz/ is a small CMake project of its own
# (it needs clang's -fsanitize=fuzzer, while the presets use g++): fuzz/run.sh builds it in
# build/fuzz with libFuzzer + ASan + UBSan and runs it for CONDUIT_FUZZ_SECONDS (25 s).
echo "== fuzz: shm_ring (libFuzzer + ASan + UBSan)"
if ! fuzz/run.sh; then
  failed_steps+=("fuzz")
fi

echo
if ((${#failed_steps[@]})); then
  echo "FAILED: ${failed_steps[*]}"
  echo "tests: $total_pass passed, $total_fail failed"
  exit 1
fi
echo "all steps passed (format, clang, release, asan, tsan, fuzz)"
echo "tests: $total_pass passed, $total_fail failed"
