#!/usr/bin/env bash
# How long libgomp's (OpenMP's) idle threads poll before they sleep on this processor, with libgomp's default
# GOMP_SPINCOUNT (300,000) and ConvKit's (3,000): builds src/bench/native/pause-cost.c with gcc into a temporary
# directory and runs it. Needs no ConvKit build. See docs/benchmarks.md ("OpenMP's idle threads").
#
# Usage: src/bench/pause-cost.sh [ROUNDS]
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
command -v gcc >/dev/null || { echo "needs gcc (apt-get install gcc)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
gcc -O2 -o "$out/pause-cost" "$HERE/native/pause-cost.c"
grep -m1 "model name" /proc/cpuinfo
"$out/pause-cost" "${1:-5}"
