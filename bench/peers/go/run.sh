#!/bin/sh
# Builds and runs the Go peers of conduit's benchmarks, each with GOMAXPROCS=1 and
# GOMAXPROCS=2, so that their figures can be set beside conduit's from the same session.
#
#   bench/peers/go/run.sh            every peer (bench/peers/go/*/main.go)
#   bench/peers/go/run.sh chan       only the named ones
#
# Go is optional: without it this prints "skipped: go not installed" and exits 0.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v go >/dev/null 2>&1; then
  echo "skipped: go not installed"
  exit 0
fi
if [ $# -eq 0 ]; then
  set --
  for dir in "$here"/*/; do
    [ -f "$dir/main.go" ] && set -- "$@" "$(basename "$dir")"
  done
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for name in "$@"; do
  if [ ! -f "$here/$name/main.go" ]; then
    echo "no Go peer named $name" >&2
    exit 2
  fi
  (cd "$here/$name" && GO111MODULE=off go build -o "$out/$name" main.go)
  for procs in 1 2; do
    echo "== go peer: $name (GOMAXPROCS=$procs)"
    GOMAXPROCS=$procs "$out/$name"
  done
done
