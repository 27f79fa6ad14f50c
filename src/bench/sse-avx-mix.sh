#!/usr/bin/env bash
# What a legacy-SSE instruction costs after 256-bit (and, where the processor has it, 512-bit) AVX code left the
# upper register halves dirty, on this processor: builds src/bench/native/sse-avx-mix.c with gcc (Debian's gcc) into
# a temporary directory and runs it. Needs no ConvKit build. See docs/benchmarks.md ("Why oneDNN's AVX2 pooling is
# slow on an Intel core").
#
# Usage: src/bench/sse-avx-mix.sh [ROUNDS]
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
command -v gcc >/dev/null || { echo "needs gcc (apt-get install gcc)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(-O1 -mavx2)
grep -q -m1 -w avx512f /proc/cpuinfo && flags+=(-mavx512f)
gcc "${flags[@]}" -o "$out/sse-avx-mix" "$HERE/native/sse-avx-mix.c"
grep -m1 "model name" /proc/cpuinfo
"$out/sse-avx-mix" "${1:-3}"
