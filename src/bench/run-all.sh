#!/usr/bin/env bash
# Every CNN figure of docs/benchmarks.md in one command: ConvKit's CNN benchmark (LeNet 28x28, Small VGG 64x64 gray
# and 96x96 RGB; the macro path end to end; memory as the dataset grows) against raw DL4J and PyTorch, first on this
# processor's full instruction set, then narrowed to AVX2 as an AVX2-only processor runs it (oneDNN, OpenBLAS and
# the JVM's own vectorised loops; PyTorch gets the same oneDNN/OpenBLAS narrowing).
#
#   src/bench/run-all.sh [ROUNDS [CASES]]     default: 5 rounds, cases "cnn"; also one case, e.g. lenet, pooling, inference
#
# Thread count: as ConvKit chooses it (set OMP_NUM_THREADS to force one; PyTorch always gets ND4J's count).
# Output: the two runs' tables on stdout and in target/bench-<isa>.txt.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
ROUNDS="${1:-5}"
CASES="${2:-cnn}"
isa="$(grep -q -m1 avx512f /proc/cpuinfo && echo avx512 || echo avx2)"
echo "bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $isa, $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$HERE/convkit" --bench "$ROUNDS" "$CASES" 2>&1 | grep -v SLF4J | tee "$HERE/target/bench-$isa.txt"
if [ "$isa" = avx512 ]; then
	echo
	echo "bench: the same, narrowed to AVX2 (load $(cut -d' ' -f1-3 /proc/loadavg))"
	ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell CONVKIT_CPU_ISA=avx2 JAVA_TOOL_OPTIONS=-XX:UseAVX=2 \
		"$HERE/convkit" --bench "$ROUNDS" "$CASES" 2>&1 | grep -v -E "SLF4J|Picked up JAVA_TOOL_OPTIONS" |
		tee "$HERE/target/bench-avx2-narrowed.txt"
fi
