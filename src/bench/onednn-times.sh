#!/usr/bin/env bash
# oneDNN's own time per primitive (kind, implementation, direction, shape) during a CNN benchmark case: runs
# `./convkit --bench ROUNDS CASE` (default: 1 lenet) with oneDNN's verbose log on and sums its `exec` lines. The case
# runs ConvKit and raw DL4J in one JVM, so a primitive both use is counted for both (the call counts tell); ConvKit's
# Java layers (the first convolution while training, Java pooling where oneDNN lacks AVX-512) do not show here: see
# src/bench/profile-step.sh. Add src/bench/run-all.sh's narrowing to the environment for what an AVX2-only processor
# runs.
#
# Usage: src/bench/onednn-times.sh [ROUNDS [CASE]]    e.g. src/bench/onednn-times.sh 1 vgg64
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# ND4J 1.0.0-M2.1's oneDNN (2.x) reads DNNL_VERBOSE; newer ones ONEDNN_VERBOSE.
DNNL_VERBOSE=1 ONEDNN_VERBOSE=1 "$HERE/convkit" --bench "${1:-1}" "${2:-lenet}" 2>&1 |
	awk -F, '/^(dnnl|onednn)_verbose,exec/ { k = $4 "," $5 "," $6 "," $(NF - 1); s[k] += $NF; n[k]++ }
		END { for (k in s) printf "%9.1f ms in all %7d calls %8.3f ms each  %s\n", s[k], n[k], s[k] / n[k], k }' |
	sort -rn | sed -n "1,${TOP:-30}p" # sed reads to the end: head would end sort with SIGPIPE, a failure under pipefail
