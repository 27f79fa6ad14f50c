#!/usr/bin/env bash
# Soaks the macro path under glibc's allocator settings, to catch a native crash that shows once in many runs
# (docs/benchmarks.md, "A crash with the native memory kept"): trains LeNet for 1 epoch on IMAGES seeded 28x28 PNGs
# (src/bench/python/blob_pngs.py) with ./convkit --headless macros/train-folder.ijm, RUNS times under each setting,
# the settings taking turns:
#   glibc  glibc's defaults (the launcher's default)
#   keep   CONVKIT_MALLOC=keep (large blocks kept, one arena)
#   check  keep, plus glibc's checking allocator (libc_malloc_debug.so.0, MALLOC_CHECK_=3) and no per-thread cache
#          (GLIBC_TUNABLES=glibc.malloc.tcache_count=0, so every free meets the bins' own checks): a write past a
#          block's end or a bad free aborts at the next free instead of corrupting the heap silently
# Prints one line per run (exit code, seconds, validation accuracy) and a summary; a crashed JVM's hs_err file is kept
# in CRASHES (default ./malloc-soak-crashes). Exits 1 when any run failed.
#
# Usage: src/bench/malloc-soak.sh IMAGES RUNS [CRASHES]   e.g. 100000 10
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
[ $# -ge 2 ] && [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 100 ] && [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] ||
	{ echo "usage: $0 IMAGES RUNS [CRASHES] (IMAGES >= 100: 10 per class, RUNS >= 1)" >&2; exit 2; }
images="$1" runs="$2" crashes="${3:-malloc-soak-crashes}"
debug=/lib/x86_64-linux-gnu/libc_malloc_debug.so.0
settings="glibc keep"
if [ -f "$debug" ]; then settings="$settings check"; else echo "malloc-soak: no $debug, no checked runs" >&2; fi
work="$(mktemp -d "${TMPDIR:-/tmp}/convkit-soak.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 "$HERE/src/bench/python/blob_pngs.py" "$work/images" "$images"
# the settings' own variables are set below: none may come from the caller's shell
unset CONVKIT_MALLOC MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_ MALLOC_ARENA_MAX MALLOC_CHECK_ MALLOC_PERTURB_ \
	GLIBC_TUNABLES
# one training run with these extra environment variables (none: the caller's), its output in $work/log
train() {
	env "$@" "$HERE/convkit" --headless "$HERE/macros/train-folder.ijm" \
		"folder=[$work/images] model=[$work/model.zip] epochs=1 overwrite" >"$work/log" 2>&1
}
train || { cat "$work/log" >&2; echo "malloc-soak: the untimed first run failed" >&2; exit 1; }

declare -A failed
for s in $settings; do failed[$s]=0; done
for run in $(seq 1 "$runs"); do
	for s in $settings; do
		env=(JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -XX:ErrorFile=$work/hs_err_%p.log")
		case $s in
		keep) env+=(CONVKIT_MALLOC=keep) ;;
		check) env+=(CONVKIT_MALLOC=keep LD_PRELOAD="$debug" MALLOC_CHECK_=3 GLIBC_TUNABLES=glibc.malloc.tcache_count=0) ;;
		esac
		start=$(date +%s.%N)
		status=0
		train "${env[@]}" || status=$?
		seconds="$(echo "$(date +%s.%N) - $start" | bc)"
		accuracy="$(grep -o 'validation accuracy [0-9.]*' "$work/log" | head -1 || true)"
		printf '%-6s run %2d: exit %d, %5.1f s, %s\n' "$s" "$run" "$status" "$seconds" "${accuracy:-no accuracy}"
		if [ "$status" != 0 ]; then
			failed[$s]=$((failed[$s] + 1))
			mkdir -p "$crashes"
			cp "$work/log" "$crashes/$s-$run.log"
			for f in "$work"/hs_err_*.log; do
				if [ -f "$f" ]; then mv "$f" "$crashes/$s-$run-$(basename "$f")"; fi
			done
		fi
	done
done
status=0
for s in $settings; do
	echo "malloc-soak: $s: ${failed[$s]} of $runs runs failed ($images images, 1 epoch each)"
	[ "${failed[$s]}" = 0 ] || status=1
done
[ "$status" = 0 ] || echo "malloc-soak: logs and crash files in $crashes"
exit "$status"
