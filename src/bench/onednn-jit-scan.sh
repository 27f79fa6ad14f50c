#!/usr/bin/env bash
# Which of oneDNN's JIT kernels mix legacy-SSE instructions into 256/512-bit code: runs
# `./convkit --bench ROUNDS CASE` (default: 1 pooling-kernels) with oneDNN's JIT dump on, in a temporary directory,
# and lists every kernel it generated with its legacy-SSE instructions, in all and inside loops
# (src/bench/native/jit-scan.py; needs objdump from Debian's binutils). Add src/bench/run-all.sh's narrowing to the
# environment for the kernels an AVX2-only processor gets. What such an instruction costs: src/bench/sse-avx-mix.sh.
#
# Usage: src/bench/onednn-jit-scan.sh [ROUNDS [CASE]]    e.g. src/bench/onednn-jit-scan.sh 1 vgg64
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
command -v objdump >/dev/null || { echo "needs objdump (apt-get install binutils)" >&2; exit 2; }
dump="$(mktemp -d)"
trap 'rm -rf "$dump"' EXIT
# ND4J 1.0.0-M2.1's oneDNN (2.x) reads DNNL_JIT_DUMP; newer ones ONEDNN_JIT_DUMP. The dump goes to the working
# directory; PyTorch's own oneDNN (in a child process of some cases) dumps there too, under the same names.
(cd "$dump" && DNNL_JIT_DUMP=1 ONEDNN_JIT_DUMP=1 "$HERE/convkit" --bench "${1:-1}" "${2:-pooling-kernels}" \
	>"$dump/bench.log" 2>&1) || { tail -20 "$dump/bench.log" >&2; exit 1; }
echo "$(ls "$dump"/*.bin | wc -l) kernels dumped by: ./convkit --bench ${1:-1} ${2:-pooling-kernels}"
python3 "$HERE/src/bench/native/jit-scan.py" "$dump"
