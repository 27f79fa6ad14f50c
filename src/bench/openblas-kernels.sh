#!/usr/bin/env bash
# What OpenBLAS's kernel set is worth: runs `./convkit --bench ROUNDS CASE` (default: 2 lenet) three times, without
# OPENBLAS_CORETYPE (ConvKit's choice for this processor: OpenBlasKernels), and with the old kernels OpenBLAS 0.3.19
# picks itself on processors it does not know (BARCELONA, e.g. on AMD's family 26 with AVX-512) and with HASWELL
# (AVX2). PyTorch gets the same kernels in each run (its Debian OpenBLAS reads the same variable). Prints each run's
# header line, which names the kernels in use, and its table rows.
#
# Usage: src/bench/openblas-kernels.sh [ROUNDS [CASE]]    e.g. OMP_NUM_THREADS=1 src/bench/openblas-kernels.sh 2 lenet
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
for kernels in "" Barcelona Haswell; do
	echo "== OPENBLAS_CORETYPE=${kernels:-(unset)} (load $(cut -d' ' -f1-3 /proc/loadavg))"
	if [ -z "$kernels" ]; then
		env -u OPENBLAS_CORETYPE "$HERE/convkit" --bench "${1:-2}" "${2:-lenet}" 2>&1
	else
		OPENBLAS_CORETYPE="$kernels" "$HERE/convkit" --bench "${1:-2}" "${2:-lenet}" 2>&1
	fi | grep -E '^\| (training|classification)|benchmark:' || true
done
