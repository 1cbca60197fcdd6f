#!/usr/bin/env bash
# Installs the built conduit into a temporary prefix, then builds a tiny outside project
# against it both ways: CMake's find_package(conduit) and pkg-config. Runs both programs.
set -euo pipefail
build_dir="$1"
src_dir="$(cd "$(dirname "$0")" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/conduit/chan.hpp"
test -f "$work/prefix/lib/libconduit.a"

cmake -S "$src_dir/consumer" -B "$work/cmake-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -std=c++20 "$src_dir/consumer/main.cpp" -o "$work/pc-consumer" $(pkg-config --cflags --libs conduit)
"$work/pc-consumer"
echo "package: find_package and pkg-config consumers built and ran"
