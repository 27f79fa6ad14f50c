#!/usr/bin/env bash
# The README's table of issue 14's goals on this machine, every case in one sitting (~55 min on 2 cores): LeNet 28x28,
# Small VGG 64x64 gray and 96x96 RGB against raw DL4J and PyTorch, with the threads a user gets (no OMP_NUM_THREADS)
# and with one thread each, on the processor's full instruction set and narrowed to AVX2; the macro path (LeNet and
# Small VGG) with the threads a user gets; memory as the dataset grows. Nothing else should run meanwhile.
#
#   src/bench/goal-table.sh [ROUNDS [THREADS]]   default 3 rounds; each round's training a run of 3 epochs
#   THREADS: "user" (the threads a user gets, the macro path and memory) or "1" (one thread each) for half the table
#   (about half the time each); both when left out
#
# Output: one file per run in target/goal-table/ (CASE-THREADS-ISA.txt), each headed by its command and the time.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
ROUNDS="${1:-3}"
SETS="${2:-user 1}"
case "$SETS" in user | 1 | "user 1") ;; *) echo "goal-table: THREADS must be user or 1, got '$SETS'" >&2; exit 2 ;; esac
OUT="$HERE/target/goal-table"
mkdir -p "$OUT"
NARROW=(ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell CONVKIT_CPU_ISA=avx2
	JAVA_TOOL_OPTIONS=-XX:UseAVX=2)
isas=(full)
grep -q -m1 avx512f /proc/cpuinfo && isas+=(narrowed)

run() { # name threads(1|user) isa rounds case
	local name=$1 threads=$2 isa=$3 rounds=$4 case=$5
	local env_=(env -u OMP_NUM_THREADS)
	[ "$threads" = 1 ] && env_=(env OMP_NUM_THREADS=1)
	[ "$isa" = narrowed ] && env_+=("${NARROW[@]}")
	local file="$OUT/$name-$threads-$isa.txt"
	echo "== $(date -u +%H:%M:%S) ${env_[*]} CONVKIT_BENCH_EPOCHS=3 ./convkit --bench $rounds $case" | tee "$file"
	# a failed run is reported and the table goes on with the next
	"${env_[@]}" CONVKIT_BENCH_EPOCHS=3 "$HERE/convkit" --bench "$rounds" "$case" 2>&1 |
		grep -v -E "SLF4J|Picked up JAVA_TOOL_OPTIONS" | tee -a "$file" | grep -E "^\| |round [0-9]" ||
		echo "goal-table: $name ($threads, $isa) did not finish as expected: see $file"
}
for threads in $SETS; do
	for isa in "${isas[@]}"; do
		for c in lenet vgg64 vgg96; do run "$c" "$threads" "$isa" "$ROUNDS" "$c"; done
	done
done
[ "$SETS" = 1 ] && exit 0
for isa in "${isas[@]}"; do
	run macro user "$isa" 2 macro
	run macro-vgg user "$isa" 2 macro-vgg
done
run memory user full 1 memory
